import Foundation
import VerdantCore
import VerdantDashboard
import VerdantLogging
import VerdantStyle
import VerdantTerminal

/// `verdant dashboard` (and a bare `verdant`, and the demo on a terminal): builds the app for a
/// workspace and runs its loop on the terminal, or prints one plain frame where no full screen
/// is possible (TERM=dumb, not a terminal).
struct DashboardSession {
    var workspace: Workspace
    var readonly = false
    var themeName: String?
    var keysFile: String?
    /// `verdant` arguments that start a run of this workspace.
    var runArguments: [String]
    /// Shown in the header: which parameters.
    var title: String
    /// Start the run as the screen opens (the demo), as if s were pressed.
    var startAtOnce = false

    func run() throws -> ExitStatus {
        let catalog = ThemeCatalog(parametersFolder: (workspace.parametersPath as NSString).deletingLastPathComponent)
        let (theme, themeWarning) = catalog.load(themeName ?? workspace.parameters.dashboard.theme)
        var keymap = Keymap.defaults
        if let file = keysFile ?? workspace.parameters.dashboard.keys.map(workspace.parameters.resolve) {
            keymap = try Failure.guarded { try Keymap.load(path: file, over: .defaults) }
        }
        let data = DashboardData(storePath: workspace.storePath, logPath: workspace.logPath, stages: workspace.graph.stages,
                                 lockHeld: { [storePath = workspace.storePath] pid in RunLock.isHeld(storePath: storePath, byRun: pid) })
        let backend = WorkspaceBackend(workspace: workspace, runArguments: runArguments, themes: catalog)
        backend.repair = makeRepairBackend(workspace: workspace, readonly: readonly)
        let app = DashboardApp(data: data, backend: backend, keymap: keymap, parameters: Self.parameterLines(workspace),
                               title: title, theme: theme, readonly: readonly)
        if let themeWarning { app.ui.say(themeWarning, .warning, seconds: 20) }
        if startAtOnce && !readonly { app.startRun() }

        let environment = ProcessInfo.processInfo.environment
        if let problem = Screen.fullScreenProblem(environment: environment, isTerminal: isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1) {
            // No full screen here: one plain frame, no escape sequences, then the way out.
            _ = app.tick(refresh: true)
            let cols = Int(environment["COLUMNS"] ?? "") ?? 100
            let frame = app.render(rows: 30, cols: max(Layout.minCols, cols), glyphs: .ascii)
            print(frame.text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }.joined(separator: "\n"))
            FileHandle.standardError.write(Data("verdant dashboard: \(problem): printed one frame instead of the full screen\n".utf8))
            return .done
        }
        // The log would tear the screen: it goes to the file only while the screen is up.
        LogSetup.stderrGate.silence()
        defer { LogSetup.stderrGate.restore() }
        let screen: Screen
        do { screen = try Screen(theme: theme) } catch { throw BadInput("\(error)") }
        // Anything else written to stderr meanwhile (an error of a command the backend runs,
        // GDAL's messages) goes to the log file, where the log pane shows it, not over the screen.
        let stderrCopy = StderrRedirect(to: workspace.logPath)
        let exit = DashboardLoop().run(app, on: screen)
        screen.end()
        stderrCopy.restore()
        let run = data.isRunning ? " The run (pid \(data.runState?.pid ?? 0)) goes on; `verdant dashboard` attaches again." : ""
        switch exit {
        case .quit:
            print("verdant dashboard: detached.\(run)")
            return .done
        case .signal(let sig):
            if sig == SIGINT { print("verdant dashboard: detached.\(run)"); return .done }
            return sig == SIGTERM ? .terminated : .hangup
        }
    }

    /// The resolved values that matter, for the Parameters pane.
    static func parameterLines(_ workspace: Workspace) -> [ParameterLine] {
        let p = workspace.parameters
        let engine: String
        switch p.run.engine {
        case .local: engine = "local, \(workspace.workers) workers"
        case .earthEngine: engine = "earthengine \(p.earthEngine.project)"
        }
        let points: [[Double]] = p.area.geometry.flatMap { $0 }
        let lons: [Double] = points.compactMap(\.first)
        let lats: [Double] = points.compactMap { $0.count > 1 ? $0[1] : nil }
        let area = lons.isEmpty ? "–" : String(format: "%.1f–%.1fE %.1f–%.1fN", lons.min()!, lons.max()!, lats.min()!, lats.max()!)
        return [
            ParameterLine("engine", engine),
            ParameterLine("dates", "\(p.dates.start)…\(p.dates.end) (±\(p.dates.nbDaysBefore)/\(p.dates.nbDaysAfter) d)"),
            ParameterLine("area", area),
            ParameterLine("mask", "\(p.mask.method.rawValue), \(Int(p.area.scale)) m"),
            ParameterLine("output", p.run.output),
            ParameterLine("refresh", "\(Int(p.run.refresh)) s, \(p.run.maxAttempts) attempts"),
        ]
    }
}

/// Points descriptor 2 at a file (appending) until `restore`; /dev/null when the file cannot be
/// opened (its folder does not exist before the first run).
struct StderrRedirect {
    private let saved: Int32

    init(to path: String) {
        saved = dup(STDERR_FILENO)
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { fd = open("/dev/null", O_WRONLY | O_CLOEXEC) }
        if fd >= 0 {
            dup2(fd, STDERR_FILENO)
            close(fd)
        }
    }

    func restore() {
        guard saved >= 0 else { return }
        dup2(saved, STDERR_FILENO)
        close(saved)
    }
}
