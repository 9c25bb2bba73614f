import Foundation
import Glibc
import Testing

/// `verdant dashboard` on a real terminal (tmux): the panes, the keys, detaching and coming
/// back, read from the screen as a person reads it.
@Suite("Dashboard on a terminal", .serialized)
struct DashboardTerminalTests {
    let exe = VerdantProcess.executable.path

    /// A folder with sample parameters; `slow` makes a run long enough to act on (22 tasks per
    /// copy of the catalog, 176 by default, one at a time).
    func workspace(_ name: String, slow: Bool = false, copies: Int = 8) throws -> (URL, URL) {
        let dir = Fixtures.temporaryDirectory(name)
        var edits: [String: String] = [:]
        if slow {
            let catalog = try VerdantProcess.enlargedCatalog(copies: copies, in: dir)
            edits = ["workers": "1", "nb_task_max": "1", "catalog": "\"\(catalog.path)\""]
        }
        return (dir, try VerdantProcess.sampleParameters(in: dir, edits: edits))
    }

    func status(_ parameters: URL, in dir: URL) async throws -> [String: Any] {
        let result = try await VerdantProcess.run(["status", "--json", "-p", parameters.path], in: dir)
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    func runActive(_ parameters: URL, in dir: URL) async throws -> Bool {
        try await status(parameters, in: dir)["run_active"] as? Bool ?? false
    }

    @Test("four panes at 80×24 and 200×60; filter, sort, tag, details, help; resize redraws")
    func panesAndNavigation() async throws {
        let (dir, parameters) = try workspace("dash-panes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let tmux = try await TmuxSession.start("'\(exe)' dashboard -p '\(parameters.path)'", directory: dir)
        defer { tmux.kill() }
        var screen = try await tmux.waitFor("Log tail")
        for title in ["Parameters", "Live task states", "Image queue", "Log tail"] { #expect(screen.contains(title), "\(screen)") }
        #expect(screen.contains("no run active"))
        #expect(screen.contains("22 tasks"), "\(screen)")
        #expect(screen.split(separator: "\n").count <= 24)
        // 80 columns: no error column; the states pane shows both stages.
        #expect(!screen.contains("error / reason"))
        #expect(screen.contains("cloudmask") && screen.contains("ndvi"))

        // Filter by state: the two images out of area.
        try await tmux.send("/")
        try await tmux.sendLiteral("state=OUT_OF_AREA")
        try await tmux.send("Enter")
        // The count alone can show while the keys are still arriving (a partial filter matches
        // the same two tasks); the prompt gone means Enter has been read.
        screen = try await tmux.waitFor(30, "the filter applied") {
            $0.contains("2 of 22") && $0.contains("filter: state=OUT_OF_AREA") && !$0.contains("Enter keeps")
        }
        #expect(screen.components(separatedBy: "OUT_OF_AREA").count - 1 >= 3, "\(screen)")
        // Tag both, then clear the filter: the tags stay.
        try await tmux.send("Space")
        try await tmux.send("Space")
        screen = try await tmux.waitFor("2 tagged")
        try await tmux.send("/")
        try await tmux.send("Escape")
        screen = try await tmux.waitFor(20, "filter cleared") { $0.contains("22 · by date") || $0.contains("22 - by date") }
        #expect(screen.contains("2 tagged"))
        // Sort: the next column (date, then tile, then state), then reversed.
        try await tmux.send("o")
        try await tmux.waitFor("by tile")
        try await tmux.send("o")
        try await tmux.waitFor("by state ↑")
        try await tmux.send("O")
        screen = try await tmux.waitFor("by state ↓")
        // Sorted by state, descending: the OUT_OF_AREA tasks come first.
        let firstRow = screen.split(separator: "\n").first { $0.contains("▶") }.map(String.init) ?? ""
        #expect(firstRow.contains("OUT_OF_AREA"), "\(screen)")

        // Details of the selected task: journal and outputs.
        try await tmux.send("Enter")
        screen = try await tmux.waitFor("Journal")
        #expect(screen.contains("Task "))
        #expect(screen.contains("Outputs"))
        #expect(screen.contains("DISCOVERED → "), "\(screen)")
        try await tmux.send("Escape")
        try await tmux.waitFor("Log tail")

        // Help: the live keymap.
        try await tmux.send("?")
        screen = try await tmux.waitFor("Keys")
        #expect(screen.contains("cancel"), "\(screen)")
        try await tmux.send("x")
        try await tmux.waitFor(10, "help closed") { !$0.contains("any key closes") }

        // Resize to 200×60: the wide columns appear, the log grows.
        try await tmux.resize(cols: 200, rows: 60)
        screen = try await tmux.waitFor("error / reason")
        #expect(screen.contains("output"))
        #expect(screen.contains("Queue map"))
        #expect(screen.split(separator: "\n").count > 40)
        #expect(screen.contains("out of area") || screen.contains("land_geometry"), "the reason of OUT_OF_AREA tasks:\n\(screen)")
        // Too small: a notice, not a broken layout.
        try await tmux.resize(cols: 60, rows: 20)
        try await tmux.waitFor("terminal too small")
        try await tmux.resize(cols: 80, rows: 24)
        try await tmux.waitFor("Log tail")
        try await tmux.send("q")
        screen = try await tmux.waitFor("EXIT=0")
        #expect(screen.contains("detached"))
    }

    @Test("start a run from the dashboard, pause and resume, detach, re-attach from a new session while it finishes; kill -9 leaves it running")
    func startDetachReattach() async throws {
        // Half the usual run: it is watched to its end, which on a busy machine takes minutes.
        let (dir, parameters) = try workspace("dash-attach", slow: true, copies: 4)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await TmuxSession.start("'\(exe)' dashboard -p '\(parameters.path)'", directory: dir)
        defer { first.kill() }
        try await first.waitFor("no status store yet")
        try await first.send("s")
        var screen = try await first.waitFor(60, "a run active") { $0.range(of: #"run \d+ active"#, options: .regularExpression) != nil }
        try await first.send("p")
        screen = try await first.waitFor("PAUSED")
        #expect(try await status(parameters, in: dir)["run"].flatMap { ($0 as? [String: Any])?["paused"] as? Bool } == true)
        try await first.send("p")
        try await first.waitFor(20, "resumed") { !$0.contains("PAUSED") }
        // Paused again before leaving, so that what follows does not race the run's end on a
        // busy machine: the run waits for the second dashboard to resume it.
        try await first.send("p")
        try await first.waitFor("PAUSED")
        // Quit: the run goes on.
        try await first.send("q")
        screen = try await first.waitFor("EXIT=0")
        #expect(screen.contains("goes on"), "\(screen)")
        #expect(try await runActive(parameters, in: dir))

        // A second SSH session, as it were: attaches to the same run and sees it end.
        let second = try await TmuxSession.start("'\(exe)' dashboard -p '\(parameters.path)'", cols: 120, rows: 40, directory: dir)
        defer { second.kill() }
        screen = try await second.waitFor(60, "the paused run") {
            $0.range(of: #"run \d+ active"#, options: .regularExpression) != nil && $0.contains("PAUSED")
        }
        // kill -9 of this dashboard: the run does not notice.
        let third = try await TmuxSession.start("exec '\(exe)' dashboard -p '\(parameters.path)'", directory: dir)
        defer { third.kill() }
        try await third.waitFor(60, "the run") { $0.range(of: #"run \d+ active"#, options: .regularExpression) != nil }
        let pid = try #require(try await third.panePid())
        #expect(Glibc.kill(pid, SIGKILL) == 0)
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(try await runActive(parameters, in: dir), "the run died with a dashboard")
        // The second dashboard resumes the run and watches it finish.
        try await second.send("p")
        try await second.waitFor(20, "resumed") { !$0.contains("PAUSED") }
        screen = try await second.waitFor(420, "the run's end") { $0.contains("no run active") }
        #expect(screen.contains("all final"), "\(screen)")
        let counts = try await status(parameters, in: dir)
        #expect(counts["run_active"] as? Bool == false)
    }

    @Test("cancel all asks first (default No), names the count, and cancels through the run")
    func cancelAll() async throws {
        let (dir, parameters) = try workspace("dash-cancel", slow: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try await TmuxSession.start("'\(exe)' dashboard -p '\(parameters.path)'", directory: dir)
        defer { tmux.kill() }
        try await tmux.waitFor("no status store yet")
        try await tmux.send("s")
        try await tmux.waitFor(60, "a run active") { $0.range(of: #"run \d+ active"#, options: .regularExpression) != nil }
        try await tmux.waitFor(60, "tasks listed") { $0.contains("176 tasks") }
        try await tmux.send("C")
        var screen = try await tmux.waitFor("Cancel all")
        #expect(screen.contains("y/N"))
        let question = screen.split(separator: "\n").first { $0.contains("Cancel all") }.map(String.init) ?? ""
        #expect(question.range(of: #"Cancel all \d+ tasks"#, options: .regularExpression) != nil, "\(question)")
        // Anything but y is No.
        try await tmux.send("Enter")
        screen = try await tmux.waitFor("nothing done")
        #expect(try await runActive(parameters, in: dir))
        try await tmux.send("C")
        try await tmux.waitFor("Cancel all")
        try await tmux.send("y")
        // The run cancels everything left and ends by itself.
        screen = try await tmux.waitFor(120, "the run's end") { $0.contains("no run active") }
        let stages = try await status(parameters, in: dir)["stages"] as? [String: [String: Int]] ?? [:]
        let cancelled = stages.values.reduce(0) { $0 + ($1["CANCELLED"] ?? 0) }
        #expect(cancelled > 0, "\(stages)")
    }

    @Test("--readonly refuses every action; NO_COLOR and monochrome draw without colours; ASCII lines without UTF-8")
    func readonlyColoursAndASCII() async throws {
        let (dir, parameters) = try workspace("dash-ro")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        let ro = try await TmuxSession.start("'\(exe)' dashboard --readonly -p '\(parameters.path)'", environment: ["TERM": "xterm-256color"], directory: dir)
        defer { ro.kill() }
        try await ro.waitFor("READ-ONLY")
        for (key, name) in [("s", "start"), ("C", "cancel all"), ("R", "retry"), ("p", "pause"), ("c", "cancel")] {
            try await ro.send(key)
            try await ro.waitFor("\(name) refused")
        }
        #expect(!(try await ro.screen()).contains("Cancel all"))
        // Colours on an ordinary terminal…
        let coloured = try await ro.screen(colours: true)
        #expect(coloured.contains("\u{1B}[3") || coloured.contains("\u{1B}[9") || coloured.contains(";5;"), "no colour at all")

        let mono = try await TmuxSession.start("'\(exe)' dashboard --readonly -p '\(parameters.path)'", environment: ["NO_COLOR": "1", "TERM": "xterm-256color"], directory: dir)
        defer { mono.kill() }
        try await mono.waitFor("Log tail")
        let plain = try await mono.screen(colours: true)
        #expect(plain.range(of: "\u{1B}\\[[0-9;]*3[0-7]m|\u{1B}\\[[0-9;]*38;5", options: .regularExpression) == nil, "colours despite NO_COLOR")
        #expect(plain.contains("\u{1B}[1m") || plain.contains("\u{1B}[7m"), "monochrome keeps bold/reverse")

        let ascii = try await TmuxSession.start("'\(exe)' dashboard --readonly -p '\(parameters.path)'", environment: ["LANG": "C", "LC_ALL": "C"], directory: dir)
        defer { ascii.kill() }
        let screen = try await ascii.waitFor("Log tail")
        #expect(screen.contains("+ Parameters") && screen.contains("|"), "\(screen)")
        #expect(!screen.contains("┌") && !screen.contains("│"))
    }

    @Test("a run killed with tasks in flight: the dashboard says it died, the wizard shows the diff and repairs it after y")
    func repairAfterCrash() async throws {
        let (dir, parameters) = try workspace("dash-repair", slow: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
        // Killed while tasks are in flight.
        let inFlight = await Fixtures.eventually(60) {
            let s = try? await status(parameters, in: dir)
            let stages = s?["stages"] as? [String: [String: Int]] ?? [:]
            return stages.values.contains { ($0["RUNNING"] ?? 0) + ($0["READY"] ?? 0) + ($0["SUBMITTING"] ?? 0) > 0 }
        }
        #expect(inFlight)
        run.signalGroup(SIGKILL)
        await VerdantProcess.wait(run, deadline: 30)
        let tmux = try await TmuxSession.start("'\(exe)' dashboard -p '\(parameters.path)'", cols: 120, rows: 40, directory: dir)
        defer { tmux.kill() }
        try await tmux.waitFor("DIED")
        try await tmux.send("x")
        var screen = try await tmux.waitFor("Repair: ")
        // Looking takes no lock: a run could start now, and nothing takes the wizard for one.
        let lockFile = dir.appendingPathComponent("output/status.sqlite.lock").path
        let free = try await VerdantProcess.offload { try VerdantProcess.shell("flock -n '\(lockFile)' true") }
        #expect(free == 0, "the wizard holds the store's lock while it only looks")
        #expect(screen.contains("in-flight-unknown") || screen.contains("stuck-submitting"), "\(screen)")
        // Another fix for this class by its number, then the default again.
        try await tmux.send("2")
        try await tmux.waitFor("* 2.")
        try await tmux.send("1")
        try await tmux.waitFor("* 1.")
        // Page through to the diff, which asks.
        for _ in 0..<6 where !(try await tmux.screen()).contains("Apply? y/N") {
            try await tmux.send("Right")
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        screen = try await tmux.waitFor("Apply? y/N")
        #expect(screen.contains("- ") && screen.contains("+ "), "\(screen)")
        try await tmux.send("y")
        screen = try await tmux.waitFor("repaired in one transaction")
        #expect(screen.contains("Backup"))
        // The dead run is recorded as ended: the header stops saying it died.
        try await tmux.send("Escape")
        screen = try await tmux.waitFor(20, "the header without DIED") { !$0.contains("DIED") }
        #expect(screen.contains("no run active"))
        let stages = try await status(parameters, in: dir)["stages"] as? [String: [String: Int]] ?? [:]
        let flying = stages.values.reduce(0) { $0 + ($1["RUNNING"] ?? 0) + ($1["READY"] ?? 0) + ($1["SUBMITTING"] ?? 0) }
        #expect(flying == 0, "\(stages)")
        let backups = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("output").path).filter { $0.contains("backup") }
        #expect(!backups.isEmpty)
    }

    @Test("without a terminal the dashboard prints one plain frame; TERM=dumb too")
    func plainFrame() async throws {
        let (dir, parameters) = try workspace("dash-plain")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        let result = try await VerdantProcess.run(["dashboard", "-p", parameters.path], in: dir)
        #expect(result.status == 0)
        #expect(result.stdout.contains("Image queue") && result.stdout.contains("COMPLETED"))
        #expect(!result.stdout.contains("\u{1B}"), "escape sequences in a plain frame")
        #expect(result.stderr.contains("not a terminal"))
    }

    @Test("SIGTERM and SIGHUP leave the screen cleanly; the exit says which")
    func signals() async throws {
        let (dir, parameters) = try workspace("dash-sig")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        for (sig, code) in [(SIGTERM, 143), (SIGHUP, 129)] {
            let tmux = try await TmuxSession.start("exec 3>&1; '\(exe)' dashboard -p '\(parameters.path)'", directory: dir)
            defer { tmux.kill() }
            try await tmux.waitFor("Log tail")
            let shell = try #require(try await tmux.panePid())
            // The dashboard is the shell's child.
            let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
            let pid = try #require(children.split(separator: " ").first.flatMap { Int32($0) })
            #expect(Glibc.kill(pid, sig) == 0)
            let screen = try await tmux.waitFor("EXIT=\(code)")
            // Back on the normal screen: the panes are gone.
            #expect(!screen.contains("Image queue"), "\(screen)")
        }
    }

    @Test("verdant demo on a terminal opens the dashboard on the demo run; status and dashboard see it afterwards")
    func demoOnTerminal() async throws {
        let (dir, parameters) = try workspace("dash-demo")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The demo reads samples/ beside the parameters, as from the repository root.
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("samples"), withDestinationURL: Fixtures.repositoryRoot.appendingPathComponent("samples"))
        let tmux = try await TmuxSession.start("'\(exe)' demo -p '\(parameters.path)'", directory: dir)
        defer { tmux.kill() }
        try await tmux.waitFor("demo (samples/)")
        let screen = try await tmux.waitFor(180, "the demo's end") { $0.contains("no run active") && $0.contains("138 tasks") && $0.contains("all final") }
        #expect(screen.contains("138 tasks"), "\(screen)")
        try await tmux.send("q")
        try await tmux.waitFor("EXIT=0")
        // From the same folder, with no flags: the demo's run.
        let status = try await VerdantProcess.run(["status"], in: dir, cwd: dir)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("COMPLETED"), "\(status.stdout)")
        #expect(status.stderr.contains("demo"))
    }
}
