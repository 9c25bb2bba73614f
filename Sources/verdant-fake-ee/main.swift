import ArgumentParser
import FakeEarthEngine
import Foundation

/// `verdant-fake-ee`: the fake Earth Engine as a process of its own, for runs of `verdant` with
/// `[earthengine] api_url` pointing at it. Prints its address, then serves until killed.
@main
struct FakeEarthEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verdant-fake-ee",
        abstract: "A fake Earth Engine REST API on 127.0.0.1, for tests and benchmarks.")

    @Option(help: "Port to listen on (0: any free port).") var port: UInt16 = 0
    @Option(help: "Google Cloud project the fake serves (repeatable).") var project: [String] = ["verdant-test"]
    @Option(help: "A service account it accepts: EMAIL=PUBLIC_KEY.pem (repeatable).") var serviceAccount: [String] = []
    @Option(help: "Seconds an access token lives.") var tokenLifetime = 3600
    @Option(help: "Share of requests answered 503.") var unavailable = 0.0
    @Option(help: "Share of requests answered 429.") var tooManyRequests = 0.0
    @Option(help: "Share of requests answered 500.") var internalError = 0.0

    func run() async throws {
        var configuration = FakeEarthEngine.Configuration()
        configuration.projects = Set(project)
        configuration.tokenLifetime = tokenLifetime
        configuration.faults.unavailable = unavailable
        configuration.faults.tooManyRequests = tooManyRequests
        configuration.faults.internalError = internalError
        for entry in serviceAccount {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--service-account: expected EMAIL=PUBLIC_KEY.pem, found \(entry)") }
            configuration.serviceAccounts[parts[0]] = try String(contentsOfFile: parts[1], encoding: .utf8)
        }
        let server = try await FakeEarthEngine(configuration, port: port)
        // Written straight to the descriptor: a parent reading the pipe sees it at once.
        FileHandle.standardOutput.write(Data("listening on \(server.baseURL)\n".utf8))
        while true { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
    }
}
