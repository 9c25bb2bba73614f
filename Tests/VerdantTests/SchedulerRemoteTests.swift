import Foundation
import Testing
import VerdantCore
import VerdantStore
import VerdantTesting

/// What a real remote engine does to a scheduler: outages, unclear answers, lost tasks,
/// failing cancels, queue limits, slow calls. Each test fails on the foundation's scheduler.
@Suite("Scheduler against a remote engine")
struct SchedulerRemoteTests {
    func settings(max: Int = 5, attempts: Int = 3, refresh: Double = 0.01, untilDrained: Bool = true) -> SchedulerSettings {
        Fixtures.settings(graph: Fixtures.masksOnly, max: max, attempts: attempts, refresh: refresh, untilDrained: untilDrained)
    }

    func state(_ store: SQLiteStatusStore, _ n: Int) throws -> TaskRecord {
        try #require(try store.record(id: Fixtures.imageId(n), stage: .cloudMask))
    }

    @Test("an engine-wide outage holds submission for every task with the reason; a probe lifts it; nothing fails")
    func outageHoldsSubmission() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 10)
        let engine = InstantEngine()
        engine.startOutage(.authentication, "401 UNAUTHENTICATED: Request had invalid authentication credentials")
        // refresh 2 s: the hold's first probe is not due within this first cycle.
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 5, refresh: 2))
        try await scheduler.cycle()
        let hold = try #require(await scheduler.currentHold)
        #expect(hold.cause == .authentication && hold.reason.contains("401"))
        #expect(try store.counts(stage: nil)[.failed, default: 0] == 0)
        #expect(try store.counts(stage: nil)[.queued] == 10)
        // Held: further cycles send nothing until the probe time.
        let tries = engine.currentFigures.submissions
        try await scheduler.cycle()
        #expect(engine.currentFigures.submissions == tries)
        engine.endOutage()
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed) == 10)
        #expect(await scheduler.currentHold == nil)
        // No request was lost or doubled by the outage.
        #expect(engine.currentFigures.distinctRequests == 10)
    }

    @Test("a hold is visible to other processes in the store's run state")
    func holdInRunState() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let engine = InstantEngine()
        engine.startOutage(.queueFull, "Too many tasks already in the queue (3000). Please wait for some of them to complete.")
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 3, refresh: 0.05, untilDrained: false))
        let run = Task { try await scheduler.run(as: RunIdentity(pid: 4242, host: "test-host", parametersPath: "/p.toml")) }
        #expect(try await Fixtures.eventually { try store.runState()?.hold?.cause == .queueFull })
        let state = try #require(try store.runState())
        #expect(state.active && state.pid == 4242 && state.host == "test-host")
        #expect(state.hold?.reason.contains("Too many tasks") == true)
        #expect(state.liveness(now: Date(), lockHeld: nil) == .running)
        run.cancel()
        _ = try? await withDeadline(20) { try await run.value }
        let ended = try #require(try store.runState())
        #expect(!ended.active && ended.endedAt != nil)
    }

    @Test("a run that died is recognised: stale heartbeat, or its lock no longer held")
    func deadRunRecognised() {
        let beat = Date(timeIntervalSince1970: 1_000_000)
        let state = RunState(active: true, pid: 1, host: "h", startedAt: beat, heartbeat: beat, engine: "local",
                             parametersPath: nil, nbTaskMax: 30, refresh: 30)
        #expect(state.liveness(now: beat.addingTimeInterval(5), lockHeld: nil) == .running)
        #expect(state.liveness(now: beat.addingTimeInterval(RunState.deadAfter + 1), lockHeld: nil) == .dead(lastHeartbeat: beat))
        #expect(state.liveness(now: beat.addingTimeInterval(1), lockHeld: false) == .dead(lastHeartbeat: beat))
        var ended = state
        ended.active = false
        #expect(ended.liveness(now: beat, lockHeld: false) == .ended(nil))
    }

    @Test("a transient error's retry-after is honoured before the same request is sent again")
    func retryAfterHonoured() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 1)
        let engine = ScriptedEngine(inner: InstantEngine())
        engine.script = [.transient(retryAfter: 0.4)]
        let last = try await withDeadline(60) { try await Scheduler(store: store, engine: engine, settings: self.settings(max: 1)).run() }
        #expect(last.count(.completed) == 1)
        // Sent twice, the second time after the retry-after, with the same request id; the task
        // stayed SUBMITTING in between (the engine may have had it).
        let sent = engine.sentAt
        #expect(sent.count == 2)
        #expect(sent[1].timeIntervalSince(sent[0]) >= 0.39)
        #expect(Set(engine.requestIds).count == 1)
        let journal = try store.journal(limit: 100, imageId: Fixtures.imageId(0)).reversed().map(\.to)
        #expect(!journal.contains(.queued) || journal.firstIndex(of: .queued) == 0, "\(journal)")
        #expect(journal.filter { $0 == .submitting }.count == 1, "\(journal)")
    }

    @Test("a submission whose answer was lost keeps its request id: the engine answers \"already have it\", nothing runs twice")
    func lostAnswerKeepsRequestId() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let inner = InstantEngine()
        let engine = ScriptedEngine(inner: inner)
        // The engine starts the task, then the connection drops before the answer arrives;
        // then a plain error that is not a refusal.
        engine.script = [.acceptThenLoseAnswer, .otherError]
        let last = try await withDeadline(60) { try await Scheduler(store: store, engine: engine, settings: self.settings(max: 1)).run() }
        #expect(last.count(.completed) == 3)
        #expect(inner.currentFigures.distinctRequests == 3)
        #expect(inner.currentFigures.repeatedRequests == 1)
        let first = try state(store, 0)
        #expect(first.attempts == 1 && first.submissions == 1)
    }

    @Test("a cancel during a submission with an unclear outcome stays CANCELLING until the engine's task is cancelled for real")
    func cancelDuringUnclearSubmission() async throws {
        for listsRequests in [true, false] {
            let (store, _) = try Fixtures.queuedStore(count: 1)
            let inner = InstantEngine(finishes: false)
            // A submission of a second: the test must see it SUBMITTING and cancel meanwhile, on a
            // machine the rest of the suite keeps busy (0.1 s was missed there).
            let engine = ScriptedEngine(inner: inner, delay: 1, reportsRequestIds: listsRequests)
            engine.script = [.acceptThenLoseAnswer]
            let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 1))
            async let cycle: Void = scheduler.cycle()
            #expect(try await Fixtures.eventually { try self.state(store, 0).state == .submitting })
            #expect(try await scheduler.cancel(targets: [Fixtures.imageId(0)]) == 1)
            try await cycle
            // The engine may be running it: not CANCELLED yet.
            #expect(try state(store, 0).state == .cancelling, "reportsRequestIds \(listsRequests)")
            #expect(inner.openTasks(of: Fixtures.imageId(0)) == 1)
            let last = try await withDeadline(60) { try await scheduler.run() }
            #expect(last.count(.cancelled) == 1)
            #expect(inner.openTasks(of: Fixtures.imageId(0)) == 0, "the engine's task was left running")
        }
    }

    @Test("a cancel the engine clearly refused during submission ends CANCELLED at once")
    func cancelDuringRefusedSubmission() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 1)
        let engine = ScriptedEngine(inner: InstantEngine(), delay: 1)  // long enough to be seen SUBMITTING under load
        engine.script = [.reject]
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 1))
        async let cycle: Void = scheduler.cycle()
        #expect(try await Fixtures.eventually { try self.state(store, 0).state == .submitting })
        #expect(try await scheduler.cancel(targets: [Fixtures.imageId(0)]) == 1)
        try await cycle
        #expect(try state(store, 0).state == .cancelled)
    }

    @Test("a cancel call that fails stays CANCELLING and is asked again until the engine ends the task")
    func failedCancelIsRetried() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 2)
        let engine = InstantEngine(finishes: false)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 2))
        try await scheduler.cycle()
        try await scheduler.pollOnce()
        engine.failCancels(2)
        try await scheduler.cancel(targets: [Fixtures.imageId(0)])
        try await scheduler.pollOnce()
        #expect(try state(store, 0).state == .cancelling)
        for _ in 0..<6 where try state(store, 0).state != .cancelled { try await scheduler.cycle() }
        #expect(try state(store, 0).state == .cancelled)
        #expect(engine.currentFigures.cancelCalls >= 3)
        #expect(engine.openTasks(of: Fixtures.imageId(0)) == 0)
    }

    @Test("a task the engine keeps losing counts attempts and ends FAILED instead of looping")
    func keepsLosingEndsFailed() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 2)
        let engine = InstantEngine(pollsToFinish: 2)
        engine.keepLosing(Fixtures.imageId(0))
        let last = try await withDeadline(60) { try await Scheduler(store: store, engine: engine, settings: self.settings(max: 2, attempts: 3)).run() }
        let lost = try state(store, 0)
        #expect(lost.state == .failed && lost.attempts == 3)
        #expect(lost.error?.contains("lost by the engine") == true)
        #expect(last.count(.completed) == 1)
    }

    @Test("run() ends at once when its task is cancelled, even in the middle of a long wait for the next poll")
    func cancelledDuringNap() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 2)
        let engine = InstantEngine(finishes: false)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 2, refresh: 3600))
        let run = Task { try await scheduler.run() }
        #expect(try await Fixtures.eventually { try store.count(in: TaskState.inFlight) == 2 })
        // Into its hour-long nap.
        #expect(await Fixtures.eventually { await scheduler.isWaitingForNextCycle })
        run.cancel()
        // Well under the hour: the deadline fails the test instead of hanging it.
        _ = try await withDeadline(20) { try await run.value }
    }

    @Test("submissions go out concurrently, never more at once than the engine allows")
    func boundedConcurrentSubmissions() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 64)
        let engine = InstantEngine(finishes: false, latency: 0.02, submissionConcurrency: 8)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 64))
        try await scheduler.cycle()
        #expect(try store.counts(stage: nil)[.ready, default: 0] == 64)
        #expect(engine.currentFigures.peakConcurrentSubmits == 8)
    }

    @Test("admission control: never beyond the engine's queue limit, which counts other processes' tasks")
    func respectsEngineQueueLimit() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 20)
        let engine = InstantEngine(pollsToFinish: 2)
        engine.limitQueue(to: 10, others: 7)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 30))
        try await scheduler.cycle()
        #expect(engine.currentFigures.distinctRequests == 3)
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed) == 20)
        #expect(engine.currentFigures.peakOpen <= 3)
        #expect(await scheduler.currentHold == nil)
    }

    @Test("a used-up storage quota holds submission with the reason")
    func storageQuotaHolds() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 2)
        let engine = InstantEngine()
        engine.setStorage(used: 10_000, limit: 10_000)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 2))
        try await scheduler.cycle()
        #expect(await scheduler.currentHold?.cause == .storage)
        #expect(engine.currentFigures.submissions == 0)
        engine.setStorage(used: 10, limit: 10_000)
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed) == 2)
    }

    @Test("a machine failure (disk full) holds submission and is not counted as an attempt")
    func machineFailureHolds() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 4)
        let engine = InstantEngine()
        engine.fail(Fixtures.imageId(0), times: 1, kind: .machine)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 1, attempts: 1))
        let events = scheduler.subscribe()
        let holds = Task { () -> [SubmissionHold] in
            var seen: [SubmissionHold] = []
            for await event in events {
                if case .hold(let hold?) = event { seen.append(hold) }
                if case .finished = event { break }
            }
            return seen
        }
        let last = try await withDeadline(60) { try await scheduler.run() }
        // max_attempts = 1: had the machine error counted, the image would be FAILED.
        #expect(last.count(.completed) == 4)
        #expect(try state(store, 0).attempts == 1)
        let seen = try await withDeadline(20) { await holds.value }
        #expect(seen.first?.cause == .machine && seen.first?.reason.contains("machine") == true)
    }

    @Test("a permanent failure (missing file) fails at once, without retries")
    func permanentFailureNotRetried() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 2)
        let engine = InstantEngine()
        engine.fail(Fixtures.imageId(1), times: 5, kind: .permanent)
        let last = try await withDeadline(60) { try await Scheduler(store: store, engine: engine, settings: self.settings(max: 2, attempts: 3)).run() }
        #expect(last.count(.failed) == 1)
        let failed = try state(store, 1)
        #expect(failed.attempts == 1)
        #expect(engine.currentFigures.distinctRequests == 2)
    }
}

/// An engine in front of an InstantEngine that answers the first submissions as scripted: the
/// shapes of a remote engine's trouble (HTTP 429 with Retry-After, a connection reset after
/// the job was accepted, a 400, a plain error).
final class ScriptedEngine: Engine, @unchecked Sendable {
    enum Step { case transient(retryAfter: Double?), acceptThenLoseAnswer, reject, otherError }
    let inner: InstantEngine
    let delay: Double
    let reportsRequestIds: Bool
    let name = "scripted"
    private let lock = NSLock()
    private var _script: [Step] = []
    private var _requestIds: [String] = []
    private var _sentAt: [Date] = []
    var sentAt: [Date] { lock.lock(); defer { lock.unlock() }; return _sentAt }
    var script: [Step] {
        get { lock.lock(); defer { lock.unlock() }; return _script }
        set { lock.lock(); _script = newValue; lock.unlock() }
    }
    var requestIds: [String] { lock.lock(); defer { lock.unlock() }; return _requestIds }

    init(inner: InstantEngine, delay: Double = 0, reportsRequestIds: Bool = true) {
        self.inner = inner; self.delay = delay; self.reportsRequestIds = reportsRequestIds
    }

    struct PlainError: Error, CustomStringConvertible { var description: String { "socket closed" } }

    func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        let step: Step? = {
            lock.lock(); defer { lock.unlock() }
            _requestIds.append(requestId)
            _sentAt.append(Date())
            return _script.isEmpty ? nil : _script.removeFirst()
        }()
        if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
        switch step {
        case .transient(let after): throw EngineError.transient("429 RESOURCE_EXHAUSTED", retryAfter: after)
        case .acceptThenLoseAnswer:
            _ = try await inner.submit(job, requestId: requestId)
            throw EngineError.transient("connection reset by peer")
        case .reject: throw EngineError.rejected("400 INVALID_ARGUMENT: bad asset")
        case .otherError: throw PlainError()
        case nil: return try await inner.submit(job, requestId: requestId)
        }
    }
    func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage {
        let page = try await inner.list(pageToken: pageToken, pageSize: pageSize)
        guard !reportsRequestIds else { return page }
        // Like Earth Engine's operations list: no request ids.
        return EngineTaskPage(tasks: page.tasks.map { var s = $0; s.requestId = nil; return s }, nextPageToken: page.nextPageToken)
    }
    func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] { try await inner.poll(ids) }
    func cancel(_ ids: [EngineTaskID]) async throws { try await inner.cancel(ids) }
    func quotas() async throws -> EngineQuota { try await inner.quotas() }
    func shutdown() async {}
}
