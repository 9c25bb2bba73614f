import Foundation

/// A child process started with posix_spawn and reaped with waitpid. Foundation's `Process`
/// on Linux is not used: it can miss a child's exit while a grandchild keeps inherited
/// descriptors open (seen here: `isRunning` stayed true after SIGKILL). The child leads its own
/// process group, so a signal reaches the jobs it started too.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var reaped: Termination?

    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Starts `executable` with `arguments`; stdout and stderr go to `output` (appended), or
    /// are discarded when nil. stdin is /dev/null.
    public init(executable: String, arguments: [String], output: String?) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let target = output ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        // Signals the parent ignores (SIGINT during a run) must not stay ignored in the child.
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)

        Self.closeDescriptorsOnExec()
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard code == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey:
                "cannot start \(executable): \(String(cString: strerror(code)))"])
        }
        pid = child
    }

    /// Non-blocking: the termination once the child has ended.
    public func poll() -> Termination? {
        if let reaped { return reaped }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        reaped = Self.decode(status)
        return reaped
    }

    /// Blocks until the child ends.
    @discardableResult
    public func wait() -> Termination {
        if let reaped { return reaped }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = Self.decode(status)
        return reaped!
    }

    /// Signals the child's whole process group.
    public func signal(_ sig: Int32) {
        guard reaped == nil else { return }
        kill(-pid, sig)
    }

    /// Marks every descriptor above stderr close-on-exec, so a child never inherits the run
    /// lock, the log file or the database: an orphaned job must not keep a dead run's lock.
    static func closeDescriptorsOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for fd in entries.compactMap(Int32.init) where fd > 2 {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    static func decode(_ status: Int32) -> Termination {
        let sig = status & 0x7f
        return sig == 0 ? .exited((status >> 8) & 0xff) : .signalled(sig)
    }
}
