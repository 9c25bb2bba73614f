import ArgumentParser
import Foundation
import VerdantCore
import VerdantDashboard
import VerdantStore
import VerdantStyle
import VerdantTerminal

struct DashboardCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The dashboard over a large store: load, frame render time, RSS, terminal bytes per idle refresh and per full redraw.")
    @Option(help: "Images in the store (two tasks each).") var images = 50_000
    @Option(help: "Screen rows.") var rows = 60
    @Option(help: "Screen columns.") var cols = 200
    @Option(help: "Frames to time.") var frames = 300
    @Option(help: "Folder of a store made by an earlier `--prepare` (so the peak RSS is the dashboard's alone).")
    var store: String?
    @Flag(help: "Only build the store and print its folder.") var prepare = false

    func run() throws {
        if prepare {
            let (_, dir, _) = try benchmarkStore(images: images, graph: .local)
            print(dir.path)
            return
        }
        let (store, dir): (SQLiteStatusStore, URL)
        if let folder = self.store {
            dir = URL(fileURLWithPath: folder)
            store = try SQLiteStatusStore(path: dir.appendingPathComponent("status.sqlite").path)
        } else {
            (store, dir, _) = try benchmarkStore(images: images, graph: .local)
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = Date()
        try store.saveRunState(RunState(active: true, pid: 4213, host: ProcessInfo.processInfo.hostName, startedAt: now,
                                        heartbeat: now, engine: "local", parametersPath: nil, nbTaskMax: 30, refresh: 30,
                                        lastPoll: now, nextPoll: now.addingTimeInterval(30), inFlight: 12))
        let log = dir.appendingPathComponent("verdant.log")
        let lines = (0..<5000).map { "2026-12-04T10:42:\(String(format: "%02d", $0 % 60))Z INFO [verdant.scheduler] cloudmask/20170101T\($0): QUEUED -> SUBMITTING" }
        try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
        let tasks = try store.count(in: Set(TaskState.allCases))

        let rssBefore = currentResidentMegabytes()
        let librariesBefore = residentMegabytes("RssFile")
        let data = DashboardData(storePath: store.path, logPath: log.path, stages: StageGraph.local.stages, now: now, lockHeld: { _ in true })
        let loadStart = Date()
        data.refresh(now: now)
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let app = DashboardApp(data: data, backend: NoBackend(), keymap: .defaults, parameters: [ParameterLine("engine", "local, 2 workers")],
                               title: "parameters.toml", theme: ThemeLoader.builtIn("default")!, readonly: false)

        // Frames into memory: what a key press or a refresh costs before curses.
        var frame = app.render(rows: rows, cols: cols, glyphs: .unicode, now: now)
        let renderStart = Date()
        for i in 0..<frames {
            if i % 10 == 0 { _ = app.handle(.down, now: now) }
            frame = app.render(rows: rows, cols: cols, glyphs: .unicode, now: now.addingTimeInterval(Double(i)))
        }
        let perFrame = Date().timeIntervalSince(renderStart) / Double(frames) * 1000
        // Sorting and filtering 100,000 rows: what o and / cost.
        let sortStart = Date()
        data.queue.setSort(.id, descending: true)
        let sortMs = Date().timeIntervalSince(sortStart) * 1000
        let filterStart = Date()
        data.queue.setFilter("state=QUEUED 0001")
        let filterMs = Date().timeIntervalSince(filterStart) * 1000
        data.queue.setFilter("")
        data.queue.setSort(.date, descending: false)
        // A refresh after a busy second: 1,000 tasks moved by the run, read back incrementally
        // (on the screen's thread: what a key press may wait behind).
        let moved = try store.nextQueued(stage: .cloudMask, limit: 1000, now: now.addingTimeInterval(86400))
        try store.apply(moved.map { Transition($0, to: .submitting) }, at: now.addingTimeInterval(1))
        let refreshStart = Date()
        data.refresh(now: now.addingTimeInterval(1))
        let refreshMs = Date().timeIntervalSince(refreshStart) * 1000
        // A usual second: 100 tasks moved, each put in its place without sorting everything.
        let few = try store.nextQueued(stage: .cloudMask, limit: 100, now: now.addingTimeInterval(86400))
        try store.apply(few.map { Transition($0, to: .submitting) }, at: now.addingTimeInterval(2))
        let fewStart = Date()
        data.refresh(now: now.addingTimeInterval(2))
        let fewMs = Date().timeIntervalSince(fewStart) * 1000

        // Bytes to a terminal: curses writing to a file as if it were an xterm of this size.
        let out = dir.appendingPathComponent("terminal.out").path
        guard let file = fopen(out, "w"), let input = fopen("/dev/null", "r") else { throw ValidationError("cannot open \(out)") }
        let screen = try Screen(theme: app.theme, options: Screen.Options(term: "xterm-256color", output: file, input: input,
                                                                        environment: ["TERM": "xterm-256color"]))
        screen.resize(rows: rows, cols: cols)
        func written() -> Int { fflush(file); return Int((try? FileManager.default.attributesOfItem(atPath: out)[.size] as? NSNumber)??.intValue ?? 0) }
        let before = written()
        screen.draw(app.render(rows: rows, cols: cols, glyphs: screen.glyphs, now: now))
        let full = written() - before
        var idle: [Int] = []
        for second in 1...10 {
            let t = now.addingTimeInterval(Double(second))
            _ = app.tick(now: t, refresh: true)
            let mark = written()
            screen.draw(app.render(rows: rows, cols: cols, glyphs: screen.glyphs, now: t))
            idle.append(written() - mark)
        }
        screen.end()
        fclose(file); fclose(input)
        print("dashboard  tasks           \(tasks)  (\(rows)×\(cols))")
        print(String(format: "dashboard  first load      %8.0f ms", loadSeconds * 1000))
        print(String(format: "dashboard  frame render    %8.2f ms  (mean of %d, goal <= 5)", perFrame, frames))
        print(String(format: "dashboard  sort 100k       %8.0f ms   filter %0.f ms", sortMs, filterMs))
        print(String(format: "dashboard  refresh         %8.1f ms  after %d tasks changed (whole view sorted again), %.1f ms after %d (each moved to its place)",
                     refreshMs, moved.count, fewMs, few.count))
        print("dashboard  full redraw     \(full) bytes")
        print("dashboard  idle refresh    \(idle.max() ?? 0) bytes at most, \(idle.reduce(0, +) / idle.count) on average (goal <= 2048)")
        let built = self.store == nil ? String(format: "; %.1f MB of it before the dashboard loaded: building the store", rssBefore)
            : String(format: "; %.1f MB of it mapped files before loading: the binary and its libraries, GDAL's among them", librariesBefore)
        print(String(format: "dashboard  peak RSS        %8.1f MB  (goal <= 100%@)", peakResidentMegabytes(), built))
        _ = frame
    }
}

/// The benchmark presses no key that reaches a backend.
final class NoBackend: DashboardBackend, @unchecked Sendable {
    struct Unused: Error {}
    func start() throws -> String { throw Unused() }
    func control(_ command: ControlRequest.Command, targets: [String]) throws -> String { throw Unused() }
    func inspectRepair() throws -> RepairPreview { throw Unused() }
    func chooseRepairOption(finding: Int, option: Int) throws -> RepairPreview { throw Unused() }
    func applyRepair() throws -> String { throw Unused() }
    func closeRepair() {}
    func series(for key: TaskKey, row: Int, col: Int) throws -> PixelSeries? { nil }
    func nextTheme(after current: String) -> (Theme, warning: String?) { (ThemeLoader.builtIn("default")!, nil) }
}

/// VmRSS from /proc: the resident set now.
func currentResidentMegabytes() -> Double { residentMegabytes("VmRSS") }

/// A line of /proc/self/status in MB (VmRSS, RssAnon, RssFile…).
func residentMegabytes(_ field: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
    return kb / 1024
}
