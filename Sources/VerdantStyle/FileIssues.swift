import Foundation
import TOMLKit
import VerdantConfig
import VerdantCore

/// A theme file that cannot be used: every problem, each with its file and line, in the
/// `file:line: key: expected X, found Y` form parameters.toml errors have.
public struct ThemeError: Error, CustomStringConvertible, Sendable {
    public var issues: [ParameterIssue]
    public init(_ issues: [ParameterIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// A keys file that cannot be used, told the same way.
public struct KeymapError: Error, CustomStringConvertible, Sendable {
    public var issues: [ParameterIssue]
    public init(_ issues: [ParameterIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// The problems of one file as it is read, each placed on the line of its key.
struct FileIssues {
    let file: String
    let lines: KeyLocator
    private(set) var issues: [ParameterIssue] = []

    init(file: String, text: String) {
        self.file = file
        self.lines = KeyLocator(text: text)
    }

    /// `key` is the dotted path in the file; the line is looked up from it.
    mutating func add(_ key: String, expected: String, found: String? = nil) {
        issues.append(ParameterIssue(key: key, expected: expected, found: found, file: file, line: lines.line(for: key)))
    }

    /// Reported in file order, so a person fixes them from the top down.
    var sorted: [ParameterIssue] {
        issues.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element)
    }

    /// The text of a file; `failure` makes the error thrown when it cannot be read.
    static func read<E: Error>(path: String, what: String, failure: ([ParameterIssue]) -> E) throws(E) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            throw failure([ParameterIssue(key: what, expected: "a readable UTF-8 TOML file",
                                          found: exists ? "a file that cannot be read as UTF-8 text" : "no such file", file: path)])
        }
    }

    /// The parsed document; `failure` makes the error thrown with the parser's line and column.
    static func parse<E: Error>(_ text: String, file: String, failure: ([ParameterIssue]) -> E) throws(E) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw failure([ParameterIssue(key: "syntax (column \(error.source.begin.column))",
                                          expected: "valid TOML: \(error.description)", file: file, line: error.source.begin.line)])
        } catch {
            throw failure([ParameterIssue(key: "syntax", expected: "valid TOML", found: "\(error)", file: file)])
        }
    }
}

enum Describe {
    /// A TOML value as the person wrote it, with its type: `"thirty" (a string)`.
    static func value(_ v: TOMLValueConvertible) -> String { TOMLText.describe(v) }

    /// " (did you mean `x`?)" when a known name is within a couple of typos of `name`.
    static func suggestion(for name: String, among names: [String]) -> String {
        let ranked = names.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let (best, distance) = ranked, distance <= max(1, min(3, name.count / 3)) else { return "" }
        return " (did you mean `\(best)`?)"
    }
}
