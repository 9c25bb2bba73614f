import VerdantCore

/// The log levels a theme colours, named as swift-log names them (kept apart from swift-log so
/// themes need no logging library).
public enum LogLevelName: String, CaseIterable, Sendable {
    case trace, debug, info, notice, warning, error, critical
}

/// What a piece of the screen is; views ask the theme for a role, never for a colour.
public enum Role: Hashable, Sendable {
    case text, dim, title, titleFocused, border, borderFocused, header, selected, tagged, changed
    case statusBar, key, gaugeFilled, gaugeEmpty, sparkline, warning, error, ok
    case state(TaskState)
    case log(LogLevelName)

    /// The roles of the `[ui]` table, in the order a theme file lists them.
    public static let interface: [Role] = [
        .text, .dim, .title, .titleFocused, .border, .borderFocused, .header, .selected, .tagged, .changed,
        .statusBar, .key, .gaugeFilled, .gaugeEmpty, .sparkline, .warning, .error, .ok,
    ]

    /// Every role: `[ui]`, then one per task state, then one per log level.
    public static let all: [Role] = interface + TaskState.allCases.map(Role.state) + LogLevelName.allCases.map(Role.log)

    /// The table of a theme file this role is written in.
    public var themeTable: String {
        switch self {
        case .state: return "states"
        case .log: return "log"
        default: return "ui"
        }
    }

    /// The key naming this role in its table: snake_case like parameters.toml for `[ui]`, the
    /// stored state name (`RUNNING`) for `[states]`, the level for `[log]`.
    public var themeKey: String {
        switch self {
        case .text: return "text"
        case .dim: return "dim"
        case .title: return "title"
        case .titleFocused: return "title_focused"
        case .border: return "border"
        case .borderFocused: return "border_focused"
        case .header: return "header"
        case .selected: return "selected"
        case .tagged: return "tagged"
        case .changed: return "changed"
        case .statusBar: return "status_bar"
        case .key: return "key"
        case .gaugeFilled: return "gauge_filled"
        case .gaugeEmpty: return "gauge_empty"
        case .sparkline: return "sparkline"
        case .warning: return "warning"
        case .error: return "error"
        case .ok: return "ok"
        case .state(let state): return state.rawValue
        case .log(let level): return level.rawValue
        }
    }

    /// `ui.title_focused`, `states.RUNNING`: how messages name a role.
    public var themePath: String { "\(themeTable).\(themeKey)" }
}
