import Foundation
import Testing
import VerdantCore
import VerdantStore
import VerdantTesting

@Suite("Scheduler")
struct SchedulerTests {
    func settings(max: Int = 5, attempts: Int = 3, backoff: Double = 0.01) -> SchedulerSettings {
        Fixtures.settings(graph: Fixtures.masksOnly, max: max, attempts: attempts, backoff: backoff)
    }

    @Test("never more than nb_task_max in flight, one batched poll per cycle")
    func respectsNbTaskMax() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 40)
        let engine = InstantEngine(pollsToFinish: 3)
        let last = try await withDeadline(60) { try await Scheduler(store: store, engine: engine, settings: settings(max: 5)).run() }
        #expect(last.count(.completed) == 40)
        let figures = engine.currentFigures
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
        #expect(paused.count(.completed) == 4)
        #expect(paused.count(.queued) == 8)
        #expect(paused.paused)
        await scheduler.resume()
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed) == 12)
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
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.cancelled) == 10)
        #expect(last.drained)
        #expect(engine.currentFigures.cancelCalls >= 1)
        #expect(engine.currentFigures.submissions == 3)
    }

    @Test("cancel one task in flight")
    func cancelOne() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let engine = InstantEngine(finishes: false)
        let scheduler = Scheduler(store: store, engine: engine, settings: settings(max: 3))
        try await scheduler.cycle()
        try await scheduler.cancel(targets: [Fixtures.imageId(1)])
        #expect(try store.record(id: Fixtures.imageId(1), stage: .cloudMask)?.state == .cancelling)
        try await scheduler.pollOnce()
        #expect(try store.record(id: Fixtures.imageId(1), stage: .cloudMask)?.state == .cancelled)
        #expect(try store.record(id: Fixtures.imageId(0), stage: .cloudMask)?.state == .running)
    }

    @Test("failures are retried with backoff until max_attempts, each attempt with a new request id")
    func retriesWithBackoff() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let flaky = Fixtures.imageId(0), doomed = Fixtures.imageId(1)
        let engine = InstantEngine(failures: [flaky: 2, doomed: 5])
        let backoff = 0.05
        let last = try await withDeadline(60) {
            try await Scheduler(store: store, engine: engine, settings: settings(max: 3, attempts: 3, backoff: backoff)).run()
        }
        #expect(last.count(.completed) == 2)
        #expect(last.count(.failed) == 1)
        let ok = try #require(try store.record(id: flaky, stage: .cloudMask))
        #expect(ok.state == .completed && ok.attempts == 3)
        let bad = try #require(try store.record(id: doomed, stage: .cloudMask))
        #expect(bad.state == .failed && bad.attempts == 3)
        #expect(bad.error?.contains("planned retryable failure") == true)
        // Each retry waited at least its backoff (0.05 s, then 0.1 s) before resubmitting.
        let journal = try store.journal(limit: 1000, imageId: flaky).reversed()
        let requeues = journal.filter { $0.from == .failed && $0.to == .queued }
        let submits = journal.filter { $0.to == .submitting }
        #expect(requeues.count == 2 && submits.count == 3)
        for (n, requeue) in requeues.enumerated() {
            let wait = submits[n + 1].at.timeIntervalSince(requeue.at)
            #expect(wait >= backoff * pow(2, Double(n)) * 0.9)
        }
        #expect(engine.currentFigures.distinctRequests == 1 + 3 + 3)
    }

    @Test("reconciliation after a crash adopts what the engine knows and requeues the rest, never twice")
    func reconcilesAfterCrash() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 4)
        let engine = InstantEngine(pollsToFinish: 1)
        let ids = (0..<4).map(Fixtures.imageId)
        // Simulate a process that died at four different moments.
        func intent(_ n: Int) throws -> String {
            let rid = RequestID.make(TaskKey(.cloudMask, ids[n]), submission: 1, salt: "")
            var t = Transition(imageId: ids[n], from: .queued, to: .submitting)
            t.requestId = .set(rid); t.attempts = 1; t.submissions = 1; t.paramsHash = .set("")
            try store.apply(t)
            return rid
        }
        // 0: SUBMITTING, and the engine did receive it (crash before READY was written).
        let r0 = try intent(0)
        _ = try await engine.submit(Job(id: ids[0], stage: .cloudMask, source: ""), requestId: r0)
        // 1: SUBMITTING, the engine never got it.
        let r1 = try intent(1)
        // 2: RUNNING with a task the engine knows.
        let r2 = try intent(2)
        let t2 = try await engine.submit(Job(id: ids[2], stage: .cloudMask, source: ""), requestId: r2)
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
        // A run that died did not fail them: no attempt is counted for the requeue.
        #expect(after[1].attempts == 1 && after[3].attempts == 1)

        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed) == 4)
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
        #expect(try await scheduler.cancel(targets: [a, b, a, "cloudmask/\(a)"]) == 2)
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
        try store.apply(Transition(imageId: id, from: .running, to: .cancelling, detail: "cancel requested"))
        try await scheduler.pollOnce()
        let record = try #require(try store.record(id: id, stage: .cloudMask))
        #expect(record.state == .failed)
        #expect(engine.currentFigures.submissions == 1)
    }

    @Test("events reach every subscriber, each event naming its task's stage")
    func eventsFanOut() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 3)
        let scheduler = Scheduler(store: store, engine: InstantEngine(), settings: settings(max: 3))
        let streams = (0..<3).map { _ in scheduler.subscribe() }
        let collectors = streams.map { stream in
            Task { () -> [SchedulerEvent] in
                var seen: [SchedulerEvent] = []
                for await event in stream {
                    seen.append(event)
                    if case .finished = event { break }
                }
                return seen
            }
        }
        _ = try await withDeadline(60) { try await scheduler.run() }
        for collector in collectors {
            let events = try await withDeadline(20) { await collector.value }
            let completions = events.compactMap { event -> TaskKey? in
                if case .transition(let key, _, .completed, _) = event { return key }
                return nil
            }
            #expect(completions.count == 3)
            #expect(completions.allSatisfy { $0.stage == .cloudMask })
        }
    }

    @Test("the journal can be tailed after a sequence number, oldest first")
    func journalTail() async throws {
        let (store, _) = try Fixtures.queuedStore(count: 2)
        let mark = try #require(try store.journal(limit: 1, imageId: nil).first?.seq)
        _ = try await withDeadline(60) { try await Scheduler(store: store, engine: InstantEngine(), settings: settings(max: 2)).run() }
        let tail = try store.journal(after: mark, limit: 1000)
        #expect(!tail.isEmpty)
        #expect(tail.allSatisfy { $0.seq > mark })
        #expect(tail.map(\.seq) == tail.map(\.seq).sorted())
        #expect(tail.filter { $0.to == .completed }.count == 2)
        let rest = try store.journal(after: tail[2].seq, limit: 1000)
        #expect(rest.count == tail.count - 3)
    }
}
