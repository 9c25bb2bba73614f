import Foundation

/// The line where each key and table of an (already parsed) TOML text starts, since TOMLKit keeps
/// no positions. VerdantConfig has the same need for parameters.toml; its `KeyLocator` is
/// internal to that module, hence this one for theme and keys files.
///
/// Lines inside strings, multi-line strings and multi-line arrays or inline tables are skipped, so
/// a `[` or `=` in a value is never taken for a table header or a key.
struct SourceLines: Sendable {
    /// Dotted path (`states.RUNNING`, `keys`) → 1-based line of its first appearance.
    private(set) var lines: [String: Int] = [:]
    /// The same paths in file order, to find where an implied table starts.
    private var order: [(path: String, line: Int)] = []

    init(text: String) {
        var table: [String] = []
        var depth = 0                        // open `[` and `{` of a value continued on later lines
        var openString: [Unicode.Scalar]? = nil   // `"""` or `'''` still open
        let scalars = Array(text.unicodeScalars)
        for (index, raw) in scalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Array(raw)
            var i = 0
            if let closing = openString {
                guard let end = Self.find(closing, in: line, from: 0) else { continue }
                openString = nil
                i = end
            }
            if depth == 0 && i == 0 {
                Self.skipSpace(line, &i)
                if i < line.count, line[i] == "[" {
                    let arrayOfTables = i + 1 < line.count && line[i + 1] == "["
                    i += arrayOfTables ? 2 : 1
                    if let path = Self.key(line, &i) {
                        table = path
                        record(path.joined(separator: "."), line: index + 1)
                    }
                    continue
                }
                if i < line.count, line[i] != "#", let path = Self.key(line, &i), i < line.count, line[i] == "=" {
                    record((table + path).joined(separator: "."), line: index + 1)
                    i += 1
                }
            }
            Self.followValue(line, from: i, depth: &depth, openString: &openString)
        }
    }

    private mutating func record(_ path: String, line: Int) {
        if lines[path] == nil { lines[path] = line }
        order.append((path, line))
    }

    /// The line a message about `path` should point at: the key's own line, else where its table
    /// starts (written or implied by a member), else its parent's, else line 1.
    func line(for path: String) -> Int {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            if let member = order.first(where: { $0.path.hasPrefix(path + ".") }) { return member.line }
            guard let dot = path.lastIndex(of: ".") else { break }
            path = String(path[..<dot])
        }
        return 1
    }

    /// Tracks brackets and strings through a value so the next line's state is known.
    private static func followValue(_ line: [Unicode.Scalar], from start: Int, depth: inout Int,
                                    openString: inout [Unicode.Scalar]?) {
        var i = start
        while i < line.count {
            let c = line[i]
            switch c {
            case "#":
                return
            case "\"", "'":
                if i + 2 < line.count, line[i + 1] == c, line[i + 2] == c {
                    guard let end = find([c, c, c], in: line, from: i + 3) else { openString = [c, c, c]; return }
                    i = end
                } else {
                    i = find([c], in: line, from: i + 1) ?? line.count
                }
                continue
            case "[", "{": depth += 1
            case "]", "}": depth = max(0, depth - 1)
            default: break
            }
            i += 1
        }
    }

    /// Index just past `delimiter`; a backslash escapes the next character in basic (`"`) strings.
    private static func find(_ delimiter: [Unicode.Scalar], in line: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start
        while i + delimiter.count <= line.count {
            if delimiter[0] == "\"" && line[i] == "\\" { i += 2; continue }
            if Array(line[i..<i + delimiter.count]) == delimiter { return i + delimiter.count }
            i += 1
        }
        return nil
    }

    private static func skipSpace(_ line: [Unicode.Scalar], _ i: inout Int) {
        while i < line.count, line[i] == " " || line[i] == "\t" || line[i] == "\r" { i += 1 }
    }

    /// A dotted key of bare or quoted segments; leaves `i` just past it and the spaces after it.
    private static func key(_ line: [Unicode.Scalar], _ i: inout Int) -> [String]? {
        var segments: [String] = []
        while true {
            skipSpace(line, &i)
            guard i < line.count else { return nil }
            if line[i] == "\"" || line[i] == "'" {
                guard let end = find([line[i]], in: line, from: i + 1) else { return nil }
                var segment = String(String.UnicodeScalarView(line[(i + 1)..<(end - 1)]))
                if line[i] == "\"" {
                    segment = segment.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                }
                segments.append(segment)
                i = end
            } else {
                let start = i
                while i < line.count, isBare(line[i]) { i += 1 }
                guard i > start else { return nil }
                segments.append(String(String.UnicodeScalarView(line[start..<i])))
            }
            skipSpace(line, &i)
            guard i < line.count, line[i] == "." else { return segments }
            i += 1
        }
    }

    private static func isBare(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }
}
