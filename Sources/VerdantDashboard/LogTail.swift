import Foundation
import VerdantStyle

/// Follows the run's log file like `tail -F`: reads what was appended since the last look,
/// starts over when the file was truncated or replaced, keeps the last `capacity` lines.
public final class LogTail {
    public struct Line: Equatable, Sendable {
        public var text: String
        public var level: LogLevelName?
    }

    public let path: String
    public let capacity: Int
    public private(set) var lines: [Line] = []
    /// Lines appended since the dashboard started: `appended - lines.count + i` numbers line
    /// `i` for good, so a search match stays on its line when old lines are dropped.
    public private(set) var appended = 0
    private var offset: UInt64 = 0
    private var inode: UInt64 = 0
    private var partial = Data()

    public init(path: String, capacity: Int = 5000) {
        self.path = path; self.capacity = capacity
    }

    /// Reads new lines; returns whether any arrived. At most the last 1 MB is read after a
    /// start or a truncation, so a huge log does not stall the screen.
    @discardableResult
    public func poll() -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let size = UInt64(info.st_size)
        if UInt64(info.st_ino) != inode || size < offset {
            inode = UInt64(info.st_ino)
            offset = size > 1_000_000 ? size - 1_000_000 : 0
            partial = Data()
            if !lines.isEmpty { lines.removeAll() }
        }
        guard size > offset, let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: offset)
            let data = try handle.read(upToCount: Int(size - offset)) ?? Data()
            offset += UInt64(data.count)
            partial.append(data)
        } catch { return false }
        // Lines are cut from the buffer in one pass; only the unfinished tail is kept.
        var added = false
        var start = partial.startIndex
        while let newline = partial[start...].firstIndex(of: 0x0A) {
            let text = String(decoding: partial[start..<newline], as: UTF8.self)
            lines.append(Line(text: text, level: Self.level(of: text)))
            appended += 1
            added = true
            start = partial.index(after: newline)
        }
        partial = Data(partial[start...])
        if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
        return added
    }

    /// The level of a line of verdant's log format (`<time> LEVEL [label] message`).
    static func level(of text: String) -> LogLevelName? {
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2 else { return nil }
        return LogLevelName(rawValue: parts[1].lowercased())
    }

    /// The line shown on screen: the date dropped from the ISO time, the label kept short.
    public static func display(_ text: String) -> String {
        // 2026-12-02T10:42:07Z INFO [verdant.scheduler] message
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count >= 19, parts[0].dropFirst(10).first == "T" else { return text }
        let time = parts[0].dropFirst(11).prefix(8)
        let level = parts[1].padding(toLength: 5, withPad: " ", startingAt: 0)
        var message = Substring(parts[2])
        if message.hasPrefix("["), let close = message.firstIndex(of: "]") {
            message = message[message.index(after: close)...].drop { $0 == " " }
        }
        return "\(time) \(level) \(message)"
    }

    /// The lasting number of line `index` of `lines`, and back.
    public func number(ofIndex index: Int) -> Int { appended - lines.count + index }
    public func index(ofNumber number: Int) -> Int? {
        let i = number - (appended - lines.count)
        return lines.indices.contains(i) ? i : nil
    }

    /// Index of the next line at or before `from` (searching backwards) containing `needle`.
    public func search(_ needle: String, before from: Int) -> Int? {
        guard !needle.isEmpty, !lines.isEmpty else { return nil }
        let lower = needle.lowercased()
        var i = min(from, lines.count - 1)
        while i >= 0 {
            if lines[i].text.lowercased().contains(lower) { return i }
            i -= 1
        }
        return nil
    }
}
