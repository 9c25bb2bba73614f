import VerdantStyle
import VerdantTerminal

extension Frame {
    /// A cleared, boxed area in the middle of the screen; returns its inside.
    mutating func overlay(height: Int, width: Int, title: String, info: String = "") -> Rect {
        let h = min(rows - 2, height), w = min(cols - 2, width)
        let rect = Rect(y: max(1, (rows - h) / 2), x: max(1, (cols - w) / 2), height: h, width: w)
        for y in rect.y..<(rect.y + rect.height) { fill(y, rect.x, width: rect.width) }
        return box(rect, title: title, focused: true, info: info)
    }
}

/// `?`: every binding of the live keymap (a keys file's changes included), two columns.
struct HelpOverlay {
    var keymap: Keymap
    var readonly: Bool

    func draw(_ frame: inout Frame) {
        let entries = keymap.bindings.filter { !$0.1.isEmpty }.map { (action, keys) in
            (keys.map(\.label).joined(separator: " "), action.summary)
        }
        let half = (entries.count + 1) / 2
        let width = min(frame.cols - 2, 110)
        let inner = frame.overlay(height: half + 5, width: width, title: "Keys", info: readonly ? "read-only: actions that change anything are refused" : "any key closes")
        let columnWidth = inner.width / 2
        for (i, entry) in entries.enumerated() {
            let y = inner.y + 1 + i % half, x = inner.x + 1 + (i / half) * columnWidth
            guard y < inner.y + inner.height else { continue }
            frame.field(y, x, entry.0, width: 12, .key)
            frame.put(y, x + 13, entry.1, .text, width: columnWidth - 14)
        }
        frame.put(inner.y + inner.height - 1, inner.x + 1,
                  "Quitting detaches: the run goes on. Keys are rebound in a keys file (see README).", .dim, width: inner.width - 2)
    }
}

/// A question with a default of No.
struct ConfirmOverlay {
    var question: String

    func draw(_ frame: inout Frame) {
        let width = min(frame.cols - 4, max(40, question.count + 6))
        let lines = Format.wrap(question, width: width - 4)
        let inner = frame.overlay(height: lines.count + 4, width: width, title: "Confirm")
        for (i, line) in lines.enumerated() { frame.put(inner.y + 1 + i, inner.x + 1, line, .warning) }
        frame.put(inner.y + inner.height - 1, inner.x + 1, "y: yes   any other key: no", .dim)
    }
}

/// The repair wizard's current page.
struct WizardView {
    var state: WizardState

    /// How far a page scrolls: its last line at the bottom, no further.
    static func maxScroll(_ state: WizardState, rows: Int, cols: Int) -> Int {
        guard state.pages.indices.contains(state.page) else { return 0 }
        let room = max(0, min(rows - 2, rows - 4) - 2 - 2)
        let width = min(cols - 2, cols - 6) - 2 - 2
        return max(0, wrapped(state.pages[state.page], width: width).count - room)
    }

    /// A page's lines wrapped to the box, continuations indented and coloured like the line
    /// they continue (its diff mark, `-` or `+`).
    static func wrapped(_ page: WizardPage, width: Int) -> [(text: String, mark: Character?)] {
        page.lines.flatMap { line -> [(text: String, mark: Character?)] in
            let parts = Format.wrap(line, width: max(10, width - 2))
            return parts.enumerated().map { ($0.offset == 0 ? $0.element : "  " + $0.element, line.first) }
        }
    }

    func draw(_ frame: inout Frame) {
        let height = frame.rows - 4, width = frame.cols - 6
        switch state.phase {
        case .inspecting:
            let inner = frame.overlay(height: 5, width: 60, title: "Repair")
            frame.put(inner.y + 1, inner.x + 1, "comparing the store, the engine and the outputs…", .text)
        case .applying:
            let inner = frame.overlay(height: 5, width: 60, title: "Repair")
            frame.put(inner.y + 1, inner.x + 1, "backing up the store and applying…", .text)
        case .done(let text), .failed(let text):
            let lines = Format.wrap(text, width: min(frame.cols - 10, 90))
            let inner = frame.overlay(height: lines.count + 4, width: min(frame.cols - 6, 96), title: "Repair")
            for (i, line) in lines.enumerated() { frame.put(inner.y + 1 + i, inner.x + 1, line, .text) }
            frame.put(inner.y + inner.height - 1, inner.x + 1, "any key closes", .dim)
        case .review:
            guard !state.pages.isEmpty else { return }
            let page = state.pages[min(state.page, state.pages.count - 1)]
            let inner = frame.overlay(height: height, width: width, title: "Repair: \(page.title)",
                                      info: "page \(state.page + 1) of \(state.pages.count)")
            let room = inner.height - 2
            for (i, line) in Self.wrapped(page, width: inner.width - 2).dropFirst(state.scroll).prefix(room).enumerated() {
                let role: Role = line.mark == "-" ? .state(.failed) : line.mark == "+" ? .state(.completed) : .text
                frame.put(inner.y + i, inner.x + 1, line.text, role, width: inner.width - 2)
            }
            let last = state.page == state.pages.count - 1
            let hint = last ? (state.canApply ? "Apply? y/N   (←/h: back, ↑↓: scroll)" : "nothing to apply: any key closes")
                            : "→/l/Enter: next page   ←/h: back   ↑↓: scroll   Esc: leave without changing anything"
            frame.put(inner.y + inner.height - 1, inner.x + 1, hint, last && state.canApply ? .warning : .dim, width: inner.width - 2)
        }
    }
}
