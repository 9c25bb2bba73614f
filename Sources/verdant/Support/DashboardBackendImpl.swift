import ArgumentParser
import Foundation
import VerdantCore
import VerdantDashboard
import VerdantRaster
import VerdantStore
import VerdantStyle

/// The dashboard's backend for a workspace: starts detached runs, hands keys to the run
/// through the store (or acts here when none is active), reads NDVI pixels, loads themes.
/// Called on the dashboard's one background queue only.
final class WorkspaceBackend: DashboardBackend, @unchecked Sendable {
    let workspace: Workspace
    /// `verdant` arguments that start a run for this workspace (`run -p FILE`, or the demo's).
    let runArguments: [String]
    let themes: ThemeCatalog
    var repair: RepairBackend?

    init(workspace: Workspace, runArguments: [String], themes: ThemeCatalog) {
        self.workspace = workspace; self.runArguments = runArguments; self.themes = themes
    }

    var storePath: String { workspace.storePath }

    func start() throws -> String {
        if RunLock.isHeld(storePath: storePath) {
            let holder = RunLock.holder(storePath: storePath)
            let run = try? SQLiteStatusStore(path: storePath, readOnly: true).runState()
            if let run, run.active, String(run.pid) == holder { return "a run is already active (pid \(holder)): attached to it" }
            return "the store is held by pid \(holder) (a repair or a command on a stopped store): press s again when it ends"
        }
        let pid = try DetachedRun.start(arguments: runArguments, logFile: workspace.logPath)
        // It takes the store's lock first thing; a run that cannot start ends at once.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if RunLock.isHeld(storePath: storePath) { return "started a run (pid \(pid)) in its own session: it goes on when this screen closes" }
            if kill(pid, 0) != 0 { return "the run (pid \(pid)) ended at once: its reason is in the log pane" }
            usleep(50_000)
        }
        return "started pid \(pid); it has not taken the store yet (see the log pane)"
    }

    func control(_ command: ControlRequest.Command, targets: [String]) throws -> String {
        if RunLock.isHeld(storePath: storePath) {
            let store = try SQLiteStatusStore(path: storePath)
            try store.send(ControlRequest(command: command, targets: targets))
            let what = targets.isEmpty ? "" : " \(targets.count) task(s)"
            return "asked the run (pid \(RunLock.holder(storePath: storePath))) to \(command.rawValue)\(what)"
        }
        nonisolated(unsafe) let unsafeWorkspace = workspace
        return try explainingExit { try blockingAwait { try await LocalControl.carryOut(command, targets: targets, workspace: unsafeWorkspace) } }
    }

    func inspectRepair() throws -> RepairPreview {
        guard let repair else { throw BadInput("repair is not available in this build") }
        return try explainingExit { try repair.inspect() }
    }

    func chooseRepairOption(finding: Int, option: Int) throws -> RepairPreview {
        guard let repair else { throw BadInput("repair is not available in this build") }
        return try repair.choose(finding: finding, option: option)
    }

    func closeRepair() { repair?.close() }

    func applyRepair() throws -> String {
        guard let repair else { throw BadInput("repair is not available in this build") }
        return try explainingExit { try repair.apply() }
    }

    /// Opened at the first pixel read, kept for the next ones (the pixel moves key by key).
    private var reader: SQLiteStatusStore?

    func series(for key: TaskKey, row: Int, col: Int) throws -> PixelSeries? {
        let store = try reader ?? SQLiteStatusStore(path: storePath, readOnly: true)
        reader = store
        guard let record = try store.record(key) else { return nil }
        let ndvi = try store.outputs(of: .ndvi, tile: record.tile).filter { FileManager.default.fileExists(atPath: $0.path) }
        guard let first = ndvi.first else { return nil }
        // A negative pixel means the middle of the grid (the view opens there).
        var (row, col) = (row, col)
        if row < 0 || col < 0 {
            let probe = try PixelProbe.read(path: first.path, row: 0, col: 0)
            (row, col) = (probe.height / 2, probe.width / 2)
        }
        var points: [PixelSeries.Point] = []
        var size = (0, 0)
        for output in ndvi {
            let sample = try PixelProbe.read(path: output.path, row: row, col: col)
            size = (sample.height, sample.width)
            points.append(PixelSeries.Point(date: output.acquired, value: sample.value))
        }
        guard !points.isEmpty else { return nil }
        return PixelSeries(observed: points, gridRows: size.0, gridCols: size.1, row: row, col: col)
    }

    func nextTheme(after current: String) -> (Theme, warning: String?) {
        themes.next(after: current)
    }
}

/// Commands shared with the command line report their reason on stderr (the log file while the
/// screen is up) and end with an exit code: the message says where to read it.
private func explainingExit<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let code as ExitCode {
        throw BadInput("stopped (exit \(code.rawValue)); the reason is the last line of the log pane")
    }
}

/// Repairs as the dashboard's wizard sees them (provided by the repair module).
protocol RepairBackend {
    func inspect() throws -> RepairPreview
    func choose(finding: Int, option: Int) throws -> RepairPreview
    func apply() throws -> String
    func close()
}

/// The themes a person can cycle through: the built-in ones and the files of `themes/`
/// beside the parameters file (or in the current folder).
struct ThemeCatalog {
    let folders: [String]

    /// Beside the parameters, in the current folder, then the repository the executable was
    /// built in (`.build/<config>/verdant`), so a clone's themes are found from anywhere.
    init(parametersFolder: String) {
        var folders = [parametersFolder + "/themes", FileManager.default.currentDirectoryPath + "/themes"]
        var dir = Workspace.currentExecutable.deletingLastPathComponent()
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("themes/default.toml").path) {
                folders.append(dir.appendingPathComponent("themes").path)
                break
            }
        }
        self.folders = folders
    }

    var names: [String] {
        var all = ["default", "dark", "light", "high-contrast", "monochrome"]
        for folder in folders { for name in ThemeLoader.available(in: folder) where !all.contains(name) { all.append(name) } }
        return all
    }

    /// A theme by name or path; a malformed file gives the default and a warning naming the file and line.
    func load(_ nameOrPath: String) -> (Theme, warning: String?) {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") { return ThemeLoader.loadOrDefault(path: nameOrPath) }
        for folder in folders {
            let path = folder + "/" + nameOrPath + ".toml"
            if FileManager.default.fileExists(atPath: path) { return ThemeLoader.loadOrDefault(path: path) }
        }
        if let theme = ThemeLoader.builtIn(nameOrPath) { return (theme, nil) }
        return (ThemeLoader.builtIn("default")!, "no theme \"\(nameOrPath)\" (dashboard.theme); known: \(names.joined(separator: ", ")); using default")
    }

    func next(after current: String) -> (Theme, warning: String?) {
        let all = names
        let index = all.firstIndex(of: current).map { ($0 + 1) % all.count } ?? 0
        return load(all[index])
    }
}
