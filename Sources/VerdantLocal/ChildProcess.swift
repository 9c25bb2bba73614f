import CSpawnShim
import Foundation

/// A child process started with posix_spawn. Foundation's `Process` on Linux is not used: it
/// can miss a child's exit while a grandchild keeps inherited descriptors open (seen here:
/// `isRunning` stayed true after SIGKILL). The child leads its own process group, so a signal
/// reaches the jobs it started too.
///
/// Ending a child that may have left processes behind takes three steps, in this order:
/// `exited()` sees the exit without reaping it, `signalGroup(_:)` reaches what is left of the
/// group, `reap()` collects the child. Until it is reaped the child is a zombie that still holds
/// its pid and its process group, so no other process can have been given them; once reaped,
/// nothing is signalled any more. An instance is for one thread at a time.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var reaped: Termination?
    /// The read end of the pipe holding the child's stdout and stderr (non-blocking), or -1.
    private var outputPipe: Int32 = -1

    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Where the child's stdout and stderr go; `nil` discards them.
    public enum Output: Sendable {
        /// Appended to this file.
        case file(String)
        /// Into a pipe this object reads (`readAvailableOutput()`): the parent keeps the
        /// child's words even when no file can be written (a full disk).
        case pipe
    }

    /// Starts `executable` with `arguments`. stdin is /dev/null; the child inherits no
    /// descriptor beyond 0, 1 and 2, and no signal disposition or mask of this process.
    public init(executable: String, arguments: [String], output: Output? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var readEnd: Int32 = -1, writeEnd: Int32 = -1
        switch output {
        case nil:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        case .pipe:
            var ends: [Int32] = [-1, -1]
            guard verdant_pipe_cloexec(&ends) == 0 else { throw Self.startError(executable, errno) }
            (readEnd, writeEnd) = (ends[0], ends[1])
            // Reads in the polling loop must never block it.
            _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        }
        // The parent keeps only the read end; the child's copy is the sole writer it started with.
        defer { if writeEnd >= 0 { close(writeEnd) } }
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // Closed in the child only: a job must not hold the run lock, the log or the database
        // (an orphaned job would keep a dead run's lock), nor another job's output pipe.
        let closing = verdant_spawn_file_actions_addclosefrom(&actions, 3)
        guard closing == 0 else {
            if readEnd >= 0 { close(readEnd) }
            throw Self.startError(executable, closing)
        }

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

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard code == 0 else {
            if readEnd >= 0 { close(readEnd) }
            throw Self.startError(executable, code)
        }
        pid = child
        outputPipe = readEnd
    }

    deinit { closeOutput() }

    /// Non-blocking, and does not reap: the termination once the child has ended. The child
    /// stays a zombie, so `signalGroup` still reaches its own process group and no other.
    public func exited() -> Termination? {
        if let reaped { return reaped }
        var info = siginfo_t()
        while true {
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 { break }
            if errno != EINTR { return nil }
        }
        // With WNOHANG and no exit yet, waitid succeeds and leaves si_pid at zero.
        guard info._sifields._sigchld.si_pid == pid else { return nil }
        let status = info._sifields._sigchld.si_status
        return Int(info.si_code) == CLD_EXITED ? .exited(status) : .signalled(status)
    }

    /// Signals the child's whole process group; does nothing once the child is reaped, when
    /// the pid and the group may already be another process's.
    public func signalGroup(_ sig: Int32) {
        guard reaped == nil else { return }
        kill(-pid, sig)
    }

    /// Non-blocking: collects the child once it has ended (nil while it runs). Afterwards the
    /// pid is free for the system to reuse, so nothing signals it any more.
    public func reap() -> Termination? {
        if let reaped { return reaped }
        var status: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(pid, &status, WNOHANG) } while r < 0 && errno == EINTR
        guard r == pid else { return nil }
        reaped = Self.decode(status)
        return reaped
    }

    /// Blocks until the child ends, and reaps it: for callers that do not need to reach what
    /// the child leaves running.
    @discardableResult
    public func wait() -> Termination {
        if let reaped { return reaped }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = Self.decode(status)
        return reaped!
    }

    /// What the child wrote since the last call, without blocking (`.pipe` output only). Empty
    /// when there is nothing new; nil after the pipe's end (every writer, the child and what it
    /// left running, has closed it) was read, or when the output is not captured.
    public func readAvailableOutput() -> [UInt8]? {
        guard outputPipe >= 0 else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        // A child that writes without pause must not keep the caller from its other checks.
        while bytes.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(outputPipe, $0.baseAddress, $0.count) }
            if n > 0 { bytes += chunk[..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return bytes }
            // End of file (or an error a pipe does not produce): no more output will come.
            closeOutput()
            return bytes
        }
        return bytes
    }

    /// Waits until the child writes something or `seconds` pass: the launcher's polling tick,
    /// which picks up output as it comes instead of letting the pipe fill.
    public func awaitOutput(upTo seconds: Double) {
        let milliseconds = Int32(max(0, seconds * 1000))
        guard outputPipe >= 0 else { usleep(UInt32(milliseconds) * 1000); return }
        var request = pollfd(fd: outputPipe, events: Int16(POLLIN), revents: 0)
        _ = Glibc.poll(&request, 1, milliseconds)
    }

    private func closeOutput() {
        if outputPipe >= 0 { close(outputPipe); outputPipe = -1 }
    }

    static func startError(_ executable: String, _ code: Int32) -> Error {
        CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey:
            "cannot start \(executable): \(String(cString: strerror(code)))"])
    }

    static func decode(_ status: Int32) -> Termination {
        let sig = status & 0x7f
        return sig == 0 ? .exited((status >> 8) & 0xff) : .signalled(sig)
    }
}
