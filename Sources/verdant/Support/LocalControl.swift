import Foundation
import Logging
import VerdantCore
import VerdantStore

/// A control command carried out by this process, with a scheduler of its own, when no run is
/// active (the dashboard's keys on a stopped store). Same effects as `verdant cancel`/`retry`.
enum LocalControl {
    struct RunActive: Error, CustomStringConvertible {
        let pid: String
        var description: String { "a run (pid \(pid)) took the store meanwhile; press the key again" }
    }

    static func carryOut(_ command: ControlRequest.Command, targets: [String], workspace: Workspace) async throws -> String {
        guard let lock = try RunLock(storePath: workspace.storePath) else { throw RunActive(pid: RunLock.holder(storePath: workspace.storePath)) }
        defer { withExtendedLifetime(lock) {} }
        let store = try workspace.openStore()
        let engine = try workspace.makeEngine()
        var logger = Logger(label: "verdant.dashboard.\(command.rawValue)")
        logger.logLevel = .warning
        let scheduler = Scheduler(store: store, engine: engine, settings: workspace.schedulerSettings(fingerprints: try workspace.fingerprints()),
                                  logger: logger)
        defer { try? store.finish() }
        do {
            let said = try await act(command, targets: targets, scheduler: scheduler)
            await engine.shutdown()
            return said
        } catch {
            await engine.shutdown()
            throw error
        }
    }

    static func act(_ command: ControlRequest.Command, targets: [String], scheduler: Scheduler) async throws -> String {
        switch command {
        case .cancel, .cancelAll:
            try await scheduler.reconcile()
            let n = command == .cancelAll ? try await scheduler.cancelAll() : try await scheduler.cancel(targets: targets)
            try await scheduler.pollOnce()
            return "cancelled \(n) task(s) (no run was active)"
        case .retry: return "started \(try await scheduler.retry(targets: targets)) task(s) again; s starts a run"
        case .retryFailed: return "started \(try await scheduler.retryAll(in: .failed)) failed task(s) again; s starts a run"
        case .requeueCancelled: return "requeued \(try await scheduler.retryAll(in: .cancelled)) cancelled task(s); s starts a run"
        case .release: return "\(try await scheduler.release(targets: targets)) waiting task(s) go on without their failed inputs"
        case .pause, .resume, .pollNow: return "no run is active: nothing to \(command.rawValue) (s starts one)"
        }
    }
}

/// Runs async work to its end from a thread outside Swift's cooperative pool (the dashboard's
/// backend queue), which may block.
func blockingAwait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, Error>!
    Task.detached {
        do { result = .success(try await work()) } catch { result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result.get()
}
