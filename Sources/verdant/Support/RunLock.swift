import Foundation

/// One `verdant run` per status store: two schedulers on one store would submit the same
/// images twice. An advisory `flock` on `<store>.lock`, released by the kernel when the
/// process dies, so a crash never leaves a stale lock behind.
final class RunLock {
    let path: String
    private let fd: Int32

    /// nil when another process holds it; `holder` then names its pid if known.
    init?(storePath: String) throws {
        path = storePath + ".lock"
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
        } catch {
            throw MachineError("\((path as NSString).deletingLastPathComponent): cannot create the folder of the status store: \(error.localizedDescription)")
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        // Beside the store: a folder that cannot hold it is the machine's problem (exit 3).
        guard fd >= 0 else { throw MachineError("\(path): cannot open the run lock: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// The pid written by the holder, for messages.
    static func holder(storePath: String) -> String {
        let text = (try? String(contentsOfFile: storePath + ".lock", encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the process holding the lock is the run `pid` (a `verdant repair` or a
    /// command acting on a stopped store holds it too, and is no run).
    static func isHeld(storePath: String, byRun pid: Int32) -> Bool {
        isHeld(storePath: storePath) && holder(storePath: storePath) == String(pid)
    }

    static func isHeld(storePath: String) -> Bool {
        let fd = open(storePath + ".lock", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}
