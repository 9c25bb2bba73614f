import Foundation
import Logging

/// Runs the queue of one stage through an engine: keeps up to `nbTaskMax` tasks in flight,
/// polls them in one batched call per cycle, retries failures with backoff, and obeys pause,
/// resume and cancel. Every transition is written to the store before the engine call it
/// announces, so `reconcile()` can bring a store and an engine back into agreement after a crash.
///
/// Actor reentrancy: while an engine call is awaited, commands (pause, cancel) may run. So after
/// every await the scheduler reads the records again before deciding anything.
public actor Scheduler {
    let store: StatusStore
    let engine: Engine
    let settings: SchedulerSettings
    let logger: Logger
    let now: @Sendable () -> Date

    public nonisolated let events: AsyncStream<SchedulerEvent>
    let emitter: AsyncStream<SchedulerEvent>.Continuation

    var paused = false
    var stopRequested = false
    var wakePending = false
    var sleeper: CheckedContinuation<Void, Never>?
    var sleepTimer: Task<Void, Never>?
    /// Images whose cancel arrived while their submission was on its way to the engine.
    var cancelAfterSubmit: Set<String> = []

    public init(store: StatusStore, engine: Engine, settings: SchedulerSettings,
                logger: Logger = Logger(label: "verdant.scheduler"),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store; self.engine = engine; self.settings = settings
        self.logger = logger; self.now = now
        (events, emitter) = AsyncStream.makeStream(of: SchedulerEvent.self, bufferingPolicy: .bufferingNewest(4096))
    }

    // MARK: commands

    public var isPaused: Bool { paused }

    /// No new submissions; tasks in flight go on and are still polled.
    public func pause() {
        guard !paused else { return }
        paused = true
        logger.info("paused: no new submissions")
        emitter.yield(.paused)
    }

    public func resume() {
        guard paused else { return }
        paused = false
        logger.info("resumed")
        emitter.yield(.resumed)
        wake()
    }

    /// Ends `run()` after the current cycle; tasks in flight stay with the engine and are
    /// adopted by the next run's reconciliation.
    public func stop() {
        stopRequested = true
        wake()
    }

    /// Wakes the loop before its refresh period ends (engine change hints, commands).
    public func wake() {
        if let sleeper {
            self.sleeper = nil
            sleepTimer?.cancel()
            sleepTimer = nil
            sleeper.resume()
        } else {
            wakePending = true
        }
    }

    public func snapshot() throws -> SchedulerSnapshot {
        SchedulerSnapshot(counts: try store.counts(stage: settings.stage), paused: paused, at: now())
    }

    // MARK: the loop

    /// Reconciles, then cycles until drained (or until `stop()`), and returns the final counts.
    @discardableResult
    public func run() async throws -> SchedulerSnapshot {
        try await reconcile()
        let hints = engine.changes.map { stream in
            Task { [weak self] in
                for await _ in stream { await self?.wake() }
            }
        }
        let control = watchControlRequests()
        defer { hints?.cancel(); control?.cancel() }
        var lastSnapshot = Date.distantPast
        while !stopRequested && !Task.isCancelled {
            try await cycle()
            let drained = try isDrained()
            // Counting every state reads the whole table: at most a few times a second.
            if drained || now().timeIntervalSince(lastSnapshot) >= 0.25 {
                lastSnapshot = now()
                emitter.yield(.cycle(try snapshot()))
            }
            if stopRequested { break }
            if settings.untilDrained && drained { break }
            await nap(seconds: try secondsUntilNextCycle())
        }
        let last = try snapshot()
        emitter.yield(.finished(last))
        return last
    }

    /// One poll of everything in flight, then submissions into the free slots.
    public func cycle() async throws {
        try await handleControlRequests()
        try await pollInFlight()
        try await fillSlots()
    }

    /// Polls the tasks in flight without submitting anything (used by one-shot commands).
    public func pollOnce() async throws {
        try await pollInFlight()
    }

    /// Nothing queued and nothing in flight.
    func isDrained() throws -> Bool {
        // nextQueued walks the queue in order and stops at its limit; a query over QUEUED that
        // sorts (records(in:)) would read the whole queue every cycle.
        try inFlightCount() == 0
            && store.nextQueued(stage: settings.stage, limit: 1, now: .distantFuture).isEmpty
    }

    func inFlightCount() throws -> Int {
        try store.records(in: TaskState.inFlight, stage: settings.stage, limit: nil).count
    }

    func secondsUntilNextCycle() throws -> Double {
        var wait = settings.refresh
        if !paused, try inFlightCount() < settings.nbTaskMax, let retry = try store.nextRetryTime(stage: settings.stage) {
            wait = min(wait, max(0, retry.timeIntervalSince(now())))
        }
        return wait
    }

    func nap(seconds: Double) async {
        if wakePending || stopRequested {
            wakePending = false
            return
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            sleeper = c
            sleepTimer = Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
                if !Task.isCancelled { await self?.wake() }
            }
        }
        wakePending = false
    }

    /// Applies transitions in one store transaction and tells the watchers.
    @discardableResult
    func commit(_ transitions: [Transition]) throws -> [ImageRecord] {
        guard !transitions.isEmpty else { return [] }
        let records = try store.apply(transitions)
        for t in transitions {
            emitter.yield(.transition(imageId: t.imageId, from: t.from, to: t.to, detail: t.detail))
            // The log file gets every transition here; the events stream may drop old ones.
            logger.info("\(t.imageId): \(t.from.rawValue) -> \(t.to.rawValue)\(t.detail.map { " (\($0))" } ?? "")")
        }
        return records
    }

    func warn(_ message: String) {
        logger.warning("\(message)")
        emitter.yield(.warning(message))
    }
}
