import Foundation
import VerdantCore
import VerdantRaster

/// Sorts the error that ended a job into what the scheduler should do with the image:
/// - permanent: the input cannot heal by waiting (a missing or unreadable source, a missing
///   band, an invalid STAC item, a land file that is no polygon);
/// - machine: the disk or the output folder is at fault, not the image (full, over quota,
///   read-only, not writable, I/O errors), so every other image would fail the same way;
/// - retryable: anything else (a flaky read, a crash, a cancel).
/// The errno is looked for where Foundation puts it (POSIXError, NSUnderlyingError), then in the
/// message (GDAL sometimes quotes strerror), and for a write failure that does not say why, in
/// the folder written to (`probe`).
public struct JobFailureClassifier: Sendable {
    /// Folders the job writes into. A permission error there is the machine's (the output
    /// folder is not writable); anywhere else it is the input's (an unreadable source).
    public var outputFolders: [String]
    /// Why a write in a folder fails now, as an errno; nil when it works.
    public var probe: @Sendable (String) -> Int32?

    public init(outputFolders: [String], probe: @escaping @Sendable (String) -> Int32? = FolderWriteProbe.problem(writingIn:)) {
        self.outputFolders = outputFolders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        self.probe = probe
    }

    /// Errors of the disk or the file system, whatever the path.
    static let machineCodes: Set<Int32> = [ENOSPC, EDQUOT, EROFS, EIO]

    public func classify(_ error: Error) -> JobFailure {
        if let failure = error as? JobFailure { return failure }
        let message = Self.describe(error)
        if let code = Self.posixCode(of: error) {
            return JobFailure(kind: kind(ofErrno: code, path: Self.path(of: error)), message: message)
        }
        if Self.quotedMachineCode(in: message) != nil {
            return JobFailure(kind: .machine, message: message)
        }
        switch error {
        case is StacCatalog.Error, is CloudMaskError, is BlockInputError:
            return JobFailure(kind: .permanent, message: message)
        case let raster as RasterError:
            return classify(raster, message: message)
        case is CancellationError:
            return JobFailure(kind: .retryable, message: "cancelled")
        default:
            return JobFailure(kind: .retryable, message: message)
        }
    }

    private func classify(_ error: RasterError, message: String) -> JobFailure {
        switch error {
        case .fileNotFound, .cannotOpen, .notAVector, .noPolygonFeatures, .invalidGeometry,
             .projectionFailed, .emptyIntersection, .notGeoreferenced, .gridMismatch:
            return JobFailure(kind: .permanent, message: message)
        case .writeFailed(let path, _):
            let folder = (path as NSString).deletingLastPathComponent
            if let code = probe(folder), kind(ofErrno: code, path: folder) == .machine {
                return JobFailure(kind: .machine, message: "\(message): \(Self.text(of: code)) (found writing in \(folder))")
            }
            return JobFailure(kind: .retryable, message: message)
        case .readFailed, .sizeMismatch:
            return JobFailure(kind: .retryable, message: message)
        }
    }

    func kind(ofErrno code: Int32, path: String?) -> FailureKind {
        if Self.machineCodes.contains(code) { return .machine }
        let inOutput = path.map(isInOutput)
        switch code {
        case EACCES, EPERM:
            return inOutput.map { $0 ? .machine : .permanent } ?? .retryable
        case ENOENT, ENOTDIR:
            // A missing source stays missing; a work folder removed under the job does not.
            return inOutput.map { $0 ? .retryable : .permanent } ?? .retryable
        default:
            return .retryable
        }
    }

    func isInOutput(_ path: String) -> Bool {
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        return outputFolders.contains { path == $0 || path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

    /// The errno carried by a Foundation error (POSIXError, or a CocoaError's NSUnderlyingError).
    public static func posixCode(of error: Error) -> Int32? {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        // A Swift error bridges with its own type as domain and no user info, so this only
        // finds what Foundation put there.
        let bridged = error as NSError
        if bridged.domain == NSPOSIXErrorDomain { return Int32(bridged.code) }
        if let underlying = bridged.userInfo[NSUnderlyingErrorKey] as? Error { return posixCode(of: underlying) }
        return nil
    }

    static func path(of error: Error) -> String? {
        let info = (error as NSError).userInfo
        return info[NSFilePathErrorKey] as? String ?? (info[NSURLErrorKey] as? URL)?.path
    }

    /// A machine errno whose strerror text a message quotes ("… No space left on device"), or
    /// GDAL's own check of the free space before writing.
    static func quotedMachineCode(in message: String) -> Int32? {
        if message.contains("Free disk space available is") { return ENOSPC }
        return machineCodes.sorted().first { message.localizedCaseInsensitiveContains(text(of: $0)) }
    }

    static func text(of code: Int32) -> String { String(cString: strerror(code)) }

    /// A message for a person: the path and strerror for Foundation's file errors (their own
    /// text, "The volume is read only.", names neither), the description of our own errors.
    public static func describe(_ error: Error) -> String {
        if let failure = error as? JobFailure { return failure.message }
        let bridged = error as NSError
        if let code = posixCode(of: error) {
            if let given = bridged.userInfo[NSLocalizedDescriptionKey] as? String { return given }
            guard let path = path(of: error) else { return text(of: code) }
            let verb: String
            switch bridged.domain == NSCocoaErrorDomain ? bridged.code : 0 {
            case 256..<512: verb = "cannot read "
            case 512..<768: verb = "cannot write "
            default: verb = ""
            }
            return "\(verb)\(path): \(text(of: code))"
        }
        if bridged.domain == NSCocoaErrorDomain, let given = bridged.userInfo[NSLocalizedDescriptionKey] as? String {
            return given
        }
        return String(describing: error)
    }
}
