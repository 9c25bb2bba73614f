import Foundation
import Logging

/// swift-log handler appending lines to the run's log file (the original's logs/logs.log).
struct FileLogHandler: LogHandler {
    final class Sink: @unchecked Sendable {
        let handle: FileHandle
        let lock = NSLock()
        init(path: String) throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            handle.seekToEndOfFile()
        }
        func write(_ line: String) {
            lock.lock(); defer { lock.unlock() }
            handle.write(Data(line.utf8))
        }
    }

    let label: String
    let sink: Sink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        sink.write("\(stamp) \(level.rawValue.uppercased()) [\(label)] \(message)\n")
    }
}

enum LogSetup {
    /// Logs go to the log file and to stderr; with a progress line on a terminal, stderr gets
    /// only warnings so the line stays readable.
    static func bootstrap(logFile: String, quietStderr: Bool, verbose: Bool) throws {
        let sink = try FileLogHandler.Sink(path: logFile)
        LoggingSystem.bootstrap { label in
            var file = FileLogHandler(label: label, sink: sink)
            file.logLevel = verbose ? .debug : .info
            var stderr = StreamLogHandler.standardError(label: label)
            stderr.logLevel = quietStderr ? .warning : (verbose ? .debug : .info)
            return MultiplexLogHandler([file, stderr])
        }
    }
}
