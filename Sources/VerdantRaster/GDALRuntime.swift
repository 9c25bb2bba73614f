import CGDAL

/// GDAL's process-wide set-up. Registering drivers is not thread-safe in GDAL itself, so it runs
/// once, through the lazy initialisation of a global (which Swift guarantees runs exactly once).
enum GDALRuntime {
    private static let registered: Bool = {
        GDALAllRegister()
        // Errors become values (RasterError), so GDAL's own stderr printing would only duplicate
        // them; the last message is still kept per thread for CPLGetLastErrorMsg.
        CPLSetErrorHandler(CPLQuietErrorHandler)
        // Remote reads (`/vsicurl/` for https hrefs, `/vsis3/` for s3 ones): no directory
        // listing on open and so no probing for side-car files (requests saved), consecutive
        // ranges merged, retries with a delay on 429/5xx. A value set in the environment wins.
        for (key, value) in remoteReadOptions where getenv(key) == nil { CPLSetConfigOption(key, value) }
        return true
    }()

    /// GDAL's settings for reading COGs over HTTP and S3 (README "Real inputs").
    static let remoteReadOptions: [(String, String)] = [
        ("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR"),
        ("GDAL_HTTP_MERGE_CONSECUTIVE_RANGES", "YES"),
        ("GDAL_HTTP_MAX_RETRY", "5"),
        ("GDAL_HTTP_RETRY_DELAY", "1"),
        ("VSI_CACHE", "TRUE"),
    ]

    static func ensureRegistered() {
        _ = registered
    }

    /// GDAL's last error message on this thread (GDAL keeps it per thread), or a fallback.
    static func lastError(_ fallback: String = "no detail from GDAL") -> String {
        guard let message = CPLGetLastErrorMsg(), message.pointee != 0 else { return fallback }
        return String(cString: message)
    }
}

/// A NULL-terminated C string list (char **) owned by GDAL's CSL functions.
struct CStringList: ~Copyable {
    private(set) var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

    init(_ items: [String]) {
        pointer = nil
        for item in items { pointer = CSLAddString(pointer, item) }
    }

    deinit { CSLDestroy(pointer) }
}

/// GDAL's process-wide cache of remote files (`/vsicurl/`, `/vsis3/`): their sizes and the
/// ranges already fetched.
public enum RemoteReads {
    /// Forgets what has been fetched, so that the next read of a file fetches it again (a
    /// benchmark measuring bytes per image; a file known to have changed).
    public static func clearCache() {
        GDALRuntime.ensureRegistered()
        VSICurlClearCache()
    }
}
