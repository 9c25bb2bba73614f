import ArgumentParser
import VerdantCore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the queue to the end without a screen (a progress line on a terminal, log lines otherwise).")

    @OptionGroup var parameters: ParametersOption
    @Flag(name: .shortAndLong, help: "Log every step, also to stderr.")
    var verbose = false

    func run() async throws {
        let last = try await RunSession(workspace: try parameters.workspace(), verbose: verbose).execute()
        if last.counts[.failed, default: 0] > 0 { throw ExitCode(1) }
    }
}
