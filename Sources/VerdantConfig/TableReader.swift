import TOMLKit
import VerdantCore

/// The issues of one file, each given the file and the line of its key.
final class IssueCollector {
    let file: String
    let locator: KeyLocator
    private(set) var issues: [ParameterIssue] = []
    /// Keys (and tables) whose value could not be read: the model keeps their default, so
    /// checks of meaning about them would only add confusing noise.
    private(set) var unreadable: Set<String> = []
    /// Every table the reader knows, in reading order, for the "unknown table" message.
    fileprivate(set) var knownTables: [String] = []

    init(file: String, locator: KeyLocator) {
        self.file = file
        self.locator = locator
    }

    func add(_ key: String, expected: String, found: String?) {
        issues.append(locate(ParameterIssue(key: key, expected: expected, found: found)))
    }

    /// The issue with this file and the line of its key.
    func locate(_ issue: ParameterIssue) -> ParameterIssue {
        var located = issue
        located.file = file
        located.line = locator.line(for: issue.key)
        return located
    }

    func markUnreadable(_ key: String) { unreadable.insert(key) }

    /// True when `key` or a table holding it could not be read.
    func isUnreadable(_ key: String) -> Bool {
        unreadable.contains { key == $0 || key.hasPrefix($0 + ".") }
    }
}

/// One TOML table being read into the model. Every key it is asked for becomes known, so what
/// is left in the file afterwards is a typo or a stray key, and is reported rather than ignored.
struct TableReader {
    /// Dotted path of the table, "" for the root.
    let path: String
    /// nil when the file does not have this table: every key keeps its default.
    let table: TOMLTable?
    let issues: IssueCollector
    private var knownKeys: [String] = []

    init(root: TOMLTable, issues: IssueCollector) {
        self.init(path: "", table: root, issues: issues)
    }

    private init(path: String, table: TOMLTable?, issues: IssueCollector) {
        self.path = path
        self.table = table
        self.issues = issues
    }

    private func fullKey(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Reads `key` into `target` when present and of the right kind; reports it otherwise.
    mutating func read<T>(_ key: String, _ kind: ValueKind<T>, into target: inout T) {
        if let value = value(key, kind) { target = value }
    }

    /// For keys whose absence means "none" (TOML has no null).
    mutating func read<T>(_ key: String, _ kind: ValueKind<T>, into target: inout T?) {
        if let value = value(key, kind) { target = value }
    }

    private mutating func value<T>(_ key: String, _ kind: ValueKind<T>) -> T? {
        knownKeys.append(key)
        guard let raw = table?[key] else { return nil }
        switch kind.convert(raw) {
        case .success(let value):
            return value
        case .failure(let mismatch):
            issues.add(fullKey(key), expected: kind.expected, found: mismatch.found ?? ValueKind<T>.describe(raw))
            issues.markUnreadable(fullKey(key))
            return nil
        }
    }

    /// The table `[path.key]`, or an empty reader when absent or not a table.
    mutating func subtable(_ key: String) -> TableReader {
        knownKeys.append(key)
        let path = fullKey(key)
        issues.knownTables.append(path)
        guard let raw = table?[key] else { return TableReader(path: path, table: nil, issues: issues) }
        guard let table = raw.table else {
            let found = raw.type == .array ? "an array (written [[\(path)]] or \(key) = [...])" : ValueKind<Void>.describe(raw)
            issues.add(path, expected: "a table [\(path)]", found: found)
            issues.markUnreadable(path)
            return TableReader(path: path, table: nil, issues: issues)
        }
        return TableReader(path: path, table: table, issues: issues)
    }

    /// Reports every key of the file's table that was not read.
    func reportUnknownKeys() {
        guard let table else { return }
        for key in table.keys where !knownKeys.contains(key) {
            let isTable = table[key]?.type == .table
            if path.isEmpty {
                let tables = issues.knownTables.map { "[\($0)]" }.joined(separator: ", ")
                let found = isTable
                    ? "unknown table [\(key)]" + suggestion(for: key, among: issues.knownTables, quoted: { "[\($0)]" })
                    : "key `\(key)` outside any table"
                issues.add(key, expected: "one of the tables \(tables)", found: found)
            } else {
                let found = isTable
                    ? "unknown table [\(fullKey(key))]" + suggestion(for: key, among: knownKeys, quoted: { "[\(fullKey($0))]" })
                    : "unknown key `\(key)`" + suggestion(for: key, among: knownKeys, quoted: { "`\($0)`" })
                issues.add(fullKey(key), expected: "one of the keys of [\(path)] (\(knownKeys.joined(separator: ", ")))", found: found)
            }
        }
    }

    /// " (did you mean `x`?)" when a known name is within a couple of typos of `key`.
    private func suggestion(for key: String, among names: [String], quoted: (String) -> String) -> String {
        let ranked = names.map { ($0, editDistance(key, $0)) }.min { $0.1 < $1.1 }
        guard let (name, distance) = ranked, distance <= max(1, min(3, key.count / 3)) else { return "" }
        return " (did you mean \(quoted(name))?)"
    }
}

/// Levenshtein distance: insertions, deletions and substitutions of characters.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
