import Foundation
import VerdantCore

/// Where the local engine's results live, and how a result becomes visible: a job writes into a
/// private work folder, and one `rename(2)` of that folder publishes it. So an output is either
/// whole or absent after a crash, and a second commit for the same image is refused, never
/// written over.
public struct OutputLayout: Sendable {
    public let root: URL

    public init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL
    }

    public func stageDirectory(_ stage: Stage) -> URL {
        root.appendingPathComponent(stage.rawValue, isDirectory: true)
    }

    /// `<output>/<stage>/<image id>/`: the published result of one image.
    public func resultDirectory(imageId: String, stage: Stage) -> URL {
        stageDirectory(stage).appendingPathComponent(imageId, isDirectory: true)
    }

    /// The main file of a published result (what the store records as `output`).
    public func resultFile(imageId: String, stage: Stage) -> URL {
        resultDirectory(imageId: imageId, stage: stage).appendingPathComponent("\(imageId).tif")
    }

    public func isPublished(imageId: String, stage: Stage) -> Bool {
        FileManager.default.fileExists(atPath: resultDirectory(imageId: imageId, stage: stage).path)
    }

    var workRoot: URL { root.appendingPathComponent(".work", isDirectory: true) }

    /// A fresh private folder for one run of one job.
    func makeWorkDirectory(requestId: String) throws -> URL {
        let dir = workRoot.appendingPathComponent("\(requestId)-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Removes work folders left by processes that died (nothing in them was ever published).
    /// Folders of a live process, e.g. another run sharing this output folder, are left alone.
    public func removeAbandonedWork() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: workRoot.path)) ?? [] {
            let parts = name.split(separator: "-")
            guard parts.count >= 3, let pid = pid_t(parts[parts.count - 2]) else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: workRoot.appendingPathComponent(name))
            }
        }
    }

    static func sync(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func sync(contentsOf directory: URL) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            sync(path: directory.appendingPathComponent(name).path)
        }
        sync(path: directory.path)
    }

    public enum Publication: Equatable { case published, alreadyPublished }

    /// Publishes `work` as the result of `imageId`. Refuses (and discards `work`) when a result
    /// is already there: work is never written twice.
    func publish(_ work: URL, imageId: String, stage: Stage) throws -> Publication {
        let target = resultDirectory(imageId: imageId, stage: stage)
        try FileManager.default.createDirectory(at: stageDirectory(stage), withIntermediateDirectories: true)
        // Files reach the disk before the rename makes them visible, and the rename before
        // the store hears of it: after a power loss a published result is whole.
        Self.sync(contentsOf: work)
        if rename(work.path, target.path) == 0 {
            Self.sync(path: stageDirectory(stage).path)
            return .published
        }
        let code = errno
        if code == EEXIST || code == ENOTEMPTY {
            try? FileManager.default.removeItem(at: work)
            return .alreadyPublished
        }
        var info: [String: Any] = [NSFilePathErrorKey: target.path,
            NSLocalizedDescriptionKey: "cannot rename \(work.path) to \(target.path): \(String(cString: strerror(code)))"]
        // The errno, where Foundation's own file errors keep it, for whoever sorts failures.
        if let posix = POSIXErrorCode(rawValue: code) { info[NSUnderlyingErrorKey] = POSIXError(posix) }
        throw CocoaError(.fileWriteUnknown, userInfo: info)
    }
}
