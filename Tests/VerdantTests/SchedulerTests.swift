import Foundation
import Testing
import VerdantCore
import VerdantStore

@Suite("Scheduler")
struct SchedulerTests {
    func settings(max: Int = 5, attempts: Int = 3, backoff: Double = 0.01) -> SchedulerSettings {
        SchedulerSettings(nbTaskMax: max, refresh: 0.01, maxAttempts: attempts, retryBackoff: backoff)
    }

    @Test("never more than nb_task_max in flight, one batched poll per cycle")
    func respectsNbTaskMax() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 40)
        let engine = InstantEngine(pollsToFinish: 3)
        let last = try await Scheduler(store: store, engine: engine, settings: settings(max: 5)).run()
        #expect(last.counts[.completed] == 40)
        let figures = engine.currentFigures
        #expect(figures.peakOpen <= 5)
        #expect(figures.peakOpen == 5)
        #expect(figures.distinctRequests == 40)
        // Batched: every poll carries several tasks, far fewer calls than task-polls.
        #expect(figures.pollBatches.allSatisfy { $0 <= 5 })
        #expect(figures.pollBatches.count < 40 * 3)
        #expect(figures.pollBatches.max() == 5)
    }

    @Test("pause stops submissions, running tasks go on; resume finishes the queue")
    func pauseAndResume() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 12)
        let engine = InstantEngine(pollsToFinish: 2)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 4))
        // One cycle submits 4; then pause: they complete, nothing new is submitted.
        try await scheduler.cycle()
        await scheduler.pause()
        for _ in 0..<4 { try await scheduler.cycle() }
        #expect(engine.currentFigures.submissions == 4)
        let paused = try await scheduler.snapshot()
        #expect(paused.counts[.completed] == 4)
        #expect(paused.counts[.queued] == 8)
        #expect(paused.paused)
        await scheduler.resume()
        let last = try await scheduler.run()
        #expect(last.counts[.completed] == 12)
    }

    @Test("cancel all: queued at once, in flight through the engine")
    func cancelAll() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 10)
        let engine = InstantEngine(finishes: false)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 3))
        try await scheduler.cycle()
        #expect(try store.counts(stage: nil)[.ready] == 3)
        let affected = try await scheduler.cancelAll()
        #expect(affected == 10)
        let last = try await scheduler.run()
        #expect(last.counts[.cancelled] == 10)
        #expect(last.drained)
        // run() reconciles first and asks again for the tasks still CANCELLING: harmless, by design.
        #expect(engine.currentFigures.cancelCalls >= 1)
        #expect(engine.currentFigures.submissions == 3)
    }

    @Test("cancel one image in flight")
    func cancelOne() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let engine = InstantEngine(finishes: false)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 3))
        try await scheduler.cycle()
        try await scheduler.cancel(imageIds: [Fixtures.imageId(1)])
        #expect(try store.record(id: Fixtures.imageId(1), stage: .cloudMask)?.state == .cancelling)
        try await scheduler.pollOnce()
        #expect(try store.record(id: Fixtures.imageId(1), stage: .cloudMask)?.state == .cancelled)
        #expect(try store.record(id: Fixtures.imageId(0), stage: .cloudMask)?.state == .running)
    }

    @Test("failures are retried with backoff until max_attempts")
    func retriesWithBackoff() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let flaky = Fixtures.imageId(0), doomed = Fixtures.imageId(1)
        let engine = InstantEngine(failures: [flaky: 2, doomed: 5])
        let backoff = 0.05
        let last = try await Scheduler(store: store, engine: engine,
                                       settings: settings(max: 3, attempts: 3, backoff: backoff)).run()
        #expect(last.counts[.completed] == 2)
        #expect(last.counts[.failed] == 1)
        let ok = try #require(try store.record(id: flaky, stage: .cloudMask))
        #expect(ok.state == .completed && ok.attempts == 3)
        let bad = try #require(try store.record(id: doomed, stage: .cloudMask))
        #expect(bad.state == .failed && bad.attempts == 3)
        #expect(bad.error?.contains("planned failure") == true)
        // Each retry waited at least its backoff (0.05 s, then 0.1 s) before resubmitting.
        let journal = try store.journal(limit: 1000, imageId: flaky).reversed()
        let requeues = journal.filter { $0.from == .failed && $0.to == .queued }
        let submits = journal.filter { $0.to == .submitting }
        #expect(requeues.count == 2 && submits.count == 3)
        for (n, requeue) in requeues.enumerated() {
            let wait = submits[n + 1].at.timeIntervalSince(requeue.at)
            #expect(wait >= backoff * pow(2, Double(n)) * 0.9)
        }
        // Every attempt had its own request id.
        #expect(engine.currentFigures.distinctRequests == 1 + 3 + 3)
    }

    @Test("reconciliation after a crash adopts what the engine knows and requeues the rest, never twice")
    func reconcilesAfterCrash() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 4)
        let engine = InstantEngine(pollsToFinish: 1)
        let ids = (0..<4).map(Fixtures.imageId)
        // Simulate a process that died at four different moments.
        func intent(_ n: Int) throws -> String {
            let rid = RequestID.make(imageId: ids[n], stage: .cloudMask, attempt: 1)
            var t = Transition(imageId: ids[n], from: .queued, to: .submitting)
            t.requestId = .set(rid); t.attempts = 1
            try store.apply(t)
            return rid
        }
        // 0: SUBMITTING, and the engine did receive it (crash before READY was written).
        let r0 = try intent(0)
        _ = try await engine.submit(Job(imageId: ids[0], stage: .cloudMask, source: ""), requestId: r0)
        // 1: SUBMITTING, the engine never got it.
        let r1 = try intent(1)
        // 2: RUNNING with a task the engine knows.
        let r2 = try intent(2)
        let t2 = try await engine.submit(Job(imageId: ids[2], stage: .cloudMask, source: ""), requestId: r2)
        var ready2 = Transition(imageId: ids[2], from: .submitting, to: .ready); ready2.taskId = .set(t2)
        try store.apply(ready2)
        // 3: READY with a task id the engine does not know (e.g. an engine restarted empty).
        _ = try intent(3)
        var ready3 = Transition(imageId: ids[3], from: .submitting, to: .ready); ready3.taskId = .set("lost-task")
        try store.apply(ready3)

        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 4))
        try await scheduler.reconcile()
        let after = try ids.map { try #require(try store.record(id: $0, stage: .cloudMask)) }
        #expect(after[0].state == .ready && after[0].taskId == engine.status(ofRequest: r0)?.id)
        #expect(after[1].state == .queued && after[1].requestId == r1)
        #expect(after[2].state == .ready && after[2].taskId == t2)
        #expect(after[3].state == .queued && after[3].taskId == nil)

        let last = try await scheduler.run()
        #expect(last.counts[.completed] == 4)
        // One engine task per image: the resubmissions reused their request ids.
        #expect(engine.currentFigures.distinctRequests == 4)
        for id in ids {
            let completions = try store.journal(limit: 100, imageId: id).filter { $0.to == .completed }
            #expect(completions.count == 1)
        }
    }

    @Test("an id given twice is cancelled once, without refusing the batch")
    func duplicateCancelIds() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let scheduler = Scheduler(store: store, engine: InstantEngine(), settings: settings(max: 1))
        let a = Fixtures.imageId(2), b = Fixtures.imageId(1)
        #expect(try await scheduler.cancel(imageIds: [a, b, a]) == 2)
        #expect(try store.record(id: a, stage: .cloudMask)?.state == .cancelled)
        #expect(try store.record(id: b, stage: .cloudMask)?.state == .cancelled)
    }

    @Test("a task cancelled in flight that the engine then reports FAILED is not retried")
    func cancelledThenFailedIsNotRetried() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 1)
        let id = Fixtures.imageId(0)
        let engine = InstantEngine(pollsToFinish: 2, failures: [id: 5])
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 1, attempts: 3))
        try await scheduler.cycle()
        try await scheduler.pollOnce()  // RUNNING
        // The engine fails it on the next poll although a cancel was asked for.
        var t = Transition(imageId: id, from: .running, to: .cancelling, detail: "test")
        t.detail = "cancel requested"
        try store.apply(t)
        try await scheduler.pollOnce()
        let record = try #require(try store.record(id: id, stage: .cloudMask))
        #expect(record.state == .failed)
        #expect(engine.currentFigures.submissions == 1)
    }

    @Test("a cancel that arrives during a submission the engine refuses ends CANCELLED, not requeued")
    func cancelDuringFailedSubmission() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 1)
        let engine = SlowFailingSubmitEngine()
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 1))
        async let cycle: Void = scheduler.cycle()
        while try store.record(id: Fixtures.imageId(0), stage: .cloudMask)?.state != .submitting {
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        #expect(try await scheduler.cancel(imageIds: [Fixtures.imageId(0)]) == 1)
        try await cycle
        #expect(try store.record(id: Fixtures.imageId(0), stage: .cloudMask)?.state == .cancelled)
    }

    @Test("a transient submission error requeues with the same request id")
    func transientSubmitError() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 1)
        let engine = FlakySubmitEngine(inner: InstantEngine(), failingSubmissions: 2)
        let last = try await Scheduler(store: store, engine: engine, settings: settings(max: 1)).run()
        #expect(last.counts[.completed] == 1)
        #expect(engine.requestIds.count == 3)
        #expect(Set(engine.requestIds).count == 1)
    }
}

/// Refuses the first submissions as unavailable, then passes through: the shape of an HTTP 503.
final class FlakySubmitEngine: Engine, @unchecked Sendable {
    let inner: InstantEngine
    var failuresLeft: Int
    var requestIds: [String] = []
    let name = "flaky"
    init(inner: InstantEngine, failingSubmissions: Int) { self.inner = inner; failuresLeft = failingSubmissions }
    func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        requestIds.append(requestId)
        if failuresLeft > 0 { failuresLeft -= 1; throw EngineError.transient("503 Service Unavailable") }
        return try await inner.submit(job, requestId: requestId)
    }
    func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage { try await inner.list(pageToken: pageToken, pageSize: pageSize) }
    func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] { try await inner.poll(ids) }
    func cancel(_ ids: [EngineTaskID]) async throws { try await inner.cancel(ids) }
    func quotas() async throws -> EngineQuota { try await inner.quotas() }
}

/// Answers every submission after 50 ms with a transient error.
final class SlowFailingSubmitEngine: Engine, @unchecked Sendable {
    let inner = InstantEngine()
    let name = "slow-failing"
    func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        try await Task.sleep(nanoseconds: 50_000_000)
        throw EngineError.transient("503 Service Unavailable")
    }
    func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage { try await inner.list(pageToken: pageToken, pageSize: pageSize) }
    func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] { try await inner.poll(ids) }
    func cancel(_ ids: [EngineTaskID]) async throws { try await inner.cancel(ids) }
    func quotas() async throws -> EngineQuota { try await inner.quotas() }
}
