import ArgumentParser
import Foundation
import Logging
import VerdantCore
import VerdantLocal
import VerdantLogging
import VerdantStore

/// What `verdant run` and `verdant demo` share: lock, logs, reconciliation with the parameters,
/// scheduler, progress, signals. Returns how the run ended.
struct RunSession {
    let workspace: Workspace
    var verbose = false
    /// The store's lock when the caller took it already (demo empties its folder under it).
    var lock: RunLock? = nil

    struct Outcome {
        var snapshot: SchedulerSnapshot
        /// The signal that stopped the run, if one did.
        var signal: Int32?

        /// 130/143 when a signal stopped it with work left, 1 when tasks failed or wait on
        /// failed inputs, else 0.
        var status: ExitStatus {
            if let signal, !snapshot.drained { return signal == SIGTERM ? .terminated : .interrupted }
            if snapshot.count(.failed) > 0 || snapshot.waiting > 0 { return .tasksFailedOrBusy }
            return .done
        }
    }

    static func acquireLock(_ workspace: Workspace) throws -> RunLock {
        guard let lock = try Failure.guarded({ try RunLock(storePath: workspace.storePath) }) else {
            Failure.printError("another verdant run (pid \(RunLock.holder(storePath: workspace.storePath))) is using \(workspace.storePath); use `verdant status` or `verdant cancel` meanwhile")
            throw ExitStatus.tasksFailedOrBusy.exitCode
        }
        return lock
    }

    func execute() async throws -> Outcome {
        let lock = try self.lock ?? Self.acquireLock(workspace)
        defer { withExtendedLifetime(lock) {} }
        let onTerminal = isatty(STDERR_FILENO) == 1
        try Failure.guarded { try LogSetup.bootstrap(logFile: workspace.logPath, quietStderr: onTerminal, verbose: verbose) }
        // Started by a dashboard: stderr is the log file already, every line would be there twice.
        if ProcessInfo.processInfo.environment[DetachedRun.environmentFlag] != nil { LogSetup.stderrGate.silence() }
        let logger = Logger(label: "verdant.run")

        let store = try Failure.guarded { try workspace.openStore() }
        // Requests left for a run that had ended (or died) before taking them are not this
        // run's: a stale pause or cancel-all must not act days later.
        for stale in try store.takeControlRequests() {
            logger.warning("ignored control request \(stale.seq) (\(stale.command.rawValue), sent \(stale.at)) left by no active run")
        }
        let fingerprints = try Failure.guarded { try workspace.fingerprints() }
        // Every job would fail on it: the machine's problem, said at once (exit 3) rather than
        // held for a run that could never write anything.
        if let problem = workspace.outputProblem() { try Failure.guarded { throw MachineError(problem) } }
        let engine = try Failure.guarded { try workspace.makeEngine() }
        let scheduler = Scheduler(store: store, engine: engine, settings: workspace.schedulerSettings(fingerprints: fingerprints),
                                  logger: Logger(label: "verdant.scheduler"))
        // The engine first: tasks an earlier run left in flight are adopted or requeued, so the
        // parameters then decide about every task that is not running.
        try await Failure.guarded { try await scheduler.reconcile() }
        let unwanted = try await Failure.guarded { try await followParameters(store, fingerprints: fingerprints, logger: logger) }
        await scheduler.setUnwanted(unwanted)
        let signals = SignalTrap { await scheduler.stop() }
        defer { signals.cancel() }

        let first = try store.totalCounts()
        let progress = ProgressLine(initiallyFinished: TaskState.final.reduce(0) { $0 + first[$1, default: 0] })
        let watcher = Task { await Self.watch(scheduler.subscribe(), progress: progress, onTerminal: onTerminal, logger: logger) }
        // A run lasts days: the metadata of file exports follows every minute, not only its end.
        let writer = workspace.exportMetadataWriter
        let metadata = Task {
            while let writer {
                do { try await Task.sleep(nanoseconds: 60_000_000_000) } catch { return }
                do { try writer.write(store) } catch { logger.warning("metadata file not updated: \(error)") }
            }
        }
        defer { metadata.cancel() }
        let identity = RunIdentity(pid: getpid(), host: ProcessInfo.processInfo.hostName, parametersPath: workspace.parametersPath)
        let last: SchedulerSnapshot
        do {
            last = try await Failure.guarded { try await scheduler.run(as: identity) }
        } catch {
            await engine.shutdown()
            watcher.cancel()
            throw error
        }
        await engine.shutdown()
        watcher.cancel()
        _ = await watcher.value
        if onTerminal { FileHandle.standardError.write(Data(("\r" + progress.render(last) + "\n").utf8)) }
        logger.info("finished: \(last.stateSummary())")
        // The minute's writer stopped first: the last write is this one, with every completion.
        metadata.cancel()
        _ = await metadata.value
        try Failure.guarded { try workspace.writeExportMetadata(store) }
        try Failure.guarded { try store.finish() }
        return Outcome(snapshot: last, signal: signals.received)
    }

    /// Brings the store into line with the parameters before anything is submitted: new
    /// images registered, tasks the parameters no longer want out of the queue (and back when
    /// wanted again), outputs made under other parameters redone, failed tasks with attempts
    /// left tried again.
    /// Returns the tasks left in flight that the parameters no longer want (they finish, but
    /// are not retried).
    func followParameters(_ store: SQLiteStatusStore, fingerprints: [Stage: StageFingerprint], logger: Logger) async throws -> [TaskKey: String] {
        for (stage, fingerprint) in fingerprints.sorted(by: { workspace.graph.rank($0.key) < workspace.graph.rank($1.key) }) {
            let key = "fingerprint.\(stage.rawValue)"
            if let old = try store.meta(key), old != fingerprint.lines.joined(separator: "\n") {
                let changes = fingerprint.changes(from: old.split(separator: "\n").map(String.init))
                logger.warning("parameters of stage \(stage) changed since the last run: \(changes.joined(separator: ", ")); its outputs made before are redone")
            }
        }
        // Masks a run finished before it was killed reach the metadata file before discovery reads it.
        try workspace.writeExportMetadata(store)
        let (discovery, found) = try await workspace.discover()
        // A catalog entry fixed or moved since the last run is read from where it is now.
        let refreshed = try store.refreshCatalogFields(found.images.map(\.image), stages: workspace.graph.imageStages)
        let plan = try workspace.plan(found, discovery: discovery, store: store, fingerprints: fingerprints)
        // One transaction. A task started again reads all its inputs again: a person's earlier
        // "go on without" was about the run that ended.
        let restarted = plan.transitions.filter { $0.from.isFinal && TaskState.notStarted.contains($0.to) }.map(\.key)
        let added = try store.apply(plan, clearingWaiversOf: restarted, at: Date())
        let (chosen, alone) = try workspace.recordNeighbours(found, store: store)
        if chosen > 0 { logger.info("neighbour images chosen for \(chosen) image(s) (mask.method \"seed\")") }
        if alone > 0 {
            logger.warning("\(alone) image(s) to mask have no neighbour image (same tile, more than mask.number_hours away, covering more than mask.common_area): masked now, they get tree2 OR tree3 alone")
        }
        for note in plan.notes { logger.warning("\(note)") }
        for (stage, fingerprint) in fingerprints {
            try store.setMeta("fingerprint.\(stage.rawValue)", fingerprint.lines.joined(separator: "\n"))
        }
        let p = workspace.parameters
        logger.info("catalog: \(found.source): \(found.images.count) image(s), \(found.matching) in \(p.dates.extendedStart)…\(p.dates.extendedEnd) and area.geometry (wanted \(found.wanted), out of area \(found.outOfArea), excluded \(found.excluded)); \(found.failures.count) unreadable")
        logger.info("store follows the parameters: \(added) new task(s), \(refreshed) with catalog fields updated; \(PlanReport.changeSummary(plan.summary))")
        return plan.unwantedInFlight
    }

    static func watch(_ events: AsyncStream<SchedulerEvent>, progress: ProgressLine, onTerminal: Bool, logger: Logger) async {
        var lastDraw = Date.distantPast
        for await event in events {
            switch event {
            case .cycle(let snap) where onTerminal && Date().timeIntervalSince(lastDraw) > 0.2:
                lastDraw = Date()
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + progress.render(snap)).utf8))
            default:
                break
            }
        }
    }
}

/// SIGINT/SIGTERM ask the scheduler to stop after its current step, so the store stays
/// consistent; a second signal exits at once (the store is still consistent: every transition
/// is its own transaction).
final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var count = 0
    private var first: Int32?
    private let lock = NSLock()
    private static let queue = DispatchQueue(label: "verdant.signals")

    /// The first signal received, if any.
    var received: Int32? { lock.lock(); defer { lock.unlock() }; return first }

    init(onFirst: @escaping @Sendable () async -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: Self.queue)
            source.setEventHandler { [unowned self] in
                self.lock.lock()
                self.count += 1
                let again = self.count > 1
                if self.first == nil { self.first = sig }
                self.lock.unlock()
                if again { exit(128 + sig) }
                FileHandle.standardError.write(Data("\nverdant: stopping after the current step (again to quit now)\n".utf8))
                Task { await onFirst() }
            }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
