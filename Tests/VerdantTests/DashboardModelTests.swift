import Foundation
import Testing
import VerdantCore
import VerdantDashboard
import VerdantStore
import VerdantStyle
import VerdantTerminal

/// The dashboard's data and views without a terminal: the queue's order under changes, the
/// filter, the log tail, frames, and the keys that ask before acting.
@Suite struct DashboardModelTests {
    static func summary(_ n: Int, state: TaskState, updated: Double, tile: String = "33TVL", note: String? = nil) -> TaskSummary {
        TaskSummary(key: TaskKey(n % 3 == 0 ? .ndvi : .cloudMask, Fixtures.imageId(n)), state: state,
                    acquired: Fixtures.start.addingTimeInterval(Double(n % 97) * 86400), tile: tile, attempts: n % 4,
                    taskId: n % 5 == 0 ? nil : "local-\(n % 11)", updatedAt: Date(timeIntervalSince1970: updated), note: note, output: nil)
    }

    @Test("changed rows move to their place one by one: the same view as sorting everything again, for every column, both ways, filtered or not")
    func incrementalUpdateMatchesRebuild() {
        var generator = SystemRandomNumberGenerator()
        let states = Array(TaskState.allCases.dropFirst())
        var rows = (0..<1500).map { Self.summary($0, state: states[$0 % states.count], updated: Double($0 % 40), tile: ["33TVL", "33TWL"][$0 % 2]) }
        for column in QueueModel.Column.allCases {
            for descending in [false, true] {
                for filter in ["", "state=FAILED,queued", "33TWL"] {
                    var model = QueueModel()
                    model.load(rows)
                    model.setSort(column, descending: descending)
                    model.setFilter(filter)
                    model.select(7)
                    for round in 0..<3 {
                        // The task selected before this round: a round may take it out of the
                        // filter, and then the selection rightly moves to another task for good.
                        let selected = model.selectedKey
                        // Existing rows changed, and a few new ones.
                        var changed: [TaskSummary] = []
                        for _ in 0..<40 {
                            let i = Int.random(in: 0..<rows.count, using: &generator)
                            rows[i].state = states.randomElement(using: &generator)!
                            rows[i].updatedAt = Date(timeIntervalSince1970: Double(Int.random(in: 0..<40, using: &generator)))
                            rows[i].attempts = Int.random(in: 0..<4, using: &generator)
                            changed.append(rows[i])
                        }
                        let fresh = Self.summary(rows.count, state: .queued, updated: Double(round))
                        rows.append(fresh)
                        changed.append(fresh)
                        model.update(changed, at: Date())
                        var expected = QueueModel()
                        expected.load(rows)
                        expected.setSort(column, descending: descending)
                        expected.setFilter(filter)
                        #expect(model.view.map { model.rows[$0].key } == expected.view.map { expected.rows[$0].key },
                                "column \(column) descending \(descending) filter \"\(filter)\" round \(round)")
                        if let selected, expected.view.contains(where: { expected.rows[$0].key == selected }) {
                            #expect(model.selectedKey == selected, "the selection left its task")
                        }
                    }
                }
            }
        }
    }

    @Test("the filter: words anywhere, state= (several, by prefix), stage=, tile=; an unknown state is named")
    func filter() {
        let rows = [Self.summary(1, state: .failed, updated: 0, note: "missing band B08"),
                    Self.summary(2, state: .cancelled, updated: 0, tile: "33TWL"),
                    Self.summary(3, state: .completed, updated: 0)]
        func shown(_ text: String) -> [Int] { rows.indices.filter { QueueFilter(text).matches(rows[$0]) } }
        #expect(shown("state=failed,cancelled") == [0, 1])
        #expect(shown("state=COMP") == [2])
        #expect(shown("stage=ndvi") == [2])
        #expect(shown("tile=33twl") == [1])
        #expect(shown("B08") == [0])
        #expect(shown("band state=cancelled").isEmpty)
        #expect(QueueFilter("state=DONE").problem?.contains("unknown state") == true)
        // A prefix names every state it begins.
        let cancelling = Self.summary(4, state: .cancelling, updated: 0)
        #expect(QueueFilter("state=canc").matches(cancelling) && QueueFilter("state=canc").matches(rows[1]))
        #expect(!QueueFilter("state=cancelled").matches(cancelling))
        #expect(QueueFilter("").isEmpty)
    }

    @Test("tags: space tags the row, a tags every row shown (again: untags), c and R act on the tags or else the selection")
    func tags() {
        var model = QueueModel()
        model.load((0..<10).map { Self.summary($0, state: .queued, updated: 0) })
        #expect(model.targets.map(\.key) == [model.selectedKey!])
        model.toggleTag()
        model.select(3)
        model.toggleTag()
        #expect(model.tags.count == 2 && model.targets.count == 2)
        let before = model.tags
        model.setFilter("stage=cloudmask")
        model.tagAllShown()
        #expect(model.view.allSatisfy { model.tags.contains(model.rows[$0].key) })
        #expect(model.tags.isSuperset(of: before))
        model.tagAllShown()
        #expect(model.view.allSatisfy { !model.tags.contains(model.rows[$0].key) })
        // Tags of rows the filter hides stay.
        #expect(model.tags == before.filter { $0.stage != .cloudMask })
    }

    @Test("throughput: finishes per minute, rate over the last minutes, ETA, a sparkline as wide as asked")
    func throughput() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var t = Throughput(now: now)
        // One finish every 10 s through the last ten complete minutes (now is on a minute).
        for second in stride(from: 5.0, to: 600, by: 10) { t.recordFinish(at: now.addingTimeInterval(-second)) }
        #expect(abs(t.rate(window: 10) - 6) < 0.1, "\(t.rate(window: 10))")
        #expect(abs(t.eta(remaining: 60)! - 600) < 10)
        // A run that began 30 s ago and finished one task a second: 60 a minute, not 3.
        var early = Throughput(now: now)
        early.advance(to: now.addingTimeInterval(30))
        for second in 1...30 { early.recordFinish(at: now.addingTimeInterval(Double(second))) }
        #expect(abs(early.rate() - 60) < 3, "\(early.rate())")
        #expect(t.eta(remaining: 0) == 0)
        #expect(t.sparkline(width: 20, bars: Glyphs.unicode.bars).count == 20)
        t.advance(to: now.addingTimeInterval(7200))
        #expect(t.rate() == 0 && t.eta(remaining: 5) == nil)
    }

    @Test("the log tail reads appended lines (a line in two writes too), starts over after truncation, and keeps a search match on its line")
    func logTail() throws {
        let dir = Fixtures.temporaryDirectory("logtail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("verdant.log").path
        func append(_ text: String) throws {
            let handle = FileHandle(forWritingAtPath: path) ?? { FileManager.default.createFile(atPath: path, contents: nil); return FileHandle(forWritingAtPath: path)! }()
            handle.seekToEndOfFile(); handle.write(Data(text.utf8)); try handle.close()
        }
        let tail = LogTail(path: path, capacity: 5)
        #expect(!tail.poll())
        try append("2026-12-04T10:00:00Z INFO [verdant.run] one\n2026-12-04T10:00:01Z ERROR [verdant.run] tw")
        #expect(tail.poll())
        #expect(tail.lines.map(\.text) == ["2026-12-04T10:00:00Z INFO [verdant.run] one"])
        try append("o\n")
        tail.poll()
        #expect(tail.lines.last?.text.hasSuffix("two") == true && tail.lines.last?.level == .error)
        #expect(LogTail.display(tail.lines[0].text) == "10:00:00 INFO  one")
        let number = tail.number(ofIndex: 1)
        for n in 0..<4 { try append("2026-12-04T10:00:0\(n + 2)Z INFO [x] line \(n)\n") }
        tail.poll()
        #expect(tail.lines.count == 5)
        #expect(tail.index(ofNumber: number).map { tail.lines[$0].text.hasSuffix("two") } == true)
        try "2026-12-04T11:00:00Z WARNING [x] after truncation\n".write(toFile: path, atomically: false, encoding: .utf8)
        tail.poll()
        #expect(tail.lines.map(\.level) == [.warning])
    }

    @Test("frames clip at the edge, replace wide and control characters, draw ASCII boxes without UTF-8")
    func frames() {
        var frame = Frame(rows: 3, cols: 10, glyphs: .ascii)
        frame.put(0, 7, "overflowing")
        frame.put(1, 0, "a\u{1}b漢c→")
        #expect(frame.line(0) == "       ove")
        // The screen's own arrows and dashes have ASCII stand-ins; other characters become `?`.
        #expect(frame.line(1) == "a b?c>    ")
        var boxed = Frame(rows: 3, cols: 12, glyphs: .ascii)
        boxed.box(Rect(y: 0, x: 0, height: 3, width: 12), title: "Log", focused: false)
        #expect(boxed.line(0) == "+ Log -----+")
        #expect(boxed.line(1) == "|          |")
        #expect(Frame.fit("abcdef", 4) == "abc…" && Frame.fit("ab", 4, alignRight: true) == "  ab")
    }

    /// A backend that records what the dashboard asks (the real one is driven in the tmux tests).
    final class RecordingBackend: DashboardBackend, @unchecked Sendable {
        let lock = NSLock()
        var calls: [String] = []
        func record(_ call: String) { lock.lock(); calls.append(call); lock.unlock() }
        var recorded: [String] { lock.lock(); defer { lock.unlock() }; return calls }
        func start() throws -> String { record("start"); return "started" }
        func control(_ command: ControlRequest.Command, targets: [String]) throws -> String { record("\(command.rawValue) \(targets.count)"); return "done" }
        func inspectRepair() throws -> RepairPreview { record("inspect"); return RepairPreview(pages: [WizardPage(title: "changes", lines: ["+ x"])], changeCount: 1) }
        func chooseRepairOption(finding: Int, option: Int) throws -> RepairPreview { record("choose \(finding) \(option)"); return try inspectRepair() }
        func closeRepair() { record("close") }
        func applyRepair() throws -> String { record("apply"); return "repaired" }
        func series(for key: TaskKey, row: Int, col: Int) throws -> PixelSeries? { nil }
        func nextTheme(after current: String) -> (Theme, warning: String?) { (ThemeLoader.builtIn("monochrome")!, nil) }
    }

    func app(readonly: Bool = false) throws -> (DashboardApp, RecordingBackend, URL) {
        let (store, dir) = try Fixtures.graphStore(count: 30)
        let data = DashboardData(storePath: store.path, logPath: dir.appendingPathComponent("none.log").path,
                                 stages: StageGraph.local.stages, lockHeld: { _ in false })
        let backend = RecordingBackend()
        let app = DashboardApp(data: data, backend: backend, keymap: .defaults, parameters: [ParameterLine("engine", "local")],
                               title: "parameters.toml", theme: ThemeLoader.builtIn("default")!, readonly: readonly)
        _ = app.tick(refresh: true)
        return (app, backend, dir)
    }

    /// Lets the backend queue answer, then takes the answers.
    func settle(_ app: DashboardApp, _ backend: RecordingBackend, calls: Int) async {
        _ = await Fixtures.eventually { backend.recorded.count >= calls }
        try? await Task.sleep(nanoseconds: 50_000_000)
        _ = app.tick(refresh: false)
    }

    @Test("a refresh reads only what the journal says changed; counts and rows then agree with the store")
    func incrementalRefresh() throws {
        let (store, dir) = try Fixtures.graphStore(count: 40)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = DashboardData(storePath: store.path, logPath: dir.appendingPathComponent("none.log").path,
                                 stages: StageGraph.local.stages, lockHeld: { _ in false })
        data.refresh()
        let queued = try store.nextQueued(stage: .cloudMask, limit: 7, now: Date())
        try store.apply(queued.map { Transition($0, to: .submitting) }, at: Date())
        try store.apply(queued.prefix(3).map { var t = Transition(key: $0.key, from: .submitting, to: .failed); t.error = .set("band B04 missing"); return t }, at: Date())
        data.refresh()
        let stored = try store.counts()
        for stage in StageGraph.local.stages {
            for state in TaskState.allCases {
                #expect(data.count([state], stage: stage) == stored[stage]?[state] ?? 0, "\(stage) \(state)")
            }
        }
        let failed = try #require(data.queue.summary(of: queued[0].key))
        #expect(failed.state == .failed && failed.note == "band B04 missing")
        #expect(data.queue.changedAt[queued[0].key] != nil)
    }

    @Test("the four panes at 80×24 and at 200×60 (wide columns), a notice below 80×24")
    func panes() throws {
        let (app, _, dir) = try app()
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = app.render(rows: 24, cols: 80, glyphs: .unicode).text
        for title in ["Parameters", "Live task states", "Image queue", "Log tail"] { #expect(small.contains(title)) }
        #expect(small.contains("60 tasks") && !small.contains("error / reason"))
        let wide = app.render(rows: 60, cols: 200, glyphs: .unicode).text
        #expect(wide.contains("error / reason") && wide.contains("output"))
        // The queue map: the one tile, 30 days of images, one cell each.
        let mapRow = try #require(wide.split(separator: "\n").first { $0.contains("Queue map") }.flatMap { _ in wide.split(separator: "\n").first { $0.contains("33TVL ") && $0.contains("■") } })
        #expect(mapRow.filter { $0 == "■" }.count == 30, "\(mapRow)")
        #expect(!small.contains("Queue map"))
        #expect(app.render(rows: 20, cols: 70, glyphs: .unicode).text.contains("terminal too small"))
    }

    @Test("cancel all asks with the count, does nothing on any key but y, sends one request on y")
    func cancelAllConfirmation() async throws {
        let (app, backend, dir) = try app()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = app.handle(.char("C"))
        let question = app.render(rows: 24, cols: 80, glyphs: .unicode).text
        #expect(question.contains("Cancel all 60 tasks (60 queued or waiting)? y/N"), "\(question)")
        _ = app.handle(.enter)
        #expect(app.render(rows: 24, cols: 80, glyphs: .unicode).text.contains("nothing done"))
        _ = app.handle(.char("C"))
        _ = app.handle(.char("y"))
        await settle(app, backend, calls: 1)
        #expect(backend.recorded == ["cancel-all 0"])
    }

    @Test("--readonly refuses every action that writes and says so; the wizard is left with its lock let go")
    func readonlyAndWizard() async throws {
        let (ro, roBackend, dir) = try app(readonly: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for key: Character in ["s", "p", "c", "C", "R", "u", "r"] {
            _ = ro.handle(.char(key))
            #expect(ro.render(rows: 24, cols: 80, glyphs: .unicode).text.contains("refused"), "key \(key)")
        }
        #expect(roBackend.recorded.isEmpty)

        let (app, backend, dir2) = try app()
        defer { try? FileManager.default.removeItem(at: dir2) }
        _ = app.handle(.char("x"))
        await settle(app, backend, calls: 1)
        #expect(app.render(rows: 24, cols: 80, glyphs: .unicode).text.contains("Apply? y/N"))
        _ = app.handle(.escape)
        await settle(app, backend, calls: 2)
        #expect(backend.recorded == ["inspect", "close"])
    }
}
