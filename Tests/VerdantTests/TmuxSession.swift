import Foundation
import Testing

/// A program on a real terminal (tmux), driven and read as a person would: keys in, screen out.
struct TmuxSession {
    let name: String

    /// Starts `command` in a new detached session of `cols`×`rows`; the pane stays after the
    /// command ends, showing `EXIT=<status>`.
    static func start(_ command: String, cols: Int = 80, rows: Int = 24, environment: [String: String] = [:],
                      directory: URL) async throws -> TmuxSession {
        let session = TmuxSession(name: "vd-\(getpid())-\(UUID().uuidString.prefix(6))")
        // A UTF-8 locale unless the test says otherwise: what the screen draws must not depend
        // on the locale the suite happens to run under.
        var environment = environment
        if environment["LANG"] == nil && environment["LC_ALL"] == nil { environment["LANG"] = "C.UTF-8"; environment["LC_ALL"] = "C.UTF-8" }
        let exports = environment.map { "export \($0.key)='\($0.value)'; " }.joined()
        let shell = "cd '\(directory.path)' && \(exports)\(command); echo EXIT=$?; sleep 600"
        _ = try await session.tmux(["new-session", "-d", "-x", "\(cols)", "-y", "\(rows)", "-s", session.name, shell])
        return session
    }

    func tmux(_ arguments: [String]) async throws -> String {
        try await VerdantProcess.offload { try TerminalTests.tmuxBlocking(arguments) }
    }

    func screen(colours: Bool = false) async throws -> String {
        try await tmux(["capture-pane", "-p"] + (colours ? ["-e"] : []) + ["-t", name])
    }

    /// Sends keys as tmux names them ("Enter", "Escape", "Tab", "Space", "C-c", or literal text).
    func send(_ keys: String...) async throws {
        _ = try await tmux(["send-keys", "-t", name] + keys)
    }

    func sendLiteral(_ text: String) async throws {
        _ = try await tmux(["send-keys", "-l", "-t", name, text])
    }

    /// Waits until the screen satisfies `condition`; returns the last screen either way.
    @discardableResult
    func waitFor(_ timeout: Double = 30, _ what: String = "", _ condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try await screen()
            if condition(last) { return last }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("timed out waiting for \(what):\n\(last)")
        return last
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Double = 30) async throws -> String {
        try await waitFor(timeout, "“\(text)”") { $0.contains(text) }
    }

    func resize(cols: Int, rows: Int) async throws {
        _ = try await tmux(["resize-window", "-t", name, "-x", "\(cols)", "-y", "\(rows)"])
    }

    /// The pid of the program running in the pane's shell (the dashboard).
    func panePid() async throws -> Int32? {
        let out = try await tmux(["display-message", "-p", "-t", name, "#{pane_pid}"])
        return Int32(out.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func kill() { _ = try? TerminalTests.tmuxBlocking(["kill-session", "-t", name]) }
}
