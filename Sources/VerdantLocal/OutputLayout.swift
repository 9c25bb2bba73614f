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

    /// `<output>/<stage>/<id>/`: the published result of one image or block at one stage.
    public func resultDirectory(_ key: TaskKey) -> URL {
        stageDirectory(key.stage).appendingPathComponent(key.id, isDirectory: true)
    }

    /// The main file of a published result (what the store records as `output`):
    /// `<output>/<stage>/<id>/<id>.tif`, its JSON sidecar beside it.
    public func resultFile(_ key: TaskKey) -> URL {
        resultDirectory(key).appendingPathComponent("\(key.id).tif")
    }

    public func isPublished(_ key: TaskKey) -> Bool {
        FileManager.default.fileExists(atPath: resultDirectory(key).path)
    }

    /// The file in each result naming the parameter fingerprint it was made under.
    static let fingerprintFile = ".verdant-fingerprint"

    /// The fingerprint a published result was made under: nil when nothing is published, ""
    /// when the result carries none (made by an older verdant, or by hand).
    public func publishedFingerprint(_ key: TaskKey) -> String? {
        let directory = resultDirectory(key)
        guard FileManager.default.fileExists(atPath: directory.path) else { return nil }
        let marker = directory.appendingPathComponent(Self.fingerprintFile)
        return (try? String(contentsOf: marker, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
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

    public enum Publication: Equatable {
        case published
        /// A result made under the same fingerprint was there: this copy was discarded.
        case alreadyPublished
        /// A result made under other parameters was there: replaced by this one.
        case replacedOtherParameters
    }

    /// Publishes `work` as the result of `key`, made under `fingerprint`. Refuses (and
    /// discards `work`) when a result of the same fingerprint is already there: work is never
    /// written twice. A result made under other parameters is moved aside and removed, so the
    /// folder never shows a mix.
    func publish(_ work: URL, key: TaskKey, fingerprint: String) throws -> Publication {
        let target = resultDirectory(key)
        try FileManager.default.createDirectory(at: stageDirectory(key.stage), withIntermediateDirectories: true)
        try Data(fingerprint.utf8).write(to: work.appendingPathComponent(Self.fingerprintFile))
        // Files reach the disk before the rename makes them visible, and the rename before
        // the store hears of it: after a power loss a published result is whole.
        Self.sync(contentsOf: work)
        if rename(work.path, target.path) == 0 {
            Self.sync(path: stageDirectory(key.stage).path)
            return .published
        }
        var code = errno
        if code == EEXIST || code == ENOTEMPTY {
            if publishedFingerprint(key) == fingerprint {
                try? FileManager.default.removeItem(at: work)
                return .alreadyPublished
            }
            // Aside under .work, whose leftovers of dead processes are removed at start.
            let aside = workRoot.appendingPathComponent("superseded-\(getpid())-\(UUID().uuidString.prefix(8))")
            if rename(target.path, aside.path) == 0 {
                if rename(work.path, target.path) == 0 {
                    Self.sync(path: stageDirectory(key.stage).path)
                    try? FileManager.default.removeItem(at: aside)
                    return .replacedOtherParameters
                }
            }
            code = errno
        }
        var info: [String: Any] = [NSFilePathErrorKey: target.path,
            NSLocalizedDescriptionKey: "cannot rename \(work.path) to \(target.path): \(String(cString: strerror(code)))"]
        // The errno, where Foundation's own file errors keep it, for whoever sorts failures.
        if let posix = POSIXErrorCode(rawValue: code) { info[NSUnderlyingErrorKey] = POSIXError(posix) }
        throw CocoaError(.fileWriteUnknown, userInfo: info)
    }
}
