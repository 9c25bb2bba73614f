import ArgumentParser
import Foundation

struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Watch and steer the run of these parameters full screen (also what a bare `verdant` does on a terminal).",
        discussion: "The dashboard never owns the run: s starts a detached `verdant run` (or attaches to the active one), keys become requests the run carries out, q detaches and the run goes on. Without a terminal (a pipe, TERM=dumb) it prints one plain frame. Keys: ? on the screen, or README \"Dashboard\". Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @Flag(help: "Refuse every action that changes anything (start, pause, cancel, retry, repair).")
    var readonly = false
    @Option(help: "Theme: a name of themes/ (default, dark, light, high-contrast, monochrome) or a file; overrides dashboard.theme.")
    var theme: String?
    @Option(help: "A keys file rebinding keys; overrides dashboard.keys.")
    var keys: String?

    func run() throws {
        let workspace = try DemoFallback.workspace(for: parameters)
        let status = try DashboardSession(workspace: workspace.workspace, readonly: readonly, themeName: theme, keysFile: keys,
                                          runArguments: workspace.runArguments, title: workspace.title).run()
        if status != .done { throw status.exitCode }
    }
}
