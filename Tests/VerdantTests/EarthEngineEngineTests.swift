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

    func setUp(assetMargin: Int = 100, account: TestServiceAccount? = nil,
               _ edit: (inout FakeEarthEngine.Configuration) -> Void = { _ in }) async throws -> (FakeEarthEngine, EarthEngineEngine) {
        let account = try account ?? TestServiceAccount()
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
        var settings = ExportSettings(project: "verdant-test", destination: "projects/verdant-test/assets/verdant/masks")
        settings.assetMargin = assetMargin
        return (server, EarthEngineEngine(api: api, settings: settings))
    }

    @Test("a run with injected 429/500/503, dropped connections and lost export answers completes every image once, each asset written once")
    func runWithFaults() async throws {
        let (server, engine) = try await setUp {
            $0.faults.unavailable = 0.05; $0.faults.internalError = 0.05; $0.faults.tooManyRequests = 0.05
            $0.faults.dropped = 0.05
            $0.faults.seed = 11
            // Whatever order the requests come in, these exports' answers are lost.
            $0.faults.lostExports = [2, 9, 23]
        }
        let (store, _) = try Fixtures.queuedStore(count: 40)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(graph: Fixtures.masksOnly, max: 15, refresh: 0.05))
        let last = try await withDeadline(120) { try await scheduler.run() }
        #expect(last.count(.completed) == 40)
        let writes = await server.assetWrites()
        #expect(writes.count == 40 && writes.values.allSatisfy { $0 == 1 }, "\(writes.values.filter { $0 != 1 })")
        let counts = await server.counts()
        #expect(counts["lost-answer"] == 3 && (counts["duplicate-request"] ?? 0) >= 3 && (counts["dropped"] ?? 0) > 0, "\(counts)")
        #expect(counts["invalid-expression"] == nil)
        #expect(await server.taskStates().count == 40, "a lost answer made a second task")
        await server.stop()
    }

    @Test("a server answering 409 to a reused request id: the task is found by its submission's description, never started twice")
    func conflictAnswers() async throws {
        let (server, engine) = try await setUp { $0.duplicateAnswer = .conflict; $0.faults.lostExports = [1, 4, 9, 10] }
        let (store, _) = try Fixtures.queuedStore(count: 16)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(graph: Fixtures.masksOnly, max: 6, refresh: 0.05))
        let last = try await withDeadline(120) { try await scheduler.run() }
        #expect(last.count(.completed) == 16 && last.count(.failed) == 0)
        let counts = await server.counts()
        #expect(counts["lost-answer"] == 4 && (counts["duplicate-request"] ?? 0) >= 4, "\(counts)")
        #expect(await server.taskStates().count == 16, "a conflict made a second task")
        #expect(await server.assetWrites().values.allSatisfy { $0 == 1 })
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

    @Test("5,000 tasks: the operations list is read page by page; cancel reaches every task")
    func pagesAndCancel() async throws {
        let (server, engine) = try await setUp { $0.maxRunning = 0; $0.queueLimit = 6_000 }
        let count = 5_000
        // As the scheduler sends them: `submissionConcurrency` at a time.
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            var next = 0, ids: [String] = []
            func add() {
                let n = next
                next += 1
                group.addTask { try await engine.submit(Job(id: Fixtures.imageId(n), stage: .cloudMask, source: "COPERNICUS/S2_HARMONIZED/x\(n)"),
                                                        requestId: "vd-test-\(n)") }
            }
            while next < engine.submissionConcurrency { add() }
            while let id = try await group.next() {
                ids.append(id)
                if next < count { add() }
            }
            return ids
        }
        #expect(Set(ids).count == count)
        let before = await server.counts()["list"] ?? 0
        let all = try await engine.listAll()
        #expect(all.count == count && all.allSatisfy { $0.state == .pending })
        #expect(await server.counts()["list"] == before + 10, "10 pages of 500")
        let polled = try await engine.poll(Array(ids.prefix(10)))
        #expect(polled.count == 10)
        try await engine.cancel(ids)
        let states = await server.taskStates()
        #expect(states.values.allSatisfy { $0 == "CANCELLING" || $0 == "CANCELLED" })
        #expect(try await engine.listAll().allSatisfy { $0.state == .cancelled })
        // A task finished already is no error for cancel.
        try await engine.cancel(Array(ids.prefix(3)))
        await server.stop()
    }

    @Test("the asset quota: submitting stops asset_margin assets before it, with the reason in the hold; nothing fails")
    func quotaStop() async throws {
        let (server, engine) = try await setUp(assetMargin: 5) { $0.maxAssets = 15; $0.taskDuration = 0.05 }
        let (store, _) = try Fixtures.queuedStore(count: 30)
        let scheduler = Scheduler(store: store, engine: engine,
                                  settings: Fixtures.settings(graph: Fixtures.masksOnly, max: 8, refresh: 0.05, untilDrained: false))
        let run = Task { try await scheduler.run() }
        let held = try await Fixtures.eventually(60) {
            let snapshot = try await scheduler.snapshot()
            return snapshot.hold?.cause == .storage && snapshot.count(.completed) == 10
        }
        #expect(held)
        let snapshot = try await scheduler.snapshot()
        #expect(snapshot.hold?.reason.contains("10 of 10 assets") == true, "\(String(describing: snapshot.hold))")
        #expect(snapshot.count(.failed) == 0 && snapshot.count(.queued) == 20)
        #expect(await server.assetWrites().count == 10)
        await scheduler.stop()
        _ = try? await withDeadline(30) { try await run.value }
        await server.stop()
    }

    @Test("a revoked credential holds the run with a clear reason instead of failing images; restored, the run finishes")
    func revokedCredentialPauses() async throws {
        let account = try TestServiceAccount()
        let (server, engine) = try await setUp(account: account) { $0.maxRunning = 2; $0.taskDuration = 0.1 }
        let (store, _) = try Fixtures.queuedStore(count: 20)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(graph: Fixtures.masksOnly, max: 4, refresh: 0.05))
        let run = Task { try await withDeadline(120) { try await scheduler.run() } }
        #expect(try await Fixtures.eventually(60) { try await scheduler.snapshot().count(.completed) >= 2 })
        await server.revoke(serviceAccount: TestServiceAccount.email)
        let held = try await Fixtures.eventually(60) { try await scheduler.snapshot().hold?.cause == .authentication }
        #expect(held)
        let reason = try await scheduler.snapshot().hold?.reason ?? ""
        #expect(reason.contains("credentials refused") && reason.contains("invalid_grant"), "\(reason)")
        #expect(try await scheduler.snapshot().count(.failed) == 0)
        await server.allow(serviceAccount: TestServiceAccount.email, publicKeyPEM: account.publicPEM)
        let last = try await run.value
        #expect(last.count(.completed) == 20 && last.count(.failed) == 0)
        await server.stop()
    }
}
