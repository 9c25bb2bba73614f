import Foundation

/// Where each key and table of a TOML text starts, so an error can name its line (parameters,
/// theme and keys files). TOMLKit
/// (toml++ underneath) keeps no source positions for parsed values, hence this small scanner.
///
/// It only has to be right for text the TOML parser has already accepted: it follows table
/// headers, `key =` lines (bare, quoted and dotted keys), and skips the inside of strings,
/// multi-line strings and multi-line arrays so a `[` or `=` in a value is never taken for a
/// header or a key.
public struct KeyLocator: Sendable {
    struct Entry: Sendable, Equatable {
        /// Dotted path from the root, e.g. `mask.clustering.n_clusters` or `mask.clustering`.
        var path: String
        /// 1-based line where the key or the header starts.
        var line: Int
        var isTable: Bool
    }

    private(set) var entries: [Entry] = []

    public init(text: String) {
        var scanner = Scanner()
        var lineNumber = 0
        // Bytes, not Characters: "\r\n" is a single Character and would hide the line break.
        var utf8 = Array(text.utf8)
        if utf8.starts(with: [0xEF, 0xBB, 0xBF]) { utf8.removeFirst(3) }  // a byte order mark
        for rawLine in utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(rawLine)
            if let found = scanner.scan(bytes) {
                entries.append(Entry(path: found.path, line: lineNumber, isTable: found.isTable))
            }
        }
    }

    /// `area.geometry ring 0` → `area.geometry`; `area.image_to_exclude[2]` → `area.image_to_exclude`.
    static func tomlKey(of issueKey: String) -> String {
        String(issueKey.prefix { $0 != " " && $0 != "[" })
    }

    /// The line of exactly this key or table, first occurrence.
    public func line(of path: String) -> Int? {
        entries.first { $0.path == path }?.line
    }

    /// The line an issue about `issueKey` should point at. Issue keys may carry a suffix after
    /// the TOML key (`area.geometry ring 0`, `area.image_to_exclude[2]`). When the key itself is
    /// absent the nearest enclosing table that is written in the file is used, and line 1 when
    /// nothing is.
    public func line(for issueKey: String) -> Int {
        var path = Self.tomlKey(of: issueKey)
        while !path.isEmpty {
            if let line = line(of: path) { return line }
            // A table that is only implied, by `[mask.clustering]` or by a dotted key such as
            // `clustering.n_clusters = 5`, starts where its first member does.
            if let first = entries.first(where: { $0.path.hasPrefix(path + ".") }) { return first.line }
            guard let dot = path.lastIndex(of: ".") else { break }
            path = String(path[..<dot])
        }
        return 1
    }
}

/// Line-by-line state: what the previous lines left open.
private struct Scanner {
    var currentTable: [String] = []
    /// Open `[` and `{` of a value that continues on the next line.
    var depth = 0
    /// The closing delimiter of a multi-line string that continues on the next line.
    var openString: [UInt8]? = nil

    static let quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'"), backslash = UInt8(ascii: "\\")
    static let hash = UInt8(ascii: "#"), equals = UInt8(ascii: "="), dot = UInt8(ascii: ".")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    /// Reads one line; returns the key or table it starts, if any.
    mutating func scan(_ b: [UInt8]) -> (path: String, isTable: Bool)? {
        var i = 0
        if let closing = openString {
            guard let end = Self.find(closing, in: b, from: 0, escapes: closing[0] == Self.quote) else { return nil }
            openString = nil
            scanValue(b, from: end)
            return nil
        }
        if depth > 0 {
            scanValue(b, from: 0)
            return nil
        }
        Self.skipSpace(b, &i)
        guard i < b.count, b[i] != Self.hash else { return nil }
        if b[i] == Self.openBracket {
            // `[table]` or `[[array.of.tables]]`.
            let isArray = i + 1 < b.count && b[i + 1] == Self.openBracket
            i += isArray ? 2 : 1
            guard let segments = Self.key(b, &i), i < b.count, b[i] == Self.closeBracket else { return nil }
            currentTable = segments
            return (segments.joined(separator: "."), true)
        }
        guard let segments = Self.key(b, &i), i < b.count, b[i] == Self.equals else { return nil }
        scanValue(b, from: i + 1)
        return ((currentTable + segments).joined(separator: "."), false)
    }

    /// Follows brackets and strings through a value so the next line's state is known.
    mutating func scanValue(_ b: [UInt8], from start: Int) {
        var i = start
        while i < b.count {
            let c = b[i]
            switch c {
            case Self.hash:
                return
            case Self.quote, Self.apostrophe:
                let basic = c == Self.quote
                if i + 2 < b.count, b[i + 1] == c, b[i + 2] == c {
                    let closing = [c, c, c]
                    guard let end = Self.find(closing, in: b, from: i + 3, escapes: basic) else {
                        openString = closing
                        return
                    }
                    i = end
                } else {
                    i = Self.find([c], in: b, from: i + 1, escapes: basic) ?? b.count
                }
                continue
            case Self.openBracket, UInt8(ascii: "{"):
                depth += 1
            case Self.closeBracket, UInt8(ascii: "}"):
                depth = max(0, depth - 1)
            default:
                break
            }
            i += 1
        }
    }

    /// Index just past `delimiter` at or after `from`; backslash escapes are skipped in basic
    /// strings only (literal strings have none).
    static func find(_ delimiter: [UInt8], in b: [UInt8], from: Int, escapes: Bool) -> Int? {
        var i = from
        while i + delimiter.count <= b.count {
            if escapes && b[i] == backslash { i += 2; continue }
            if Array(b[i..<i + delimiter.count]) == delimiter { return i + delimiter.count }
            i += 1
        }
        return nil
    }

    static func skipSpace(_ b: [UInt8], _ i: inout Int) {
        while i < b.count, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\t") || b[i] == UInt8(ascii: "\r") { i += 1 }
    }

    /// A dotted key: bare segments (`A-Za-z0-9_-`), "basic" or 'literal' quoted ones, with
    /// optional spaces around the dots. Leaves `i` on the first byte after it.
    static func key(_ b: [UInt8], _ i: inout Int) -> [String]? {
        var segments: [String] = []
        while true {
            skipSpace(b, &i)
            guard i < b.count else { return nil }
            if b[i] == quote || b[i] == apostrophe {
                let q = b[i]
                guard let end = find([q], in: b, from: i + 1, escapes: q == quote) else { return nil }
                var text = String(decoding: b[(i + 1)..<(end - 1)], as: UTF8.self)
                if q == quote {
                    text = text.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                }
                segments.append(text)
                i = end
            } else {
                let start = i
                while i < b.count, isBare(b[i]) { i += 1 }
                guard i > start else { return nil }
                segments.append(String(decoding: b[start..<i], as: UTF8.self))
            }
            skipSpace(b, &i)
            guard i < b.count, b[i] == dot else { return segments }
            i += 1
        }
    }

    static func isBare(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }
}
