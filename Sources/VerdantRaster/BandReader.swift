import CGDAL

/// How source pixels are combined onto a coarser or shifted grid (GDAL's `-r`).
public enum Resampling: String, Sendable {
    case nearest = "near"
    case bilinear
    case cubic
    /// Mean of the source pixels each target pixel covers, weighted by covered area; what Earth
    /// Engine's reduceResolution(mean) does and what a 30 m mask of 10 m bands needs.
    case average
    case mode
}

/// Reads band 1 of `path` onto `grid` with GDALWarp into memory, as Float32. Pixels whose
/// sources are all nodata (the file's own nodata, or `nodata` when given — L1C files often
/// declare none although 0 means "no data") and pixels outside the file come out NaN.
/// `isCancelled` is polled by GDAL while it warps (a 10 m band of a whole tile takes about a
/// second); when it turns true the read stops and throws `CancellationError`.
public func readBand(path: String, grid: RasterGrid, resampling: Resampling = .average,
                     nodata: Double? = nil, isCancelled: (@Sendable () -> Bool)? = nil) throws -> [Float] {
    let source = try RasterDataset(openingPath: path)
    let bounds = grid.bounds
    var arguments = [
        "-of", "MEM", "-t_srs", grid.crsWKT,
        "-te", "\(bounds.minX)", "\(bounds.minY)", "\(bounds.maxX)", "\(bounds.maxY)",
        "-ts", "\(grid.width)", "\(grid.height)",
        "-r", resampling.rawValue, "-ot", "Float32", "-dstnodata", "nan",
        // Full resolution only: GDAL would otherwise average a COG's overview (e.g. 20 m for a
        // 30 m target), so a 30 m pixel would no longer be the mean of its nine 10 m pixels.
        "-ovr", "NONE",
    ]
    if let nodata { arguments += ["-srcnodata", "\(nodata)"] }
    let argumentList = CStringList(arguments)
    guard let options = GDALWarpAppOptionsNew(argumentList.pointer, nil) else {
        throw RasterError.readFailed(path: path, reason: "bad warp options: \(GDALRuntime.lastError())")
    }
    defer { GDALWarpAppOptionsFree(options) }
    let cancellation = CancellationProbe(isCancelled)
    let probe = Unmanaged.passRetained(cancellation)
    defer { probe.release() }
    if isCancelled != nil {
        GDALWarpAppOptionsSetProgress(options, { _, _, context in
            // GDAL stops the warp when the progress function returns FALSE.
            guard let context else { return 1 }
            return Unmanaged<CancellationProbe>.fromOpaque(context).takeUnretainedValue().shouldContinue() ? 1 : 0
        }, probe.toOpaque())
    }
    var sources: [GDALDatasetH?] = [source.handle]
    var usageError: Int32 = 0
    CPLErrorReset()
    // GDALWarp borrows the source handle: keep its Swift owner alive until the call returns.
    let warped = withExtendedLifetime(source) {
        sources.withUnsafeMutableBufferPointer { GDALWarp("", nil, 1, $0.baseAddress, options, &usageError) }
    }
    if cancellation.wasCancelled {
        if let warped { GDALClose(warped) }
        throw CancellationError()
    }
    guard let warped else {
        throw RasterError.readFailed(path: path, reason: "warp to the grid failed: \(GDALRuntime.lastError())")
    }
    let result = RasterDataset(owning: warped, path: path)
    return try result.readFloats(band: 1)
}

/// Carries a cancellation check through GDAL's C progress callback.
private final class CancellationProbe {
    let isCancelled: (@Sendable () -> Bool)?
    private(set) var wasCancelled = false

    init(_ isCancelled: (@Sendable () -> Bool)?) { self.isCancelled = isCancelled }

    func shouldContinue() -> Bool {
        if isCancelled?() == true { wasCancelled = true }
        return !wasCancelled
    }
}
