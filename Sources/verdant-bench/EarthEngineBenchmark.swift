import _CryptoExtras
import ArgumentParser
import FakeEarthEngine
import Foundation
import VerdantCore
import VerdantEarthEngine
import VerdantHTTP
import VerdantStore

struct EarthEngineCost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earthengine",
        abstract: "The Earth Engine engine against the fake server: API calls per refresh and per image, against the original's one status call per task per refresh; the time to fill the 3000-task queue from a server answering in --latency seconds.")

    @Option(help: "Images of the run counting calls.") var images = 1000
    @Option(help: "Seconds a task runs on the fake.") var taskDuration = 3.0
    @Option(help: "Tasks in flight (nb_task_max) while counting calls.") var nbTaskMax = 500
    @Option(help: "Seconds between refreshes while counting calls.") var refresh = 1.0
    @Option(help: "Seconds the fake takes to answer each call while filling the queue.") var latency = 0.3
    @Option(help: "Queue slots to fill.") var slots = 3000

    func run() async throws {
        try await countCalls()
        try await fillQueue()
    }

    /// A fake with one service account, and an engine logged in to it.
    func connect(_ edit: (inout FakeEarthEngine.Configuration) -> Void) async throws -> (FakeEarthEngine, EarthEngineEngine, URL) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let email = "bench@verdant-test.iam.gserviceaccount.com"
        var configuration = FakeEarthEngine.Configuration()
        configuration.projects = ["verdant-test"]
        configuration.serviceAccounts[email] = key.publicKey.pemRepresentation
        edit(&configuration)
        let server = try await FakeEarthEngine(configuration)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-bench-ee-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("key.json")
        let json: [String: Any] = ["type": "service_account", "project_id": "verdant-test", "private_key": key.pkcs8PEMRepresentation,
                                   "client_email": email, "token_uri": server.tokenURL]
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let connection = try EarthEngineConnection(credentialsPath: file.path, apiURL: server.baseURL, project: "verdant-test")
        let engine = EarthEngineEngine(api: connection.api, settings: ExportSettings(project: "verdant-test",
                                                                                  destination: "projects/verdant-test/assets/bench/masks"))
        return (server, engine, dir)
    }

    func countCalls() async throws {
        let (server, engine, keyDir) = try await connect {
            $0.taskDuration = taskDuration; $0.maxRunning = 1000
        }
        defer { try? FileManager.default.removeItem(at: keyDir) }
        let graph = StageGraph([StageSpec(.cloudMask, unit: .image)])
        let (store, dir, _) = try benchmarkStore(images: images, graph: graph)
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = SchedulerSettings(graph: graph, nbTaskMax: nbTaskMax, refresh: refresh, maxAttempts: 3, retryBackoff: 1)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings, logger: quietLogger)
        // The original asks for each task's status at each refresh: the tasks in flight then.
        let watch = Task { () -> (cycles: Int, perTaskCalls: Int) in
            var cycles = 0, perTask = 0
            for await event in scheduler.subscribe() {
                if case .cycle(let snapshot) = event { cycles += 1; perTask += snapshot.count(.ready) + snapshot.count(.running) }
            }
            return (cycles, perTask)
        }
        let started = Date()
        let last = try await scheduler.run()
        let seconds = Date().timeIntervalSince(started)
        watch.cancel()
        let (cycles, perTask) = await watch.value
        let counts = await server.counts()
        await server.stop()
        let calls = counts["requests", default: 0] - counts["token", default: 0]
        let polls = counts["list", default: 0]
        print("earthengine  images \(images)  nb_task_max \(nbTaskMax)  task \(taskDuration) s  refresh \(refresh) s: \(last.count(.completed)) completed in \(String(format: "%.1f", seconds)) s, \(cycles) cycles")
        print("earthengine  API calls       \(calls) (\(counts["export", default: 0]) exports, \(polls) operations.list pages, \(counts["asset", default: 0]) root quota, \(counts["create-asset", default: 0]) asset creations; \(counts["token", default: 0]) token)")
        print(String(format: "earthengine  per image       %.2f calls", Double(calls) / Double(images)))
        print(String(format: "earthengine  per refresh     %.2f calls to follow the tasks (operations.list pages + quota) vs the original's %.1f status calls (one per task in flight, %d in all)",
                     Double(polls + counts["asset", default: 0]) / Double(max(1, cycles)), Double(perTask) / Double(max(1, cycles)), perTask))
    }

    func fillQueue() async throws {
        let (server, engine, keyDir) = try await connect {
            $0.latency = latency; $0.taskDuration = 3600; $0.maxRunning = 0; $0.queueLimit = 3000
        }
        defer { try? FileManager.default.removeItem(at: keyDir) }
        let graph = StageGraph([StageSpec(.cloudMask, unit: .image)])
        let (store, dir, _) = try benchmarkStore(images: slots, graph: graph)
        defer { try? FileManager.default.removeItem(at: dir) }
        var settings = SchedulerSettings(graph: graph, nbTaskMax: min(3000, slots), refresh: 5, maxAttempts: 3, retryBackoff: 1)
        settings.untilDrained = true
        let scheduler = Scheduler(store: store, engine: engine, settings: settings, logger: quietLogger)
        let started = Date()
        let run = Task { try await scheduler.run() }
        var filled = 0
        while filled < slots, Date().timeIntervalSince(started) < 900 {
            try await Task.sleep(nanoseconds: 200_000_000)
            filled = try store.totalCounts()[.ready, default: 0]
        }
        let seconds = Date().timeIntervalSince(started)
        await scheduler.stop()
        _ = try? await run.value
        let counts = await server.counts()
        await server.stop()
        print(String(format: "earthengine  fill %d slots  %.1f s with every answer %.0f ms late (%.0f submissions/s at %d at once; %d exports sent, %d answers 429)",
                     filled, seconds, latency * 1000, Double(filled) / seconds, engine.submissionConcurrency,
                     counts["export", default: 0], counts["429", default: 0]))
    }
}
