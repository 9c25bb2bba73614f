import ArgumentParser
import Foundation
import Logging
import VerdantCore
import VerdantLocal
import VerdantStore

/// What `verdant run` and `verdant demo` share: lock, logs, discovery, scheduler, progress,
/// signals. Returns the final counts.
struct RunSession {
    let workspace: Workspace
    var verbose = false
    /// The store's lock when the caller took it already (demo empties its folder under it).
    var lock: RunLock? = nil

    static func acquireLock(_ workspace: Workspace) throws -> RunLock {
        guard let lock = try Failure.exitOnBadInput({ try RunLock(storePath: workspace.storePath) }) else {
            Failure.printError("another verdant run (pid \(RunLock.holder(storePath: workspace.storePath))) is using \(workspace.storePath); use `verdant status` or `verdant cancel` meanwhile")
            throw ExitCode(1)
        }
        return lock
    }

    func execute() async throws -> SchedulerSnapshot {
        let lock = try self.lock ?? Self.acquireLock(workspace)
        defer { withExtendedLifetime(lock) {} }
        let onTerminal = isatty(STDERR_FILENO) == 1
        try LogSetup.bootstrap(logFile: workspace.logPath, quietStderr: onTerminal, verbose: verbose)
        let logger = Logger(label: "verdant.run")

        let store = try Failure.exitOnBadInput { try workspace.openStore() }
        // Requests left for a run that had ended (or died) before taking them are not this
        // run's: a stale pause or cancel-all must not act days later.
        for stale in try store.takeControlRequests() {
            logger.warning("ignored control request \(stale.seq) (\(stale.command.rawValue), sent \(stale.at)) left by no active run")
        }
        let found = try Failure.exitOnBadInput { try workspace.discover() }
        let added = try store.register(found.images)
        let exclusions = try found.exclusionChanges(in: store)
        try store.apply(exclusions)
        logger.info("catalog: \(found.images.count) image(s) in \(workspace.parameters.dates.extendedStart)…\(workspace.parameters.dates.extendedEnd) and in area.geometry, \(added) new, \(exclusions.count) with a changed exclusion; queued \(found.count(.queued)), out of area \(found.count(.outOfArea)), excluded \(found.count(.excluded)), already done \(found.count(.skipped))")

        let engine = try Failure.exitOnBadInput { try workspace.makeEngine() }
        defer { engine.shutdown() }
        let scheduler = Scheduler(store: store, engine: engine, settings: workspace.schedulerSettings,
                                  logger: Logger(label: "verdant.scheduler"))
        let signals = SignalTrap { await scheduler.stop() }
        defer { signals.cancel() }

        let first = try store.counts(stage: .cloudMask)
        let progress = ProgressLine(initiallyFinished: TaskState.final.reduce(0) { $0 + first[$1, default: 0] })
        let watcher = Task { await Self.watch(scheduler.events, progress: progress, onTerminal: onTerminal, logger: logger) }
        let last = try await scheduler.run()
        watcher.cancel()
        _ = await watcher.value
        if onTerminal { FileHandle.standardError.write(Data(("\r" + progress.render(last) + "\n").utf8)) }
        logger.info("finished: \(last.stateSummary())")
        return last
    }

    static func watch(_ events: AsyncStream<SchedulerEvent>, progress: ProgressLine, onTerminal: Bool, logger: Logger) async {
        var lastDraw = Date.distantPast
        for await event in events {
            switch event {
            case .cycle(let snap) where onTerminal && Date().timeIntervalSince(lastDraw) > 0.2:
                lastDraw = Date()
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + progress.render(snap)).utf8))
            case .paused:
                logger.info("paused")
            case .resumed:
                logger.info("resumed")
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
    private static let queue = DispatchQueue(label: "verdant.signals")

    init(onFirst: @escaping @Sendable () async -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: Self.queue)
            source.setEventHandler { [unowned self] in
                self.count += 1
                if self.count > 1 { exit(130) }
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
