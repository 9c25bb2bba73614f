/// What a key does in the dashboard. The raw value is the action's name in a keys file; the
/// order of the cases is the help overlay's.
public enum Action: String, CaseIterable, Sendable {
    case nextPane = "next_pane", previousPane = "previous_pane"
    case up, down, pageUp = "page_up", pageDown = "page_down", top, bottom, left, right, back
    case sortNext = "sort_next", sortReverse = "sort_reverse", filter, search, tag, tagAll = "tag_all", details
    case start, pauseResume = "pause_resume", cancel, cancelAll = "cancel_all", retry, requeue, repair, pollNow = "poll_now"
    case theme, help, quit

    /// The help overlay's sections.
    public enum Group: String, CaseIterable, Sendable {
        case move = "Move", rows = "Rows", run = "Run", screen = "Screen"
    }

    public var group: Group {
        switch self {
        case .nextPane, .previousPane, .up, .down, .pageUp, .pageDown, .top, .bottom, .left, .right, .back: return .move
        case .sortNext, .sortReverse, .filter, .search, .tag, .tagAll, .details: return .rows
        case .start, .pauseResume, .cancel, .cancelAll, .retry, .requeue, .repair, .pollNow: return .run
        case .theme, .help, .quit: return .screen
        }
    }

    /// One line of the help overlay.
    public var summary: String {
        switch self {
        case .nextPane: return "next pane"
        case .previousPane: return "previous pane"
        case .up: return "move up"
        case .down: return "move down"
        case .pageUp: return "page up"
        case .pageDown: return "page down"
        case .top: return "first row"
        case .bottom: return "last row"
        case .left: return "scroll left"
        case .right: return "scroll right"
        case .back: return "back: close the view, overlay or prompt"
        case .sortNext: return "sort by the next column"
        case .sortReverse: return "reverse the sort order"
        case .filter: return "filter rows (text, state=…, stage=…); in the log, search"
        case .search: return "next match of the log search"
        case .tag: return "tag or untag the row"
        case .tagAll: return "tag every row shown (again: untag them)"
        case .details: return "details of the row"
        case .start: return "start the run, or attach to the one running"
        case .pauseResume: return "pause or resume submission"
        case .cancel: return "cancel selected or tagged (confirm)"
        case .cancelAll: return "cancel all (confirm, default No)"
        case .retry: return "retry failed (selected, tagged or all)"
        case .requeue: return "requeue cancelled (selected, tagged or all)"
        case .repair: return "repair wizard"
        case .pollNow: return "poll the engine now"
        case .theme: return "next theme"
        case .help: return "this help"
        case .quit: return "quit: detach, the run goes on"
        }
    }

    /// A word or two for the status bar's key hints (`s start  p pause  c cancel`).
    public var hint: String {
        switch self {
        case .nextPane: return "pane"
        case .previousPane: return "pane back"
        case .pageUp: return "page up"
        case .pageDown: return "page down"
        case .back: return "back"
        case .sortNext: return "sort"
        case .sortReverse: return "reverse"
        case .tagAll: return "tag all"
        case .pauseResume: return "pause"
        case .cancelAll: return "cancel all"
        case .pollNow: return "poll"
        default: return rawValue
        }
    }
}
