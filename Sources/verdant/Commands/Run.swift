import ArgumentParser
import VerdantCore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every stage to the end without a screen (a progress line on a terminal, log lines otherwise).",
        discussion: "Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @Flag(name: .shortAndLong, help: "Log every step, also to stderr.")
    var verbose = false

    func run() async throws {
        let outcome = try await RunSession(workspace: try parameters.workspace(), verbose: verbose).execute()
        let status = outcome.status
        if status != .done { throw status.exitCode }
    }
}
