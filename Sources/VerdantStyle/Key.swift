/// One key press as the dashboard sees it, whatever bytes the terminal sent for it.
public enum Key: Hashable, Sendable {
    /// A printable character, case kept: `c` and `C` are different keys.
    case char(Character)
    /// Control with a letter, stored lowercase: `.ctrl("l")` is C-l.
    case ctrl(Character)
    case enter, escape, tab, backTab, up, down, left, right, pageUp, pageDown, home, end, backspace, delete
    /// Function keys F1, F2, …
    case f(Int)
    case space

    /// The same key spelled one way: a terminal sends the same byte for Tab and C-i, Enter and
    /// C-m or C-j, Esc and C-[, Backspace and C-h, so those are the named keys; a space or tab
    /// character is the named key too, and a control letter is lowercase.
    public var canonical: Key {
        switch self {
        case .char(" "): return .space
        case .char("\t"): return .tab
        case .char("\n"), .char("\r"), .char("\r\n"): return .enter
        case .ctrl(let c):
            switch c.lowercased().first ?? c {
            case "i": return .tab
            case "m", "j": return .enter
            case "[": return .escape
            case "h": return .backspace
            case let lower: return .ctrl(lower)
            }
        default: return self
        }
    }

    /// How the help overlay and the status bar show the key; `Key(parsing:)` reads it back.
    public var label: String {
        switch canonical {
        case .char(let c): return String(c)
        case .ctrl(let c): return "C-\(c)"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .backspace: return "Backspace"
        case .delete: return "Del"
        case .f(let n): return "F\(n)"
        case .space: return "space"
        }
    }

    /// Names a keys file may use, lowercase, besides the labels themselves.
    static let names: [String: Key] = [
        "enter": .enter, "return": .enter, "ret": .enter,
        "esc": .escape, "escape": .escape,
        "tab": .tab, "s-tab": .backTab, "shift-tab": .backTab, "backtab": .backTab,
        "up": .up, "↑": .up, "down": .down, "↓": .down, "left": .left, "←": .left, "right": .right, "→": .right,
        "pgup": .pageUp, "pageup": .pageUp, "page-up": .pageUp, "pgdn": .pageDown, "pagedown": .pageDown, "page-down": .pageDown,
        "home": .home, "end": .end,
        "backspace": .backspace, "bs": .backspace, "del": .delete, "delete": .delete,
        "space": .space, "spc": .space,
    ]

    /// The function keys curses reports (KEY_F(1) … KEY_F(24) on common terminals).
    public static let functionKeys = 1...24

    /// A key as a keys file writes it: a single character (`q`, `C`, `/`), `C-x` or `ctrl-x` or
    /// `^x` for control with a letter, a name (`Enter`, `Esc`, `Tab`, `S-Tab`, `Up`/`↑`, `PgUp`,
    /// `PgDn`, `Home`, `End`, `Backspace`, `Del`, `space`) in any case, or `F1`–`F24`.
    public init?(parsing text: String) {
        let lowered = text.lowercased()
        if let named = Self.names[lowered] {
            self = named
            return
        }
        if text.count == 1, let c = text.first, !c.isWhitespace || c == " " {
            self = Key.char(c).canonical
            return
        }
        for prefix in ["c-", "ctrl-", "ctrl+", "^"] where lowered.hasPrefix(prefix) {
            let rest = text.dropFirst(prefix.count)
            guard rest.count == 1, let c = rest.first, c.isASCII, c.isLetter || c == "[" else { return nil }
            self = Key.ctrl(c).canonical
            return
        }
        if lowered.hasPrefix("f"), let n = Int(lowered.dropFirst()), Self.functionKeys.contains(n) {
            self = .f(n)
            return
        }
        return nil
    }
}
