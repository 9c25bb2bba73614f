import ArgumentParser
import Foundation

@main
struct Verdant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verdant",
        abstract: "Cloud masks and NDVI for Sentinel-2 images, run as tasks on this machine or on Earth Engine.",
        discussion: "Parameters come from parameters.toml (see `verdant init`). Exit codes of every command: \(ExitStatus.table).",
        subcommands: [Init.self, Check.self, Discover.self, Run.self, Demo.self, Status.self, Cancel.self, Retry.self, Release.self,
                      Pause.self, Resume.self, DashboardCommand.self, RepairCommand.self, ExportStatus.self, ImportStatus.self,
                      Train.self, EvaluateMask.self, EvaluateFill.self,
                      JobCommand.self]
    )

    /// ArgumentParser's own main, except that a usage error exits with code 2 (bad input) like
    /// every other bad input, not 64: one exit-code table for every command.
    static func main() async {
        do {
            // A bare `verdant` on a terminal is the dashboard; elsewhere it prints the help.
            let bare = CommandLine.arguments.count == 1 && isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1
            var command = try parseAsRoot(bare ? ["dashboard"] : nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.badInput.rawValue)
            }
            exit(withError: error)
        }
    }
}
