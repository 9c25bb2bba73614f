import Foundation

/// The end of what a job wrote (stdout and stderr), kept in memory, and the whole of it appended
/// to the job's log file when the disk allows: on a full disk the log cannot be written, yet the
/// job's own error message must still reach the record.
final class JobOutputTail {
    /// Bytes kept: far more than the few last lines a record quotes, little for memory.
    let capacity: Int
    private var bytes: [UInt8] = []
    private var log: Int32

    init(capacity: Int = 64 << 10, logPath: String) {
        self.capacity = capacity
        log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    deinit { if log >= 0 { close(log) } }

    func append(_ chunk: [UInt8]) {
        guard !chunk.isEmpty else { return }
        bytes += chunk
        // Trimmed in batches, so appending stays linear in what the job writes.
        if bytes.count > 2 * capacity { bytes.removeFirst(bytes.count - capacity) }
        writeToLog(chunk)
    }

    /// The log is a convenience: the first failed write (a full disk) ends it, leaving a log
    /// that is a clean beginning of the output rather than one with holes.
    private func writeToLog(_ chunk: [UInt8]) {
        guard log >= 0 else { return }
        var written = 0
        while written < chunk.count {
            let n = chunk.withUnsafeBytes { write(log, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { close(log); log = -1; return }
            written += n
        }
    }

    /// The last `capacity` bytes as text.
    var text: String { String(decoding: bytes.suffix(capacity), as: UTF8.self) }

    /// The last `count` non-empty lines, joined for a one-line record.
    func lastLines(_ count: Int) -> String {
        text.split(whereSeparator: \.isNewline).suffix(count).joined(separator: " | ")
    }
}
