import Foundation
import Testing
import VerdantLocal

/// `verdant run` on a real terminal (tmux), read as a person reads it.
@Suite("Terminal", .serialized)
struct TerminalTests {
    func tmux(_ arguments: [String]) async throws -> String {
        try await VerdantProcess.offload { try Self.tmuxBlocking(arguments) }
    }

    static func tmuxBlocking(_ arguments: [String]) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "tmux \(quoted) > '\(out)' 2>&1"], output: nil)
        VerdantProcess.waitBlocking(child, deadline: 60)
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }

    @Test("the progress line updates in place while the run goes, and ends with the totals")
    func progressLine() async throws {
        let dir = Fixtures.temporaryDirectory("tty")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try VerdantProcess.enlargedCatalog(copies: 4, in: dir)
        // The line is what this test reads, not the masks: the single-image method keeps the
        // 88 tasks short on a loaded 2-core CI machine (the seed model took 0.26 tasks/s there).
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: [
            "workers": "1", "nb_task_max": "2", "catalog": "\"\(catalog.path)\"", "mask.method": "\"hollstein\""])
        let session = "verdant-test-\(getpid())"
        let go = dir.appendingPathComponent("go"), stream = dir.appendingPathComponent("terminal.out")
        // The run starts once every byte it writes to the terminal is also recorded: what a
        // person sees between two captures is in the record, however slow the captures are.
        let command = "while [ ! -e '\(go.path)' ]; do sleep 0.05; done; '\(VerdantProcess.executable.path)' run -p '\(parameters.path)'; echo EXIT=$?; sleep 60"
        _ = try await tmux(["new-session", "-d", "-x", "120", "-y", "40", "-s", session, command])
        defer { _ = try? Self.tmuxBlocking(["kill-session", "-t", session]) }
        _ = try await tmux(["pipe-pane", "-o", "-t", session, "cat >> '\(stream.path)'"])
        #expect(FileManager.default.createFile(atPath: go.path, contents: nil))

        var screen = ""
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            screen = try await tmux(["capture-pane", "-p", "-t", session])
            if screen.contains("EXIT=") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        // The live line: redrawn in place (carriage return, erase line) with counts on the way.
        let recorded = (try? String(contentsOf: stream, encoding: .utf8)) ?? ""
        let renders = recorded.components(separatedBy: "\r\u{1B}[K").dropFirst()
        let midway = renders.first { $0.contains("/88 tasks done") && !$0.hasPrefix("88/88") }
        #expect(renders.count >= 2, "the line was drawn \(renders.count) time(s)")
        let lines = screen.split(separator: "\n").map(String.init)
        #expect(midway != nil, "no live progress line recorded:\n\(recorded.suffix(2000))")
        #expect(midway?.contains("tasks/s") == true && midway?.contains("ETA") == true)
        #expect(lines.contains("EXIT=0"), "\(screen)")
        // 44 images through two stages.
        let final = try #require(lines.first { $0.hasPrefix("88/88 tasks done") }, "\(screen)")
        #expect(final.contains("COMPLETED 80") && final.contains("OUT_OF_AREA 8"))
        // On a terminal the info log stays in the log file; the screen shows the line alone.
        #expect(!screen.contains("info verdant"))
        // One line updated in place, not one line per update.
        #expect(lines.filter { $0.contains(" done") }.count == 1, "\(screen)")
    }
}
