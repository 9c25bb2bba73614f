import FakeEarthEngine
import Foundation
import Testing
import VerdantCore
import VerdantEarthEngine
import VerdantHTTP
import VerdantStore

/// The Earth Engine engine driven by the real scheduler against the fake server.
@Suite("Earth Engine engine against the fake server")
struct EarthEngineEngineTests {
    let fast = RetryPolicy(maxAttempts: 6, baseDelay: 0.01, maxDelay: 0.05, maxRetryAfter: 5)

    func setUp(_ edit: (inout FakeEarthEngine.Configuration) -> Void = { _ in }) async throws -> (FakeEarthEngine, EarthEngineEngine) {
        let account = try TestServiceAccount()
        var configuration = FakeEarthEngine.Configuration()
        configuration.projects = ["verdant-test"]
        configuration.serviceAccounts[TestServiceAccount.email] = account.publicPEM
        configuration.algorithms = try AlgorithmCatalog(contentsOf: ExpressionGraphTests.signatures)
        configuration.taskDuration = 0.05
        edit(&configuration)
        let server = try await FakeEarthEngine(configuration)
        let key = try account.keyFile(tokenURI: server.tokenURL, in: Fixtures.temporaryDirectory("ee"))
        let http = HTTPClient(policy: fast)
        let api = EarthEngineAPI(baseURL: server.baseURL, project: "verdant-test",
                                 tokens: AccessTokens(credentials: try .load(key), http: http), http: http)
        return (server, EarthEngineEngine(api: api, settings: ExportSettings(project: "verdant-test",
                                                                                    destination: "projects/verdant-test/assets/verdant/masks")))
    }

    @Test("a run with injected 429/500/503 and lost export answers completes every image once, each asset written once")
    func runWithFaults() async throws {
        let (server, engine) = try await setUp {
            $0.faults.unavailable = 0.05; $0.faults.internalError = 0.05; $0.faults.tooManyRequests = 0.05
            $0.faults.lostAnswer = 0.1; $0.faults.seed = 11
        }
        let (store, _) = try Fixtures.queuedStore(count: 40)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(graph: Fixtures.masksOnly, max: 15, refresh: 0.05))
        let last = try await withDeadline(120) { try await scheduler.run() }
        #expect(last.count(.completed) == 40)
        let writes = await server.assetWrites()
        #expect(writes.count == 40 && writes.values.allSatisfy { $0 == 1 }, "\(writes.values.filter { $0 != 1 })")
        let counts = await server.counts()
        #expect((counts["lost-answer"] ?? 0) > 0 && (counts["duplicate-request"] ?? 0) > 0, "\(counts)")
        #expect(counts["invalid-expression"] == nil)
        #expect(await server.taskStates().count == 40, "a lost answer made a second task")
        await server.stop()
    }

    @Test("a full queue is back-pressure: the run waits for room and fails nothing")
    func queueLimitBackPressure() async throws {
        let (server, engine) = try await setUp { $0.queueLimit = 4; $0.maxRunning = 2; $0.taskDuration = 0.1 }
        let (store, _) = try Fixtures.queuedStore(count: 12)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(graph: Fixtures.masksOnly, max: 12, refresh: 0.05))
        let last = try await withDeadline(120) { try await scheduler.run() }
        #expect(last.count(.completed) == 12 && last.count(.failed) == 0)
        let quota = try await engine.quotas()
        #expect(quota.assetsUsed == 12 && quota.maxQueuedTasks == 3000)
        await server.stop()
    }

    @Test("the operations list is read page by page; cancel reaches every task")
    func pagesAndCancel() async throws {
        let (server, engine) = try await setUp { $0.maxRunning = 0 }
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<1_100 {
                group.addTask { try await engine.submit(Job(id: Fixtures.imageId(n), stage: .cloudMask, source: "COPERNICUS/S2_HARMONIZED/x\(n)"),
                                                        requestId: "vd-test-\(n)") }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 1_100)
        let all = try await engine.listAll()
        #expect(all.count == 1_100 && all.allSatisfy { $0.state == .pending })
        #expect(await server.counts()["list"] == 3, "500 + 500 + 100")
        let polled = try await engine.poll(Array(ids.prefix(10)))
        #expect(polled.count == 10)
        try await engine.cancel(ids)
        let states = await server.taskStates()
        #expect(states.values.allSatisfy { $0 == "CANCELLING" || $0 == "CANCELLED" })
        #expect(try await engine.listAll().allSatisfy { $0.state == .cancelled })
        await server.stop()
    }
}
