import Foundation
import VerdantLocal

/// A tmpfs mounted for one test: a disk that is really full or really read-only (root ignores
/// permission bits, so chmod cannot make a folder unwritable). The suite runs as root here and
/// in CI; a refused mount throws with mount's own words, so the test fails instead of skipping.
final class TemporaryMount {
    let url: URL
    private var mounted = false

    init(size: String, readOnly: Bool = false) throws {
        url = Fixtures.temporaryDirectory("tmpfs")
        try Self.command(["/usr/bin/mount", "-t", "tmpfs", "-o", "size=\(size)" + (readOnly ? ",ro" : ""), "tmpfs", url.path])
        mounted = true
    }

    /// Writes one file until the file system refuses with ENOSPC: after this, any write on it fails.
    func fill() throws {
        let path = url.appendingPathComponent("filler").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Refused(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x55, count: 4096)
        while true {
            let n = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 { continue }
            let code = errno
            if n < 0 && code == EINTR { continue }
            guard n < 0 && code == ENOSPC else {
                throw Refused(description: "filling \(path) stopped without ENOSPC: \(String(cString: strerror(code)))")
            }
            return
        }
    }

    /// Makes the tmpfs at `mountPoint` read-only (no file on it may be open for writing).
    static func remountReadOnly(_ mountPoint: URL) throws {
        try command(["/usr/bin/mount", "-o", "remount,ro", mountPoint.path])
    }

    /// Unmounts (lazily if something still holds it) and removes the mount point.
    func unmount() {
        if mounted {
            if (try? Self.command(["/usr/bin/umount", url.path])) == nil {
                try? Self.command(["/usr/bin/umount", "-l", url.path])
            }
            mounted = false
        }
        try? FileManager.default.removeItem(at: url)
    }

    struct Refused: Error, CustomStringConvertible { let description: String }

    static func command(_ argv: [String]) throws {
        let child = try ChildProcess(executable: argv[0], arguments: Array(argv.dropFirst()), output: .pipe)
        // mount and umount say a line or two: the pipe holds it all until they end.
        let ended = VerdantProcess.waitBlocking(child, deadline: 60)
        let said = String(decoding: child.readAvailableOutput() ?? [], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard ended == .exited(0) else {
            throw Refused(description: "`\(argv.joined(separator: " "))` failed (\(ended)): \(said) — "
                + "the disk tests need root and tmpfs mounts, as this project's machines and CI have")
        }
    }
}
