import CSpawnShim
import Foundation
import Glibc

/// Starts `verdant run` as a process of its own session (no controlling terminal): closing the
/// terminal, losing SSH or killing the dashboard leaves it going. Its log goes to the log file
/// only; its stderr is appended to the same file, so an error before the log is set up (bad
/// parameters, a locked store) is read in the dashboard's log pane.
enum DetachedRun {
    struct Failed: Error, CustomStringConvertible { let description: String }

    /// Returns the new process id. A thread waits for it so it never lingers as a zombie while
    /// the dashboard lives; once the dashboard is gone, init adopts it.
    /// Set in the run's environment: it keeps its log lines off stderr (which is the log file).
    static let environmentFlag = "VERDANT_DETACHED"

    static func start(arguments: [String], logFile: String) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc ≥ 2.26) is behind _GNU_SOURCE, which Swift's Glibc module does not see.
        let setsid: Int32 = 0x80
        posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&empty)
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        try? FileManager.default.createDirectory(atPath: (logFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        posix_spawn_file_actions_addopen(&actions, 2, FileManager.default.isWritableFile(atPath: (logFile as NSString).deletingLastPathComponent) ? logFile : "/dev/null",
                                         O_WRONLY | O_APPEND | O_CREAT, 0o644)
        _ = verdant_spawn_file_actions_addclosefrom(&actions, 3)
        let executable = Workspace.currentExecutable.path
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "dumb"
        environment[environmentFlag] = "1"
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw Failed(description: "cannot start \(executable): \(String(cString: strerror(status)))") }
        let child = pid
        Thread.detachNewThread {
            var code: Int32 = 0
            _ = waitpid(child, &code, 0)
        }
        return pid
    }
}
