import Foundation

/// The original's JSON metadata of masks exported as files (seed-algorithm.md §5): a file
/// loses the image's properties, so they are kept beside it, keyed by the file
/// (`geometry` = the footprint, `system:time_start`, `system:time_end` in milliseconds), with
/// the fingerprint of the parameters the mask was made under. Entries verdant did not write
/// are kept as they are.
public struct ExportMetadata {
    public private(set) var entries: [String: Any]

    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    /// An absent file is an empty one.
    public static func read(_ path: String) throws -> ExportMetadata {
        guard let data = FileManager.default.contents(atPath: path) else { return ExportMetadata(entries: [:]) }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Unreadable(description: "\(path): expected a JSON object keyed by exported file (earthengine.metadata_file)")
        }
        return ExportMetadata(entries: object)
    }

    public mutating func record(output: String, footprint: String, start: Date, end: Date, fingerprint: String) {
        let geometry = (try? JSONSerialization.jsonObject(with: Data(footprint.utf8))) ?? footprint
        entries[output] = ["geometry": geometry, "system:time_start": Int64(start.timeIntervalSince1970 * 1000),
                           "system:time_end": Int64(end.timeIntervalSince1970 * 1000), "verdant_fingerprint": fingerprint]
    }

    /// Image id → fingerprint of the masks of `destination` it lists ("" for an entry without one).
    public func published(in destination: ExportDestination) -> [String: String] {
        var found: [String: String] = [:]
        for (key, value) in entries {
            let id = Self.imageId(key)
            guard destination.output(of: id) == key else { continue }
            found[id] = (value as? [String: Any])?["verdant_fingerprint"] as? String ?? ""
        }
        return found
    }

    /// The image id a key names: its last path segment, without `.tif` (the original's keys are
    /// asset paths, ours file URIs).
    public static func imageId(_ key: String) -> String {
        let last = String(key.split(separator: "/").last ?? Substring(key))
        return last.hasSuffix(".tif") ? String(last.dropLast(4)) : last
    }

    /// Written whole to a temporary file, then renamed: a crash leaves the old or the new file.
    public func write(to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys, .prettyPrinted])
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        // Flushed before the rename, and the folder after it: a power cut leaves the old file or
        // the new one, never an empty one.
        try data.write(to: temporary)
        let fd = open(temporary.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temporary.path, path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(code), userInfo: [NSFilePathErrorKey: path])
        }
        let folder = open(url.deletingLastPathComponent().path, O_RDONLY)
        if folder >= 0 { fsync(folder); close(folder) }
    }
}
