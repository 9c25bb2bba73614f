import Foundation
import VerdantCore
import VerdantStore
import VerdantStyle
import VerdantTerminal

/// The dashboard's controller: keys in, frames out. Keys act on the UI at once; anything that
/// writes or starts processes goes to the backend on a background queue and its answer comes
/// back as a message, so the screen never waits on the store's writers or an engine.
public final class DashboardApp {
    public let data: DashboardData
    public var ui = UIState()
    public var keymap: Keymap
    public var parameters: [ParameterLine]
    public let title: String
    public private(set) var theme: Theme
    private let backend: DashboardBackend
    private let queue = DispatchQueue(label: "verdant.dashboard.backend")
    private let inbox = Inbox()
    /// Set when the screen must be repainted whole (Ctrl-L, a theme change).
    public var wantsFullRedraw = false
    private var lastLayout: Layout?

    public init(data: DashboardData, backend: DashboardBackend, keymap: Keymap, parameters: [ParameterLine],
                title: String, theme: Theme, readonly: Bool) {
        self.data = data; self.backend = backend; self.keymap = keymap; self.parameters = parameters
        self.title = title; self.theme = theme
        ui.readonly = readonly
        ui.themeName = theme.name
    }

    public func render(rows: Int, cols: Int, glyphs: Glyphs, now: Date = Date()) -> Frame {
        lastLayout = Layout(rows: rows, cols: cols)
        if let layout = lastLayout { data.queue.clampScroll(height: layout.queueRows) }
        // Views scroll as far as their last line and no further (End, PgDn held down).
        switch ui.mode {
        case .details(var d):
            d.scroll = min(d.scroll, DetailsView(state: d, data: data, now: now).maxScroll(rows: rows, cols: cols, glyphs: glyphs))
            ui.mode = .details(d)
        case .repair(var w):
            w.scroll = min(w.scroll, WizardView.maxScroll(w, rows: rows, cols: cols))
            ui.mode = .repair(w)
        default: break
        }
        return DashboardView(data: data, ui: ui, parameters: parameters, keymap: keymap, title: title, now: now)
            .render(rows: rows, cols: cols, glyphs: glyphs)
    }

    /// Reads the store and the log; takes the backend's answers. Returns whether to redraw.
    public func tick(now: Date = Date(), refresh: Bool) -> Bool {
        var dirty = false
        if refresh {
            data.refresh(now: now)
            if case .details(var d) = ui.mode { loadDetails(&d); ui.mode = .details(d) }
            dirty = true
        }
        for answer in inbox.take() { answer(self); dirty = true }
        if let message = ui.message, message.until <= now { ui.message = nil; dirty = true }
        return dirty
    }

    public enum Outcome { case goOn, quit }

    // MARK: keys

    public func handle(_ key: Key, now: Date = Date()) -> Outcome {
        let wasRepair = isRepairing
        defer {
            // Leaving the wizard lets go of the store's lock its inspection holds.
            if wasRepair, !isRepairing { closeRepair() }
        }
        // Ctrl-L repaints whatever is showing.
        if key == .ctrl("l") { wantsFullRedraw = true; return .goOn }
        switch ui.mode {
        case .help:
            ui.mode = .normal
        case .confirm(let c):
            ui.mode = .normal
            if key == .char("y") || key == .char("Y") { perform(c.action) } else { ui.say("nothing done", .dim, now: now) }
        case .input(let kind, let text):
            handleInput(key, kind: kind, text: text)
        case .details(var d):
            handleDetails(key, &d)
        case .repair(var w):
            handleWizard(key, &w)
        case .normal:
            guard let action = keymap.action(for: key) else { return .goOn }
            return act(action, now: now)
        }
        return .goOn
    }

    private func act(_ action: Action, now: Date) -> Outcome {
        let page = max(1, (ui.focus == .log ? lastLayout?.logRows : lastLayout?.queueRows) ?? 10)
        switch action {
        case .quit: return .quit
        case .help: ui.mode = .help
        case .nextPane: ui.focus = UIState.Pane(rawValue: (ui.focus.rawValue + 1) % UIState.Pane.allCases.count)!
        case .previousPane: ui.focus = UIState.Pane(rawValue: (ui.focus.rawValue + UIState.Pane.allCases.count - 1) % UIState.Pane.allCases.count)!
        case .up: move(-1)
        case .down: move(1)
        case .pageUp: move(-page)
        case .pageDown: move(page)
        case .top: if ui.focus == .log { showLog(bottom: (lastLayout?.logRows ?? 1) - 1) } else { data.queue.select(0) }
        case .bottom: if ui.focus == .log { ui.logAnchor = nil } else { data.queue.select(data.queue.view.count - 1) }
        case .left, .right:
            let step = action == .right ? 8 : -8
            if ui.focus == .log { ui.logShift = max(0, ui.logShift + step) } else { ui.queueShift = max(0, ui.queueShift + step) }
        case .back: break
        case .sortNext: data.queue.sortNext()
        case .sortReverse: data.queue.sortReverse()
        case .filter:
            ui.mode = ui.focus == .log ? .input(.search, ui.logSearch) : .input(.filter, data.queue.filter.text)
        // The next older match: above the one shown, or above the bottom line when none is.
        case .search: searchLog(from: (ui.logMatch.flatMap(data.log.index(ofNumber:)) ?? currentLogIndex + 1) - 1)
        case .tag: data.queue.toggleTag(); data.queue.move(by: 1)
        case .tagAll: data.queue.tagAllShown()
        case .details: openDetails()
        case .theme: cycleTheme()
        case .start: guarded("start") { self.startRun() }
        case .pauseResume: guarded("pause") { self.pauseResume() }
        case .pollNow: guarded("poll") {
            guard self.data.isRunning else { self.ui.say("no run is active: nothing polls the engine (s starts one)", .warning); return }
            self.background("asking the run to poll") { try $0.control(.pollNow, targets: []) }
        }
        case .cancel: guarded("cancel") { self.confirmCancel() }
        case .cancelAll: guarded("cancel all") { self.confirmCancelAll() }
        case .retry: guarded("retry") { self.confirmRetry() }
        case .requeue: guarded("requeue") { self.confirmRequeue() }
        case .repair: openRepair()
        }
        return .goOn
    }

    private func guarded(_ name: String, _ body: () -> Void) {
        if ui.readonly { ui.say("read-only dashboard (--readonly): \(name) refused", .warning); return }
        body()
    }

    private func move(_ delta: Int) {
        if ui.focus == .log {
            showLog(bottom: currentLogIndex + delta)
        } else {
            data.queue.move(by: delta)
        }
    }

    // MARK: actions

    /// Starts a detached run (or attaches to the active one): s, or the demo as it opens.
    public func startRun() {
        background("starting a run") { try $0.start() }
    }

    private func pauseResume() {
        guard data.isRunning, let run = data.runState else { ui.say("no run is active: nothing to pause (s starts one)", .warning); return }
        let command: ControlRequest.Command = run.paused ? .resume : .pause
        background(run.paused ? "resuming" : "pausing") { try $0.control(command, targets: []) }
    }

    /// CANCELLING tasks are being cancelled already: neither asked about nor counted.
    private func cancellable(_ rows: [TaskSummary]) -> [TaskSummary] { rows.filter { !$0.state.isFinal && $0.state != .cancelling } }

    private static func breakdown(_ rows: [TaskSummary]) -> String {
        let queued = rows.filter { TaskState.notStarted.contains($0.state) }.count
        let flying = rows.filter { $0.state.isInFlight }.count
        var parts: [String] = []
        if queued > 0 { parts.append("\(Format.count(queued)) queued or waiting") }
        if flying > 0 { parts.append("\(Format.count(flying)) in flight") }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
    }

    private func confirmCancel() {
        let targets = data.queue.targets
        let open = cancellable(targets)
        guard !open.isEmpty else {
            ui.say(targets.isEmpty ? "no task selected" : "nothing to cancel: \(targets.count == 1 ? "the task is \(targets[0].state.rawValue)" : "every tagged task is final")", .warning)
            return
        }
        let noun = open.count == 1 ? "task \(open[0].key)" : "\(Format.count(open.count)) tasks"
        ui.mode = .confirm(Confirmation(question: "Cancel \(noun)\(Self.breakdown(open))? y/N",
                                        action: .control(.cancel, targets: open.map(\.key.description), done: "cancelling")))
    }

    private func confirmCancelAll() {
        let open = cancellable(data.queue.rows)
        guard !open.isEmpty else { ui.say("nothing to cancel: every task is final", .warning); return }
        ui.mode = .confirm(Confirmation(question: "Cancel all \(Format.count(open.count)) tasks\(Self.breakdown(open))? y/N",
                                        action: .control(.cancelAll, targets: [], done: "cancelling all")))
    }

    /// R: the tagged tasks that failed or were cancelled, else the selected one if it did,
    /// else every failed task.
    private func confirmRetry() {
        confirmRestart(eligible: TaskState.blocking, what: "FAILED or CANCELLED", verb: "Retry", doing: "retrying",
                       all: (.retryFailed, [.failed], "failed"))
    }

    /// u: the same for cancelled tasks (tagged, selected, or all of them).
    private func confirmRequeue() {
        confirmRestart(eligible: [.cancelled], what: "CANCELLED", verb: "Requeue", doing: "requeueing",
                       all: (.requeueCancelled, [.cancelled], "cancelled"))
    }

    private func confirmRestart(eligible: Set<TaskState>, what: String, verb: String, doing: String,
                                all: (command: ControlRequest.Command, states: Set<TaskState>, adjective: String)) {
        let tagged = !data.queue.tags.isEmpty
        let chosen = data.queue.targets.filter { eligible.contains($0.state) }
        if tagged && chosen.isEmpty {
            ui.say("none of the \(Format.count(data.queue.tags.count)) tagged tasks is \(what)", .warning)
            return
        }
        if !chosen.isEmpty {
            let noun = chosen.count == 1 ? "task \(chosen[0].key)" : "\(Format.count(chosen.count)) tasks"
            ui.mode = .confirm(Confirmation(question: "\(verb) \(noun) with a fresh budget of attempts? y/N",
                                            action: .control(.retry, targets: chosen.map(\.key.description), done: doing)))
            return
        }
        let count = data.count(all.states)
        guard count > 0 else { ui.say("nothing to \(verb.lowercased()): no task is \(all.adjective.uppercased())", .warning); return }
        ui.mode = .confirm(Confirmation(question: "\(verb) all \(Format.count(count)) \(all.adjective) tasks? y/N",
                                        action: .control(all.command, targets: [], done: doing)))
    }

    private func perform(_ action: PendingAction) {
        switch action {
        case .control(let command, let targets, let done):
            if command == .cancel || command == .retry { data.queue.clearTags() }
            background(done) { try $0.control(command, targets: targets) }
        }
    }

    /// Runs `work` on the backend queue; `then` gets its result on the screen's thread, at the
    /// next turn of the loop.
    private func onBackend<T: Sendable>(_ work: @escaping @Sendable (DashboardBackend) throws -> T,
                                        then: @escaping (DashboardApp, Result<T, Error>) -> Void) {
        let backend = self.backend, inbox = self.inbox
        // Only ever called back on the screen's thread (through the inbox).
        nonisolated(unsafe) let then = then
        queue.async {
            let result = Result { try work(backend) }
            inbox.post { app in then(app, result) }
        }
    }

    /// Runs `work` on the backend queue; its answer (or error) becomes the footer's message.
    private func background(_ doing: String, _ work: @escaping @Sendable (DashboardBackend) throws -> String) {
        ui.busy = doing
        onBackend(work) { app, result in
            app.ui.busy = nil
            switch result {
            case .success(let text): app.ui.say(text, .ok)
            case .failure(let error): app.ui.say("\(doing) failed: \(error)", .error, seconds: 15)
            }
        }
    }

    private func cycleTheme() {
        let (next, warning) = backend.nextTheme(after: ui.themeName)
        theme = next
        ui.themeName = next.name
        wantsFullRedraw = true
        ui.say(warning ?? "theme: \(next.name)", warning == nil ? .ok : .warning)
    }

    // MARK: filter and log search

    private func handleInput(_ key: Key, kind: UIState.InputKind, text: String) {
        var text = text
        switch key {
        case .enter:
            ui.mode = .normal
            if kind == .search { ui.logSearch = text; searchLog(from: currentLogIndex) }
            else if let problem = data.queue.filter.problem { ui.say(problem, .warning, seconds: 10) }
            return
        case .escape:
            ui.mode = .normal
            if kind == .filter { data.queue.setFilter("") }
            return
        case .backspace, .delete: if !text.isEmpty { text.removeLast() }
        case .space: text.append(" ")
        case .char(let c): text.append(c)
        case .ctrl("u"): text = ""
        default: return
        }
        ui.mode = .input(kind, text)
        // The queue follows the filter as it is typed.
        if kind == .filter { data.queue.setFilter(text) }
    }

    /// The index of the log line at the bottom of the pane.
    private var currentLogIndex: Int { LogPane.bottom(of: data.log, anchor: ui.logAnchor, rows: lastLayout?.logRows ?? 1) }

    /// Scrolls the log so line `index` is at the bottom (the end: following again).
    private func showLog(bottom index: Int) {
        let last = data.log.lines.count - 1
        let clamped = min(max(index, min(last, (lastLayout?.logRows ?? 1) - 1)), last)
        ui.logAnchor = clamped >= last ? nil : data.log.number(ofIndex: max(0, clamped))
    }

    private func searchLog(from index: Int) {
        guard !ui.logSearch.isEmpty else { ui.say("no search yet: / on the log pane", .dim); return }
        if let found = data.log.search(ui.logSearch, before: index) {
            ui.logMatch = data.log.number(ofIndex: found)
            showLog(bottom: found + (lastLayout?.logRows ?? 4) / 2)
            ui.focus = .log
        } else {
            ui.say("“\(ui.logSearch)” not found above", .warning)
        }
    }

    // MARK: details

    private func openDetails() {
        guard ui.focus == .queue, let key = data.queue.selectedKey else { return }
        var d = DetailsState(key: key)
        loadDetails(&d)
        ui.mode = .details(d)
        loadSeries(key: key, pixel: d.pixel)
    }

    private func loadDetails(_ d: inout DetailsState) {
        guard let store = data.openStore() else { return }
        d.record = try? store.record(d.key)
        d.journal = (try? store.journal(of: d.key, limit: 200)) ?? []
        d.outputs = []
        if let output = d.record?.output {
            let base = (output as NSString).deletingPathExtension
            for path in [output, base + ".json"] {
                if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber {
                    d.outputs.append((path, size.int64Value))
                }
            }
        }
    }

    private func loadSeries(key: TaskKey, pixel: (row: Int, col: Int)) {
        onBackend({ try $0.series(for: key, row: pixel.row, col: pixel.col) }) { app, result in
            guard case .details(var d) = app.ui.mode, d.key == key else { return }
            switch result {
            case .success(let series):
                d.series = series; d.seriesProblem = nil
                if let series { d.pixel = (series.row, series.col) }
            case .failure(let error): d.series = nil; d.seriesProblem = "\(error)"
            }
            app.ui.mode = .details(d)
        }
    }

    /// In the details view the keymap's moves move the pixel (H J K L by ten), pages and
    /// top/bottom scroll the view, back/quit/details leave it.
    private func handleDetails(_ key: Key, _ d: inout DetailsState) {
        var pixel = d.pixel
        switch (keymap.action(for: key), key) {
        case (.back?, _), (.quit?, _), (.details?, _): ui.mode = .normal; return
        case (.pageUp?, _): d.scroll = max(0, d.scroll - 10)
        case (.pageDown?, _): d.scroll += 10
        case (.top?, _): d.scroll = 0
        case (.bottom?, _): d.scroll = 1000
        case (.left?, _): pixel.col -= 1
        case (.right?, _): pixel.col += 1
        case (.up?, _): pixel.row -= 1
        case (.down?, _): pixel.row += 1
        case (_, .char("H")): pixel.col -= 10
        case (_, .char("L")): pixel.col += 10
        case (_, .char("K")): pixel.row -= 10
        case (_, .char("J")): pixel.row += 10
        default: break
        }
        let rows = d.series?.gridRows ?? Int.max, cols = d.series?.gridCols ?? Int.max
        pixel = (min(max(0, pixel.row), max(0, rows - 1)), min(max(0, pixel.col), max(0, cols - 1)))
        let moved = pixel != d.pixel
        d.pixel = pixel
        ui.mode = .details(d)
        if moved { loadSeries(key: d.key, pixel: pixel) }
    }

    // MARK: repair wizard

    private var isRepairing: Bool { if case .repair = ui.mode { return true } else { return false } }

    private func closeRepair() {
        let backend = self.backend
        queue.async { backend.closeRepair() }
    }

    private func openRepair() {
        var w = WizardState()
        w.phase = .inspecting
        ui.mode = .repair(w)
        onBackend({ try $0.inspectRepair() }) { app, result in
            guard case .repair(var w) = app.ui.mode else { app.closeRepair(); return }
            switch result {
            case .success(let preview):
                w.pages = preview.pages
                // A read-only dashboard's backend only looks: its plan counts no change.
                w.canApply = preview.changeCount > 0
                w.phase = .review
            case .failure(let error):
                w.phase = .failed("repair could not inspect the store: \(error)")
            }
            app.ui.mode = .repair(w)
        }
    }

    private func handleWizard(_ key: Key, _ w: inout WizardState) {
        switch w.phase {
        case .inspecting, .applying:
            if key == .escape { ui.mode = .normal }
            return
        case .done, .failed:
            ui.mode = .normal
            return
        case .review:
            break
        }
        let last = w.page >= w.pages.count - 1
        // `y` is an answer, not a binding; everything else goes through the keymap.
        switch (keymap.action(for: key), key) {
        case (.back?, _), (.quit?, _): ui.mode = .normal; ui.say("repair left: nothing changed", .dim); return
        case (.right?, _), (.details?, _), (.tag?, _): if !last { w.page += 1; w.scroll = 0 } else if !w.canApply { ui.mode = .normal; return }
        case (.left?, _): if w.page > 0 { w.page -= 1; w.scroll = 0 }
        case (.up?, _): w.scroll = max(0, w.scroll - 1)
        case (.down?, _): w.scroll += 1
        case (.pageDown?, _): w.scroll += 10
        case (.pageUp?, _): w.scroll = max(0, w.scroll - 10)
        case (_, .char(let digit)) where !last && digit.wholeNumberValue.map { (1...9).contains($0) } == true:
            // A finding's page: choose its fix by number; the pages come back with its changes.
            let finding = w.page, option = digit.wholeNumberValue! - 1
            onBackend({ try $0.chooseRepairOption(finding: finding, option: option) }) { app, result in
                guard case .repair(var w) = app.ui.mode else { return }
                switch result {
                case .success(let preview):
                    w.pages = preview.pages
                    w.canApply = preview.changeCount > 0
                case .failure(let error): app.ui.say("\(error)", .error)
                }
                app.ui.mode = .repair(w)
            }
        case (_, .char("y")) where last && w.canApply, (_, .char("Y")) where last && w.canApply:
            w.phase = .applying
            ui.mode = .repair(w)
            onBackend({ try $0.applyRepair() }) { app, result in
                guard case .repair(var w) = app.ui.mode else { return }
                switch result {
                case .success(let text): w.phase = .done(text)
                case .failure(let error): w.phase = .failed("repair failed, the store was not changed: \(error)")
                }
                app.ui.mode = .repair(w)
            }
            return
        default:
            if last && w.canApply { ui.mode = .normal; ui.say("repair not applied: nothing changed", .dim); return }
        }
        ui.mode = .repair(w)
    }
}

/// Answers from the background queue, taken by the screen's thread at its next turn.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(DashboardApp) -> Void] = []
    func post(_ item: @escaping (DashboardApp) -> Void) { lock.lock(); items.append(item); lock.unlock() }
    func take() -> [(DashboardApp) -> Void] { lock.lock(); defer { items = []; lock.unlock() }; return items }
}
