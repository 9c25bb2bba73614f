import Foundation
import Testing
@testable import VerdantCore
import VerdantStore
import VerdantTesting

/// An InstantEngine behind hooks: counts calls, lets a test script submit and quota answers.
final class ProbeEngine: Engine, @unchecked Sendable {
    let inner: InstantEngine
    let name = "probe"
    let submissionConcurrency: Int
    let reportsRequestIds: Bool
    private let lock = NSLock()
    private var _quotaCalls = 0
    private var _submitCalls = 0
    private var _jobs: [Job] = []
    /// Runs before each submit with the call's number (0-based): throwing is the engine's answer.
    var submitHook: (@Sendable (Int, Job) async throws -> Void)?
    /// Calls (by number) the engine accepts but whose answer is lost on its way back.
    var lostAnswers: Set<Int> = []
    var quotaError: Error?

    init(inner: InstantEngine, concurrency: Int = 1, reportsRequestIds: Bool = true) {
        self.inner = inner; self.submissionConcurrency = concurrency; self.reportsRequestIds = reportsRequestIds
    }
    var quotaCalls: Int { lock.lock(); defer { lock.unlock() }; return _quotaCalls }
    var jobs: [Job] { lock.lock(); defer { lock.unlock() }; return _jobs }

    func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        let n: Int = { lock.lock(); defer { lock.unlock() }; _submitCalls += 1; _jobs.append(job); return _submitCalls - 1 }()
        if let hook = submitHook { try await hook(n, job) }
        let taskId = try await inner.submit(job, requestId: requestId)
        if lostAnswers.contains(n) { throw EngineError.transient("connection reset (injected)") }
        return taskId
    }
    func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage {
        try await inner.list(pageToken: pageToken, pageSize: pageSize)
    }
    func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] { try await inner.poll(ids) }
    func cancel(_ ids: [EngineTaskID]) async throws { try await inner.cancel(ids) }
    func quotas() async throws -> EngineQuota {
        let error: Error? = { lock.lock(); defer { lock.unlock() }; _quotaCalls += 1; return quotaError }()
        if let error { throw error }
        return try await inner.quotas()
    }
    func shutdown() async {}
}

/// A store that forwards to SQLite but fails the first `apply` a test picks with a machine error
/// (a disk full at the worst moment).
final class FlakyStore: StatusStore, @unchecked Sendable {
    let base: SQLiteStatusStore
    let kind: StoreError.Kind
    private let lock = NSLock()
    var failApplyWhen: (@Sendable ([Transition]) -> Bool)?
    private var failedOnce = false
    init(_ base: SQLiteStatusStore, kind: StoreError.Kind = .unwritable) { self.base = base; self.kind = kind }

    func register(_ tasks: [NewTask], at: Date) throws -> Int { try base.register(tasks, at: at) }
    func apply(_ transitions: [Transition], at: Date) throws -> [TaskRecord] {
        let fail: Bool = {
            lock.lock(); defer { lock.unlock() }
            if !failedOnce, let test = failApplyWhen, test(transitions) { failedOnce = true; return true }
            return false
        }()
        if fail { throw StoreError("injected \(kind) store error", kind: kind) }
        return try base.apply(transitions, at: at)
    }
    func record(_ key: TaskKey) throws -> TaskRecord? { try base.record(key) }
    func records(id: String) throws -> [TaskRecord] { try base.records(id: id) }
    func records(in states: Set<TaskState>, stage: Stage?, limit: Int?) throws -> [TaskRecord] { try base.records(in: states, stage: stage, limit: limit) }
    func refs(in states: Set<TaskState>, stage: Stage?) throws -> [TaskRef] { try base.refs(in: states, stage: stage) }
    func count(in states: Set<TaskState>) throws -> Int { try base.count(in: states) }
    func hasTasks(in states: Set<TaskState>, stages: [Stage]?) throws -> Bool { try base.hasTasks(in: states, stages: stages) }
    func unclearSubmissions(now: Date, limit: Int) throws -> [TaskRecord] { try base.unclearSubmissions(now: now, limit: limit) }
    func markUnclear(_ key: TaskKey, error: String, retryAt: Date) throws { try base.markUnclear(key, error: error, retryAt: retryAt) }
    func apply(_ plan: ReconciliationPlan, clearingWaiversOf restarted: [TaskKey], at: Date) throws -> Int {
        try base.apply(plan, clearingWaiversOf: restarted, at: at)
    }
    func refreshCatalogFields(_ images: [CatalogImage], stages: [Stage]) throws -> Int { try base.refreshCatalogFields(images, stages: stages) }
    func clearWaivers(of keys: [TaskKey]) throws { try base.clearWaivers(of: keys) }
    func nextQueued(stage: Stage, limit: Int, now: Date) throws -> [TaskRecord] { try base.nextQueued(stage: stage, limit: limit, now: now) }
    func nextRetryTime(now: Date) throws -> Date? { try base.nextRetryTime(now: now) }
    func counts() throws -> [Stage: [TaskState: Int]] { try base.counts() }
    func journal(limit: Int, imageId: String?) throws -> [JournalEntry] { try base.journal(limit: limit, imageId: imageId) }
    func journal(after seq: Int64, limit: Int) throws -> [JournalEntry] { try base.journal(after: seq, limit: limit) }
    func inputs(of keys: [TaskKey]) throws -> [TaskKey: [TaskInput]] { try base.inputs(of: keys) }
    func dependents(of inputs: [TaskKey], in states: Set<TaskState>) throws -> [TaskKey] { try base.dependents(of: inputs, in: states) }
    func replaceInputs(of key: TaskKey, with inputs: [TaskKey]) throws { try base.replaceInputs(of: key, with: inputs) }
    func waive(_ inputs: [TaskKey], of key: TaskKey, reason: String, at: Date) throws { try base.waive(inputs, of: key, reason: reason, at: at) }
    func nameTask(_ key: TaskKey, taskId: String) throws { try base.nameTask(key, taskId: taskId) }
    func meta(_ key: String) throws -> String? { try base.meta(key) }
    func setMeta(_ key: String, _ value: String) throws { try base.setMeta(key, value) }
    func neighbours(of ids: [String]) throws -> [String: Neighbours] { try base.neighbours(of: ids) }
    func saveNeighbours(_ neighbours: [String: Neighbours]) throws { try base.saveNeighbours(neighbours) }
    func runState() throws -> RunState? { try base.runState() }
    func saveRunState(_ state: RunState) throws { try base.saveRunState(state) }
}

@Suite("Scheduler races and holds")
struct SchedulerRaceTests {
    func settings(max: Int = 5, refresh: Double = 2, unclear: Double = 5, untilDrained: Bool = true) -> SchedulerSettings {
        SchedulerSettings(graph: Fixtures.masksOnly, nbTaskMax: max, refresh: refresh, maxAttempts: 3, retryBackoff: 0.01,
                          unclearRetry: unclear, untilDrained: untilDrained)
    }

    /// Quota reads the engine sees in `seconds` of `run()`, counted once `ready` holds: one a
    /// cycle, so a loop that spins makes hundreds.
    func quotaReads(_ engine: ProbeEngine, running scheduler: Scheduler, for seconds: Double,
                    once ready: @escaping @Sendable () async -> Bool = { true }) async throws -> Int {
        let run = Task { try await scheduler.run() }
        #expect(await Fixtures.eventually { await ready() })
        let before = engine.quotaCalls
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        let calls = engine.quotaCalls - before
        await scheduler.stop()
        _ = try? await withDeadline(20) { try await run.value }
        return calls
    }

    func state(_ store: StatusStore, _ n: Int) throws -> TaskState? {
        try store.record(TaskKey(.cloudMask, Fixtures.imageId(n)))?.state
    }

    @Test("paused during a hold, the loop waits for the next poll instead of spinning")
    func pausedHoldDoesNotSpin() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let engine = ProbeEngine(inner: InstantEngine())
        engine.submitHook = { _, _ in throw EngineError.unavailable(.queueFull, "queue full (injected)", retryAfter: 0.3) }
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(refresh: 2))
        try await scheduler.cycle()
        #expect(await scheduler.currentHold?.cause == .queueFull)
        await scheduler.pause()
        // One cycle a refresh (2 s): a spinning loop makes hundreds of calls in this time.
        let calls = try await quotaReads(engine, running: scheduler, for: 1.5)
        #expect(calls < 10, "\(calls) quota reads in 1.5 s")
    }

    @Test("an engine quota refusal holds until its retry-after, probes then, and a failing quota read does not make it spin")
    func quotaRefusalHonoursRetryAfter() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 20)
        let engine = ProbeEngine(inner: InstantEngine())
        engine.submitHook = { n, _ in if n == 0 { throw EngineError.unavailable(.quota, "compute quota (injected)", retryAfter: 60) } }
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(refresh: 2))
        try await scheduler.cycle()
        #expect(await scheduler.currentHold?.cause == .quota)
        engine.quotaError = EngineError.transient("quota endpoint timed out (injected)")
        try await scheduler.cycle()
        #expect(await scheduler.currentHold?.cause == .quota)
        #expect(engine.jobs.count == 1)
        let calls = try await quotaReads(engine, running: scheduler, for: 1.5)
        #expect(calls < 10, "\(calls) quota reads in 1.5 s")
        #expect(engine.jobs.count == 1)
    }

    @Test("cancel-all while a batch larger than one chunk is submitted does not end the run")
    func cancelDuringLargeBatch() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 300)
        let engine = ProbeEngine(inner: InstantEngine())
        // 20 ms a submission: the batch stays SUBMITTING for seconds, long enough for the test to
        // see it on a busy machine (at 2 ms it could all be through before the first look).
        engine.submitHook = { _, _ in try await Task.sleep(nanoseconds: 20_000_000) }
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 300, refresh: 0.05))
        let run = Task { try await scheduler.run() }
        #expect(try await Fixtures.eventually { try store.count(in: [.submitting]) > 0 })
        try await scheduler.cancelAll()
        let last = try await withDeadline(60) { try await run.value }
        #expect(last.drained)
        #expect(last.count(.cancelled) + last.count(.completed) == 300)
        #expect(last.count(.cancelled) > 0)
    }

    @Test("a cancel of a task whose submission was unclear is never recorded CANCELLED while the engine runs it, and requeueing it starts nothing twice")
    func cancelAfterUnclearAnswer() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 1)
        let inner = InstantEngine(finishes: false)
        let engine = ScriptedEngine(inner: inner)
        engine.script = [.acceptThenLoseAnswer]
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 1, refresh: 0.05, unclear: 30))
        try await scheduler.cycle()
        let id = Fixtures.imageId(0)
        // The engine may have it: still in flight.
        #expect(try state(store, 0) == .submitting)
        try await scheduler.cancel(targets: [id])
        #expect(try state(store, 0) == .cancelling)
        #expect(try await withDeadline(30) {
            while try self.state(store, 0) != .cancelled { try await scheduler.cycle() }
            return true
        })
        #expect(inner.openTasks(of: id) == 0)
        try await scheduler.retryAll(in: .cancelled)
        _ = try await withDeadline(30) { try await scheduler.cycle() }
        // A retry is a new job by a person's decision, once: the cancelled one is not running.
        #expect(inner.openTasks(of: id) == 1)
    }

    @Test("a store write failing on the engine's answers is settled by the next good cycle: the run drains, nothing runs twice")
    func answersLostToStoreTrouble() async throws {
        let (base, _) = try Fixtures.queuedStore(count: 2)
        let store = FlakyStore(base)
        store.failApplyWhen = { ts in ts.contains { $0.from == .submitting } }
        let inner = InstantEngine()
        let scheduler = Scheduler(store: store, engine: ProbeEngine(inner: inner), settings: settings(max: 2, refresh: 0.05))
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed) == 2)
        #expect(inner.currentFigures.duplicateJobs == 0)
    }

    @Test("a success sent before a queue-full refusal does not lift the hold; only a probe does")
    func holdLiftedOnlyByAProbe() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 4)
        let engine = ProbeEngine(inner: InstantEngine(), concurrency: 4)
        engine.submitHook = { n, _ in
            if n == 0 { try await Task.sleep(nanoseconds: 300_000_000); return }
            throw EngineError.unavailable(.queueFull, "Too many tasks (injected)", retryAfter: 60)
        }
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 4, refresh: 30))
        try await scheduler.cycle()
        #expect(await scheduler.currentHold?.cause == .queueFull)
    }

    @Test("an unclear submission then new parameters: the old request is settled before new work, which runs once")
    func unclearThenParametersChange() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 1)
        let inner = InstantEngine()
        let engine = ScriptedEngine(inner: inner)
        engine.script = [.acceptThenLoseAnswer]
        var a = settings(max: 1, refresh: 0.05, unclear: 0.01)
        a.fingerprints = [.cloudMask: "params-A"]
        try await Scheduler(store: store, engine: engine, settings: a).cycle()
        var b = a
        b.fingerprints = [.cloudMask: "params-B"]
        let fixedB = b
        let last = try await withDeadline(30) { try await Scheduler(store: store, engine: engine, settings: fixedB).run() }
        let id = Fixtures.imageId(0)
        #expect(last.count(.completed) == 1)
        #expect(inner.openTasks(of: id) == 0)
        // The work under A finished (adopted by its request id), then was redone under B.
        #expect(try store.record(TaskKey(.cloudMask, id))?.paramsHash == "params-B")
    }

    @Test("a run cancelled during concurrent submissions leaves them in flight, never \"not sent\" while the engine has them")
    func cancelDuringConcurrentSend() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 4)
        let inner = InstantEngine(finishes: false)
        let engine = ProbeEngine(inner: inner, concurrency: 4)
        engine.submitHook = { _, _ in try? await Task.sleep(nanoseconds: 500_000_000) }
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 4, refresh: 0.05))
        let run = Task { try await scheduler.run() }
        #expect(try await Fixtures.eventually { try store.count(in: [.submitting]) == 4 })
        run.cancel()
        _ = try? await withDeadline(20) { try await run.value }
        #expect(try await Fixtures.eventually { (0..<4).allSatisfy { inner.openTasks(of: Fixtures.imageId($0)) == 1 } })
        for n in 0..<4 { #expect(try state(store, n) == .submitting, "task \(n)") }
        // The next run adopts them by request id: nothing is started twice.
        _ = try await withDeadline(30) {
            try await Scheduler(store: store, engine: engine, settings: self.settings(max: 4, refresh: 0.05, untilDrained: false)).reconcile()
        }
        for n in 0..<4 { #expect(try state(store, n) == .ready, "task \(n)") }
        #expect(inner.currentFigures.duplicateJobs == 0)
    }

    @Test("a SKIPPED mask gives its NDVI job the output path")
    func skippedInputHasItsOutput() async throws {
        let r = ReconciliationTests()
        var setup = ReconciliationTests.Setup(parameters: r.parameters(), listing: r.images(1))
        let id = Fixtures.imageId(0)
        setup.published[TaskKey(.cloudMask, id)] = "fp-mask"
        setup.publishedOutputs[TaskKey(.cloudMask, id)] = "/out/cloudmask/\(id)/\(id).tif"
        let store = try r.newStore()
        try r.apply(try r.plan(setup, store: store), to: store)
        #expect(try store.record(TaskKey(.cloudMask, id))?.state == .skipped)
        let engine = ProbeEngine(inner: InstantEngine())
        var settings = Fixtures.settings(graph: .local, max: 2)
        settings.fingerprints = setup.fingerprints
        let fixed = settings
        _ = try await withDeadline(30) { try await Scheduler(store: store, engine: engine, settings: fixed).run() }
        let ndvi = try #require(engine.jobs.first { $0.stage == .ndvi })
        #expect(ndvi.inputs.first?.output == "/out/cloudmask/\(id)/\(id).tif")
    }

    @Test("a block in flight whose images change is redone when it ends")
    func blockInFlightInputsChange() async throws {
        let r = ReconciliationTests()
        let graph = StageGraphTests.withBlocks
        var setup = ReconciliationTests.Setup(parameters: r.parameters(), listing: r.images(4))
        setup.graph = graph
        setup.fingerprints[.gapFill] = "fp-gap"
        let store = try r.newStore()
        try r.apply(try r.plan(setup, store: store), to: store)
        let block = TaskKey(.gapFill, "T33TVL")
        // The block runs under its current inputs' fingerprint.
        let inputs = try store.inputKeys(of: block)
        var submitting = Transition(key: block, from: .queued, to: .submitting)
        submitting.paramsHash = .set(StageFingerprint.blockDigest(stage: "fp-gap", inputs: inputs))
        var running = Transition(key: block, from: .submitting, to: .running)
        running.taskId = .set("t-block")
        try store.apply([Transition(key: block, from: .waiting, to: .queued), submitting, running])
        // Image 0 (tile 33TVL) excluded now: the block's image set shrinks while it runs.
        setup.parameters = r.parameters(exclude: [Fixtures.imageId(0)])
        try r.apply(try r.plan(setup, store: store), to: store)
        // The engine finishes the block it had: the scheduler sees it was made from other inputs.
        let scheduler = Scheduler(store: store, engine: InstantEngine(), settings: Fixtures.settings(graph: graph))
        let ref = try #require(try store.refs(in: [.running], stage: .gapFill).first)
        let status = EngineTaskStatus(id: "t-block", state: .succeeded, requestId: nil, description: "block", output: "/out/block")
        let transitions = await scheduler.follow(ref, to: status, why: nil)
        #expect(transitions.map(\.to) == [.completed, .waiting])
    }

    @Test("an outage on the only slot during a run: the unclear submission is the hold's probe, and the run drains without spinning")
    func unclearSubmissionIsTheProbe() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 1)
        let engine = ProbeEngine(inner: InstantEngine())
        engine.submitHook = { n, _ in if n == 0 { throw EngineError.unavailable(.unreachable, "outage (injected)", retryAfter: 0.2) } }
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 1, refresh: 2, unclear: 0.05))
        let started = Date()
        let last = try await withDeadline(30) { try await scheduler.run() }
        let elapsed = Date().timeIntervalSince(started)
        #expect(last.count(.completed) == 1)
        #expect(Double(engine.quotaCalls) / elapsed < 3, "\(engine.quotaCalls) quota reads in \(elapsed) s")
    }

    @Test("a queue-full hold while every slot is taken waits for the next poll instead of spinning")
    func holdWithSlotsFullDoesNotSpin() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let engine = ProbeEngine(inner: InstantEngine(finishes: false))
        engine.submitHook = { n, _ in if n == 1 { throw EngineError.unavailable(.queueFull, "outage (injected)", retryAfter: 0.2) } }
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 2, refresh: 2, unclear: 0.05, untilDrained: false))
        let calls = try await quotaReads(engine, running: scheduler, for: 4) { await scheduler.currentHold?.cause == .queueFull }
        #expect(calls < 10, "\(calls) quota reads in 4 s with refresh 2 s")
    }

    @Test("an unclear submission not sent again stays in flight: never QUEUED, so never cancelled as if the engine had nothing")
    func resendNotSentStaysUnclear() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 2)
        let inner = InstantEngine(finishes: false)
        let engine = ProbeEngine(inner: inner)
        engine.lostAnswers = [0, 1]
        engine.submitHook = { n, _ in if n == 2 { throw EngineError.unavailable(.unreachable, "outage (injected)", retryAfter: 0.2) } }
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 2, refresh: 30, unclear: 0.01))
        try await scheduler.cycle()
        #expect(try store.count(in: [.submitting]) == 2)
        #expect(try await Fixtures.eventually { try store.unclearSubmissions(now: Date(), limit: 5).count == 2 })
        try await scheduler.cycle()
        #expect(try store.refs(in: [.queued], stage: nil).isEmpty)
        #expect(try store.count(in: [.submitting]) == 2)
        try await scheduler.cancelAll()
        for n in 0..<2 { #expect(try state(store, n) == .cancelling, "task \(n)") }
    }

    @Test("a stale refusal of the engine's answers is settled by the engine's list: no task stays SUBMITTING")
    func staleAnswersAreSettled() async throws {
        let (base, _) = try Fixtures.queuedStore(count: 2)
        let store = FlakyStore(base, kind: .stale)
        store.failApplyWhen = { ts in ts.contains { $0.from == .submitting } }
        let inner = InstantEngine()
        let last = try await withDeadline(30) {
            try await Scheduler(store: store, engine: inner, settings: self.settings(max: 2, refresh: 0.05)).run()
        }
        #expect(last.count(.completed) == 2)
        #expect(inner.currentFigures.duplicateJobs == 0)
    }

    @Test("a promotion lost to store trouble is made when the store recovers; the run does not end early")
    func promotionLostToStoreTrouble() async throws {
        let (base, _) = try Fixtures.graphStore(count: 1, graph: .local)
        let store = FlakyStore(base, kind: .busy)
        store.failApplyWhen = { ts in ts.contains { $0.from == .waiting && $0.to == .queued } }
        let scheduler = Scheduler(store: store, engine: InstantEngine(),
                                  settings: Fixtures.settings(graph: .local, max: 2, refresh: 0.05))
        let last = try await withDeadline(30) { try await scheduler.run() }
        #expect(last.count(.completed) == 2)
    }
}
