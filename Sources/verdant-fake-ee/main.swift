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
    @Option(help: "Share of created exports whose answer is lost (503).") var lostAnswer = 0.0
    @Option(help: "Share of requests answered after --slow-seconds.") var slow = 0.0
    @Option(help: "Share of requests whose connection drops midway through the answer (after the server acted).") var dropped = 0.0
    @Option(help: "Seconds a slow answer takes.") var slowSeconds = 2.0
    @Option(help: "Seed of the injected faults.") var seed: UInt64 = 1
    @Option(help: "Seconds every answer waits (a distant server's latency).") var latency = 0.0
    @Option(help: "Seconds a task runs once started.") var taskDuration = 0.2
    @Option(help: "Tasks running at once.") var maxRunning = 20
    @Option(help: "Queued and running tasks accepted (Earth Engine: 3000).") var queueLimit = 3000
    @Option(help: "Images the project may hold.") var maxAssets = 10_000
    @Option(help: "Images of COPERNICUS/S2_HARMONIZED it lists, one a day per tile from --first-date.") var images = 0
    @Option(help: "Date of the first image (YYYY-MM-DD).") var firstDate = "2016-03-01"
    @Option(help: "A tile and its footprint's south-west corner, TILE:LON:LAT (repeatable; footprints are 0.5° squares).")
    var tile: [String] = ["33TVM:14.3:45.6"]
    @Option(help: "algorithms.json or samples/earthengine/signatures.json: exports' graphs are validated against it.")
    var algorithms: String?

    func run() async throws {
        var configuration = FakeEarthEngine.Configuration()
        configuration.projects = Set(project)
        configuration.tokenLifetime = tokenLifetime
        configuration.faults.unavailable = unavailable
        configuration.faults.tooManyRequests = tooManyRequests
        configuration.faults.internalError = internalError
        configuration.faults.lostAnswer = lostAnswer
        configuration.faults.slow = slow
        configuration.faults.dropped = dropped
        configuration.faults.slowSeconds = slowSeconds
        configuration.faults.seed = seed
        configuration.latency = latency
        configuration.taskDuration = taskDuration
        configuration.maxRunning = maxRunning
        configuration.queueLimit = queueLimit
        configuration.maxAssets = maxAssets
        if let algorithms { configuration.algorithms = try AlgorithmCatalog(contentsOf: algorithms) }
        if images > 0 {
            guard let start = ISO8601DateFormatter().date(from: firstDate + "T00:00:00Z") else {
                throw ValidationError("--first-date: expected YYYY-MM-DD, found \(firstDate)")
            }
            let tiles = try tile.map { entry -> (tile: String, lon: Double, lat: Double) in
                let parts = entry.split(separator: ":").map(String.init)
                guard parts.count == 3, let lon = Double(parts[1]), let lat = Double(parts[2]) else {
                    throw ValidationError("--tile: expected TILE:LON:LAT, found \(entry)")
                }
                return (parts[0], lon, lat)
            }
            configuration.collections["projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED"] =
                FakeImage.series(count: images, start: start, tiles: tiles)
        }
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
