import Foundation
import Logging

/// swift-log handler appending lines to the run's log file (the original's logs/logs.log).
public struct FileLogHandler: LogHandler {
    public final class Sink: @unchecked Sendable {
        let handle: FileHandle
        let lock = NSLock()
        public init(path: String) throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            handle.seekToEndOfFile()
        }
        public func write(_ line: String) {
            lock.lock(); defer { lock.unlock() }
            handle.write(Data(line.utf8))
        }
    }

    let label: String
    let sink: Sink
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(label: String, sink: Sink) { self.label = label; self.sink = sink }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        sink.write("\(stamp) \(event.level.rawValue.uppercased()) [\(label)] \(event.message)\n")
    }
}

/// Lets a full-screen view silence the log on stderr (it would tear the screen) while the log
/// file keeps everything; the view turns it back on when it leaves the screen.
public final class StderrGate: @unchecked Sendable {
    private let lock = NSLock()
    private var open = true
    public init() {}
    public var isOpen: Bool { lock.lock(); defer { lock.unlock() }; return open }
    public func silence() { lock.lock(); open = false; lock.unlock() }
    public func restore() { lock.lock(); open = true; lock.unlock() }
}

/// A handler (stderr's) behind the gate.
public struct GatedLogHandler<Inner: LogHandler>: LogHandler {
    public var inner: Inner
    public let gate: StderrGate

    public init(_ inner: Inner, gate: StderrGate) { self.inner = inner; self.gate = gate }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        guard gate.isOpen else { return }
        inner.log(event: event)
    }
}

public enum LogSetup {
    public static let stderrGate = StderrGate()

    /// Logs go to the log file and to stderr; with a progress line on a terminal, stderr gets
    /// only warnings so the line stays readable. `stderrGate` silences stderr entirely.
    public static func bootstrap(logFile: String, quietStderr: Bool, verbose: Bool) throws {
        let sink: FileLogHandler.Sink
        do {
            sink = try FileLogHandler.Sink(path: logFile)
        } catch {
            throw LogFileError(description: "\(logFile): cannot open the log file: \(error.localizedDescription)")
        }
        LoggingSystem.bootstrap { label in
            var file = FileLogHandler(label: label, sink: sink)
            file.logLevel = verbose ? .debug : .info
            var stderr = StreamLogHandler.standardError(label: label)
            stderr.logLevel = quietStderr ? .warning : (verbose ? .debug : .info)
            return MultiplexLogHandler([file, GatedLogHandler(stderr, gate: stderrGate)])
        }
    }
}

/// The log file cannot be opened (its folder is read-only, the disk is full): the machine's.
public struct LogFileError: Error, CustomStringConvertible {
    public let description: String
}
