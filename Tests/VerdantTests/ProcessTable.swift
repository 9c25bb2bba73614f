import Foundation

/// What the tests see of other processes.
enum ProcessTable {
    /// Whether `pid` still runs. A zombie counts as gone: it has ended, and an orphan's zombie
    /// may wait long for an init that collects it.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let commandEnd = stat.lastIndex(of: ")") else { return false }
        // "pid (command) S …": the state letter follows the command's closing parenthesis.
        let state = stat[stat.index(after: commandEnd)...].first { !$0.isWhitespace }
        return state != "Z" && state != "X"
    }

    /// Ends processes a test started and expected gone (a failed test must not leave them).
    static func killIfRunning(_ pids: [pid_t]) {
        for pid in pids where isRunning(pid) { kill(pid, SIGKILL) }
    }

    /// The pid a job wrote into `file`, once it is there (nil when `timeout` passes first).
    static func pid(writtenTo file: URL, timeout: Double) -> pid_t? {
        var found: pid_t?
        _ = waitUntil(timeout) {
            found = read(file)
            return found != nil
        }
        return found
    }

    /// The same for async tests, without holding a cooperative thread.
    static func pid(writtenTo file: URL, timeout: Double) async -> pid_t? {
        var found: pid_t?
        _ = await Fixtures.eventually(timeout) {
            found = read(file)
            return found != nil
        }
        return found
    }

    static func read(_ file: URL) -> pid_t? {
        (try? String(contentsOf: file, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass; true when it held.
func waitUntil(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
