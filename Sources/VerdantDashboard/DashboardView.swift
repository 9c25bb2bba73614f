import Foundation
import VerdantCore
import VerdantStyle
import VerdantTerminal

/// Draws the whole screen from the data and the UI state into a `Frame`; no curses, no I/O.
public struct DashboardView {
    public var data: DashboardData
    public var ui: UIState
    public var parameters: [ParameterLine]
    public var keymap: Keymap
    public var title: String
    public var now: Date

    public init(data: DashboardData, ui: UIState, parameters: [ParameterLine], keymap: Keymap, title: String, now: Date) {
        self.data = data; self.ui = ui; self.parameters = parameters; self.keymap = keymap; self.title = title; self.now = now
    }

    public func render(rows: Int, cols: Int, glyphs: Glyphs) -> Frame {
        var frame = Frame(rows: rows, cols: cols, glyphs: glyphs)
        guard let layout = Layout(rows: rows, cols: cols) else {
            let text = "terminal too small: \(cols)×\(rows), the dashboard needs \(Layout.minCols)×\(Layout.minRows)"
            for (i, line) in Format.wrap(text, width: max(1, cols)).enumerated() { frame.put(i, 0, line, .warning) }
            return frame
        }
        header(&frame, cols: cols)
        ParametersPane(lines: parameters, run: data.runState, glyphs: glyphs)
            .draw(&frame, in: layout.parameters, focused: ui.focus == .parameters)
        StatesPane(data: data, now: now).draw(&frame, in: layout.states, focused: ui.focus == .states)
        if let map = layout.map { QueueMapPane(map: data.map).draw(&frame, in: map) }
        QueuePane(queue: data.queue, now: now, problem: data.problem, shift: ui.queueShift).draw(&frame, in: layout.queue, focused: ui.focus == .queue)
        LogPane(log: data.log, anchor: ui.logAnchor, search: ui.logSearch, match: ui.logMatch.flatMap(data.log.index(ofNumber:)), shift: ui.logShift)
            .draw(&frame, in: layout.log, focused: ui.focus == .log)
        footer(&frame, row: layout.footer, cols: cols)
        switch ui.mode {
        case .help: HelpOverlay(keymap: keymap, readonly: ui.readonly).draw(&frame)
        case .confirm(let c): ConfirmOverlay(question: c.question).draw(&frame)
        case .details(let d): DetailsView(state: d, data: data, now: now).draw(&frame)
        case .repair(let w): WizardView(state: w).draw(&frame)
        case .normal, .input: break
        }
        return frame
    }

    /// verdant · parameters.toml · local · run 4213 active · poll 10:42:07, next in 12 s   ? help
    private func header(_ frame: inout Frame, cols: Int) {
        frame.fill(0, 0, width: cols, " ", .statusBar)
        let sep = " \(frame.glyphs.separator) "
        var parts = ui.readonly ? ["verdant", "READ-ONLY", title] : ["verdant", title]
        if let run = data.runState { parts.append(run.engine) }
        parts.append(runSummary)
        if let run = data.runState, data.isRunning, let last = run.lastPoll {
            var poll = "poll \(Format.clock(last))"
            if let next = run.nextPoll { poll += ", next in \(Format.duration(max(0, next.timeIntervalSince(now))))" }
            parts.append(poll)
        }
        let help = keymap.keys(for: .help).first.map { "\($0.label) help " } ?? ""
        frame.put(0, 1, parts.joined(separator: sep), .statusBar, width: cols - help.count - 2)
        frame.put(0, cols - help.count, help, .statusBar)
    }

    private var runSummary: String {
        switch data.liveness {
        case .running?:
            let run = data.runState!
            var s = "run \(run.pid) active"
            if run.paused { s += ", PAUSED" }
            if let hold = run.hold { s += ", held: \(hold.cause.rawValue)" }
            return s
        case .ended(let at)?:
            return "no run active" + (at.map { " (last ended \(Format.clock($0)))" } ?? "")
        case .dead?:
            return "run \(data.runState!.pid) DIED (x to repair)"
        case nil:
            return data.problem == nil ? "no run yet" : "no status store"
        }
    }

    /// The key hints, or the line being typed, or the last message.
    private func footer(_ frame: inout Frame, row: Int, cols: Int) {
        frame.fill(row, 0, width: cols, " ", .text)
        if case .input(let kind, let text) = ui.mode {
            let prompt = kind == .filter ? "filter (text, state=…, stage=…, tile=…; Enter keeps, Esc clears): " : "search the log (Enter: find, n: next older): "
            var col = frame.put(row, 1, prompt, .key)
            col = frame.put(row, col, text, .text)
            frame.put(row, col, " ", .selected)
            return
        }
        if let busy = ui.busy {
            frame.put(row, 1, busy + "…", .warning, width: cols - 2)
            return
        }
        if let message = ui.message, message.until > now {
            frame.put(row, 1, message.text, message.role, width: cols - 2)
            return
        }
        var col = 1
        let hints: [(Action, String)] = [(.start, "start"), (.pauseResume, data.runState?.paused == true ? "resume" : "pause"),
                                         (.cancel, "cancel"), (.cancelAll, "cancel all"), (.retry, "retry"), (.repair, "repair"),
                                         (.filter, "filter"), (.help, "help"), (.quit, "quit")]
        for (action, label) in hints {
            guard let key = keymap.keys(for: action).first else { continue }
            let width = key.label.count + 1 + label.count + 2
            if col + width > cols { break }
            col = frame.put(row, col, key.label, .key)
            col = frame.put(row, col, " " + label + "  ", .text)
        }
    }
}

/// One line of the Parameters pane: a name and its resolved value.
public struct ParameterLine: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }
}
