import Foundation
import Logging

/// Runs the tasks of a stage graph through an engine: keeps up to `nbTaskMax` tasks of all
/// stages in flight, polls them in one batched call per cycle, promotes waiting tasks when
/// their inputs are final, retries failures with backoff, holds submission when the engine or
/// the machine cannot take work, and obeys pause, resume, cancel, retry and release. Every
/// transition is written to the store before the engine call it announces, so `reconcile()`
/// can bring a store and an engine back into agreement after a crash.
///
/// Actor reentrancy: while an engine call is awaited, commands (pause, cancel) may run. So after
/// every await the scheduler reads the records again before deciding anything.
public actor Scheduler {
    let store: StatusStore
    let engine: Engine
    let settings: SchedulerSettings
    let logger: Logger
    /// The one clock: every time the scheduler decides on or writes comes from here.
    let now: @Sendable () -> Date
    let hub = EventHub<SchedulerEvent>()

    var paused = false
    var stopRequested = false
    var wakePending = false
    var sleeper: CheckedContinuation<Void, Never>?
    var sleepTimer: Task<Void, Never>?
    /// Submission held for everyone (engine outage, machine error), with the next probe time.
    var hold: SubmissionHold?
    var holdProbes = 0
    /// The last cycle failed on the status store (the hold's cause); the next good one lifts it.
    var storeTrouble = false
    /// Tasks whose submission is on its way to the engine right now (from this process).
    var submittingNow: Set<TaskKey> = []
    /// Bumped by every command that moves tasks (cancel, retry, release): a batch read before
    /// an await is read again only when one ran meanwhile.
    var commandEpoch = 0
    /// Tasks an earlier run left in flight that the current parameters no longer want, with
    /// why: when they end without a result they leave the queue instead of being retried.
    var unwanted: [TaskKey: String] = [:]
    /// Set until the engine's task list has been read once after start (it may fail: an
    /// engine can be unreachable when a run starts).
    var engineReconciled = false
    var lastQuota: EngineQuota?
    /// Tasks in flight when `lastQuota` was read: those that left flight since may have written
    /// an asset the quota does not count yet.
    var inFlightAtQuota: Int?
    /// Tasks sent since `lastQuota` was read.
    var submittedSinceQuota = 0
    var lastPoll: Date?
    var nextPoll: Date?
    var runState: RunState?

    public init(store: StatusStore, engine: Engine, settings: SchedulerSettings,
                logger: Logger = Logger(label: "verdant.scheduler"),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store; self.engine = engine; self.settings = settings
        self.logger = logger; self.now = now
    }

    /// A stream of everything the scheduler does, for one watcher; any number may subscribe.
    public nonisolated func subscribe(bufferingNewest limit: Int = 4096) -> AsyncStream<SchedulerEvent> {
        hub.subscribe(bufferingNewest: limit)
    }

    // MARK: commands

    public var isPaused: Bool { paused }
    public var currentHold: SubmissionHold? { hold }

    /// No new submissions; tasks in flight go on and are still polled.
    public func pause() {
        guard !paused else { return }
        paused = true
        logger.info("paused: no new submissions")
        hub.publish(.paused)
        try? persistRunState()
    }

    public func resume() {
        guard paused else { return }
        paused = false
        logger.info("resumed")
        hub.publish(.resumed)
        try? persistRunState()
        wake()
    }

    /// Ends `run()` after the current step; tasks in flight stay with the engine and are
    /// adopted by the next run's reconciliation.
    public func stop() {
        stopRequested = true
        wake()
    }

    /// True while the loop waits for its next cycle (the dashboard shows it; tests wait for it).
    public var isWaitingForNextCycle: Bool { sleeper != nil }

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

    /// Tasks left in flight that the parameters no longer want (`ReconciliationPlan.unwantedInFlight`).
    public func setUnwanted(_ reasons: [TaskKey: String]) { unwanted = reasons }

    public func snapshot() throws -> SchedulerSnapshot {
        SchedulerSnapshot(counts: try store.counts(), paused: paused, hold: hold, at: now())
    }

    // MARK: the loop

    /// Reconciles, then cycles until drained (or until `stop()` or cancellation of the calling
    /// task), and returns the final counts. With `identity`, the run's state is kept in the
    /// store for other processes to watch.
    @discardableResult
    public func run(as identity: RunIdentity? = nil) async throws -> SchedulerSnapshot {
        if let identity { try startRunState(identity) }
        let hints = engine.changes.map { stream in
            Task { [weak self] in
                for await _ in stream { await self?.wake() }
            }
        }
        let control = watchControlRequests(heartbeat: identity != nil)
        // The watcher reads the store twice a second: it must have ended, not merely been asked
        // to, before run() returns and the caller closes the store.
        func stopWatchers() async {
            hints?.cancel()
            control?.cancel()
            await control?.value
        }
        var outcome = "stopped"
        do {
            try await reconcile()
            try promoteAllWaiting()
            var lastSnapshot = Date.distantPast
            while !stopRequested && !Task.isCancelled {
                try await cycleSurvivingStoreTrouble()
                let drained = try isDrained()
                // Counting every state reads the whole table: at most a few times a second.
                if drained || now().timeIntervalSince(lastSnapshot) >= 0.25 {
                    lastSnapshot = now()
                    hub.publish(.cycle(try snapshot()))
                }
                if stopRequested || Task.isCancelled { break }
                // Not while the store is in trouble: a refused promotion may hide work left.
                if settings.untilDrained && drained && !storeTrouble { outcome = "drained"; break }
                await nap(seconds: try secondsUntilNextCycle())
            }
        } catch {
            await stopWatchers()
            if identity != nil { try? endRunState(outcome: "error: \(error)") }
            hub.publish(.warning("run ended by an error: \(error)"))
            throw error
        }
        await stopWatchers()
        let last = try snapshot()
        if identity != nil { try endRunState(outcome: outcome) }
        hub.publish(.finished(last))
        return last
    }

    /// One poll of everything in flight, then submissions into the free slots.
    public func cycle() async throws {
        try await handleControlRequests()
        if !engineReconciled { try await reconcile() }
        await readQuotas()
        try await pollInFlight()
        try await resolveUnnamedCancels()
        try await fillSlots()
        try persistRunState()
    }

    /// A status store that cannot be written (disk full, read-only, locked for long) holds the
    /// run instead of ending it: every transition is written before its action, so nothing
    /// done meanwhile is lost, and the cycle is tried again after `refresh`.
    func cycleSurvivingStoreTrouble() async throws {
        do {
            try await cycle()
            if storeTrouble {
                storeTrouble = false
                // Promotions refused with the trouble are made now.
                try promoteAllWaiting()
                if hold?.cause == .machine && hold?.reason.hasPrefix(Self.storeHoldPrefix) == true { setHold(nil) }
            }
        } catch let error as StoreError where error.kind == .busy || error.kind == .unwritable {
            storeTrouble = true
            // Answers the engine gave may not have been written: the engine's list settles
            // them at the next good cycle (adopted, or sent again with their request ids).
            engineReconciled = false
            // An engine hold in force stays (only its probe lifts it); else the store holds.
            if hold == nil || hold?.reason.hasPrefix(Self.storeHoldPrefix) == true {
                setHold(SubmissionHold(cause: .machine, reason: "\(Self.storeHoldPrefix)\(error.description)",
                                       since: hold?.since ?? now(), nextProbe: now().addingTimeInterval(settings.refresh)))
            }
        } catch let error as StoreError where error.kind == .stale {
            // Another writer moved a task meanwhile (a command, a dashboard): nothing was
            // written by the refused batch; the next cycle reads afresh.
            warn("a step was refused by the store and is taken again next cycle: \(error)")
            // Answers the refused batch carried are settled by the engine's list.
            engineReconciled = false
        }
    }

    /// Polls the tasks in flight without submitting anything (used by one-shot commands).
    public func pollOnce() async throws {
        try await pollInFlight()
    }

    static let storeHoldPrefix = "status store: "

    /// Nothing of this graph's stages queued or in flight (index lookups, no rows read). Tasks
    /// of stages this verdant does not run (a newer one's) do not keep it going.
    func isDrained() throws -> Bool {
        try !store.hasTasks(in: TaskState.inFlight.union([.queued]), stages: settings.graph.stages)
    }

    func inFlightCount() throws -> Int {
        try store.count(in: TaskState.inFlight)
    }

    /// Until the next poll, or sooner when something falls due: a hold's probe, a retry, an
    /// unclear submission to send again, a cancel to settle. Never 0 for something that will
    /// not be acted on (paused, a storage hold), or the loop would spin.
    func secondsUntilNextCycle() throws -> Double {
        var wait = settings.refresh
        if !paused {
            if let hold {
                if hold.cause != .storage { wait = min(wait, max(0.05, hold.nextProbe.timeIntervalSince(now()))) }
            } else if let retry = try store.nextRetryTime(now: now()) {
                wait = min(wait, max(0, retry.timeIntervalSince(now())))
            }
        }
        // Cancels the engine has not named yet are settled by this loop, not by the poll.
        if try store.refs(in: [.cancelling], stage: nil).contains(where: { $0.taskId == nil }) {
            wait = min(wait, max(0.05, settings.unclearRetry))
        }
        nextPoll = now().addingTimeInterval(wait)
        return wait
    }

    /// Sleeps until woken, the time is up, or the calling task is cancelled.
    func nap(seconds: Double) async {
        if wakePending || stopRequested || Task.isCancelled {
            wakePending = false
            return
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                sleeper = c
                sleepTimer = Task { [weak self] in
                    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
                    if !Task.isCancelled { await self?.wake() }
                }
            }
        } onCancel: {
            Task { await self.wake() }
        }
        wakePending = false
    }

    /// Applies transitions in one store transaction, tells the watchers, and promotes the
    /// waiting tasks whose inputs the transitions made final.
    @discardableResult
    func commit(_ transitions: [Transition]) throws -> [TaskRecord] {
        guard !transitions.isEmpty else { return [] }
        let records = try store.apply(transitions, at: now())
        var settled: [TaskKey] = []
        for t in transitions {
            hub.publish(.transition(key: t.key, from: t.from, to: t.to, detail: t.detail))
            // The log file gets every transition here; an event stream may drop old ones.
            logger.info("\(t.key): \(t.from.rawValue) -> \(t.to.rawValue)\(t.detail.map { " (\($0))" } ?? "")")
            if t.to.isFinal { settled.append(t.key) }
        }
        if !settled.isEmpty { try promoteDependents(of: settled) }
        return records
    }

    func warn(_ message: String) {
        logger.warning("\(message)")
        hub.publish(.warning(message))
    }
}

/// Who runs: recorded in the store's run state so other processes can tell a live run from a
/// dead one and say where it is.
public struct RunIdentity: Sendable {
    public var pid: Int32
    public var host: String
    public var parametersPath: String?
    public init(pid: Int32, host: String, parametersPath: String?) {
        self.pid = pid; self.host = host; self.parametersPath = parametersPath
    }
}
