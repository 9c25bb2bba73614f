import TOMLKit
import VerdantCore

/// Which key does what: one table from which the dashboard dispatches keys and builds its `?`
/// overlay and status-bar hints, so what is shown is what works.
public struct Keymap: Sendable, Equatable {
    private var keysByAction: [Action: [Key]]
    private var actionByKey: [Key: Action]

    /// Bindings must not share a key; `Keymap.parse` checks files, a test checks the defaults.
    private init(_ keysByAction: [Action: [Key]]) {
        self.keysByAction = keysByAction.mapValues { Self.unique($0.map(\.canonical)) }
        var actionByKey: [Key: Action] = [:]
        for action in Action.allCases {
            for key in self.keysByAction[action] ?? [] where actionByKey[key] == nil { actionByKey[key] = action }
        }
        self.actionByKey = actionByKey
    }

    /// dashboard.md's keys, plus vi-like and less-like alternatives. Requeue is `u` ("un-cancel"),
    /// away from `q`, so a slipped Shift does not restart work someone cancelled.
    public static let defaults = Keymap([
        .nextPane: [.tab], .previousPane: [.backTab],
        .up: [.up, .char("k")], .down: [.down, .char("j")],
        .pageUp: [.pageUp, .ctrl("b")], .pageDown: [.pageDown, .ctrl("f")],
        .top: [.char("g"), .home], .bottom: [.char("G"), .end],
        .left: [.left, .char("h")], .right: [.right, .char("l")],
        .back: [.escape],
        .sortNext: [.char("o")], .sortReverse: [.char("O")],
        .filter: [.char("/")], .search: [.char("n")],
        .tag: [.space], .tagAll: [.char("a")], .details: [.enter],
        .start: [.char("s")], .pauseResume: [.char("p")],
        .cancel: [.char("c")], .cancelAll: [.char("C")],
        .retry: [.char("R")], .requeue: [.char("u")], .repair: [.char("x")], .pollNow: [.char("r")],
        .theme: [.char("t")], .help: [.char("?"), .f(1)], .quit: [.char("q")],
    ])

    public func action(for key: Key) -> Action? { actionByKey[key.canonical] }

    public func keys(for action: Action) -> [Key] { keysByAction[action] ?? [] }

    /// Every action with its keys, in `Action.allCases` order (grouped by `Action.group`), for
    /// the help overlay; an action a keys file unbound has no keys.
    public var bindings: [(action: Action, keys: [Key])] {
        Action.allCases.map { ($0, keys(for: $0)) }
    }

    /// `c cancel`: the status bar's hint for an action, with its first key; nil when unbound.
    public func hint(for action: Action) -> String? {
        keys(for: action).first.map { "\($0.label) \(action.hint)" }
    }

    /// The keymap of a keys file (e.g. `~/.config/verdant/keys.toml`) over `base`: an action the
    /// file names gets exactly the file's keys; the others keep theirs. Throws `KeymapError`.
    public static func load(path: String, over base: Keymap = .defaults) throws -> Keymap {
        try parse(try FileIssues.read(path: path, what: "keys file", failure: KeymapError.init), file: path, over: base)
    }

    /// ```toml
    /// [keys]
    /// cancel = ["c", "C-x"]
    /// quit = "q"
    /// ```
    /// Every problem is reported with its line: an unknown table or action, a key that cannot be
    /// read, a key bound to two actions (naming both), `quit` left without a key.
    public static func parse(_ toml: String, file: String, over base: Keymap = .defaults) throws -> Keymap {
        let root = try FileIssues.parse(toml, file: file, failure: KeymapError.init)
        var issues = FileIssues(file: file, text: toml)
        var rebound: [Action: [Key]] = [:]
        for key in root.keys where key != "keys" {
            issues.add(key, expected: "the table [keys]", found: "unknown key or table `\(key)`" + Describe.suggestion(for: key, among: ["keys"]))
        }
        if let value = root["keys"] {
            if let table = value.table {
                rebound = readBindings(table, issues: &issues)
            } else {
                issues.add("keys", expected: "the table [keys]", found: Describe.value(value))
            }
        }

        var merged = base.keysByAction
        for (action, keys) in rebound { merged[action] = keys }
        if rebound[.quit] != nil, merged[.quit, default: []].isEmpty {
            issues.add("keys.quit", expected: "at least one key: without it the dashboard cannot be left", found: "[]")
        }
        reportConflicts(merged, rebound: rebound, issues: &issues)
        guard issues.issues.isEmpty else { throw KeymapError(issues.sorted) }
        return Keymap(merged)
    }

    private static let keyExpectation = "a key: one character (q, C, /), C-x for control with a letter, "
        + "a name (Enter, Esc, Tab, S-Tab, Up, Down, Left, Right, PgUp, PgDn, Home, End, Backspace, Del, space) or F1–F24"

    /// `action = "k"` or `action = ["k", "C-k"]`, for each action the file names.
    private static func readBindings(_ table: TOMLTable, issues: inout FileIssues) -> [Action: [Key]] {
        var rebound: [Action: [Key]] = [:]
        let names = Action.allCases.map(\.rawValue)
        for name in table.keys {
            let path = "keys.\(name)", value = table[name]!
            guard let action = Action(rawValue: name) else {
                issues.add(path, expected: "an action: one of \(names.joined(separator: ", "))",
                           found: "unknown action `\(name)`" + Describe.suggestion(for: name, among: names))
                continue
            }
            let texts: [TOMLValueConvertible]
            if value.string != nil {
                texts = [value]
            } else if let array = value.array {
                texts = Array(array)
            } else {
                issues.add(path, expected: "a key or an array of keys, e.g. \"c\" or [\"c\", \"C-x\"]", found: Describe.value(value))
                continue
            }
            var keys: [Key] = [], readable = true
            for text in texts {
                guard let string = text.string, let key = Key(parsing: string) else {
                    issues.add(path, expected: keyExpectation, found: Describe.value(text))
                    readable = false
                    continue
                }
                keys.append(key)
            }
            if readable { rebound[action] = keys }
        }
        return rebound
    }

    /// A key bound to two actions, reported at the line of each binding the file wrote.
    private static func reportConflicts(_ merged: [Action: [Key]], rebound: [Action: [Key]], issues: inout FileIssues) {
        var owners: [Key: [Action]] = [:]
        for action in Action.allCases {
            for key in unique((merged[action] ?? []).map(\.canonical)) { owners[key, default: []].append(action) }
        }
        for (key, actions) in owners.sorted(by: { $0.key.label < $1.key.label }) where actions.count > 1 {
            for action in actions where rebound[action] != nil {
                let others = actions.filter { $0 != action }.map { other in
                    rebound[other] != nil
                        ? "\(other.rawValue) (keys.\(other.rawValue), line \(issues.lines.line(for: "keys.\(other.rawValue)")))"
                        : "\(other.rawValue) (a default binding; rebind \(other.rawValue) too)"
                }
                issues.add("keys.\(action.rawValue)", expected: "each key bound to one action",
                           found: "`\(key.label)` bound to both \(action.rawValue) and \(others.joined(separator: " and "))")
            }
        }
    }

    private static func unique(_ keys: [Key]) -> [Key] {
        var seen = Set<Key>()
        return keys.filter { seen.insert($0).inserted }
    }
}
