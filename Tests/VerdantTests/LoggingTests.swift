import Foundation
import Logging
import Testing
import VerdantLogging

/// Keeps what reaches it, for the gate test (stands where stderr is).
struct CapturingHandler: LogHandler {
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var lines: [String] = []
        func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }
    let lines: Lines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lines.add("\(event.message)")
    }
}

@Suite("Logging")
struct LoggingTests {
    @Test("a full-screen view silences stderr while the log file keeps every line")
    func gateSilencesStderrOnly() throws {
        let dir = Fixtures.temporaryDirectory("log")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("logs/verdant.log").path
        let sink = try FileLogHandler.Sink(path: path)
        let gate = StderrGate()
        let captured = CapturingHandler.Lines()
        let logger = Logger(label: "test") { label in
            MultiplexLogHandler([FileLogHandler(label: label, sink: sink),
                                 GatedLogHandler(CapturingHandler(lines: captured), gate: gate)])
        }
        logger.info("before the screen")
        gate.silence()
        logger.warning("while the screen is up")
        gate.restore()
        logger.info("after the screen")
        #expect(captured.all == ["before the screen", "after the screen"])
        let file = try String(contentsOfFile: path, encoding: .utf8)
        #expect(file.contains("INFO [test] before the screen"))
        #expect(file.contains("WARNING [test] while the screen is up"))
        #expect(file.contains("INFO [test] after the screen"))
    }
}
