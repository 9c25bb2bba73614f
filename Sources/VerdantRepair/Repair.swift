import Foundation
import VerdantCore
import VerdantStore

/// `verdant repair` without the command line: inspect, then apply what was chosen. The
/// dashboard's repair wizard calls the same two functions.
public enum Repair {
    /// The findings of the store against the engine's task list and the outputs, with the
    /// overlay's rows (an imported status file) taken as what the store says.
    public static func inspect(store: SQLiteStatusStore, context: RepairContext,
                               overlay: RepairOverlay = RepairOverlay()) throws -> RepairPlan {
        var inspection = try Inspection(store: store, context: context, overlay: overlay)
        return try inspection.run()
    }

    /// Applies the chosen options: a backup of the store first (when `backupTo` is given),
    /// then the engine cancels (best effort, idempotent: done before the store says so), then
    /// every change of the store in one transaction with its journal entries.
    /// - Throws: the engine's error (nothing written to the store), `StoreError` (.stale: a
    ///   task moved since the inspection; nothing written), `IllegalTransition`.
    public static func apply(_ plan: RepairPlan, store: SQLiteStatusStore, engine: (any Engine)?,
                             backupTo: String?, at: Date = Date()) async throws -> RepairResult {
        let repair = try plan.storeRepair()
        let cancels = plan.cancels
        var result = RepairResult()
        guard !repair.isEmpty || !cancels.isEmpty else { return result }
        if let backupTo {
            try store.backup(to: backupTo)
            result.backup = backupTo
        }
        if !cancels.isEmpty {
            guard let engine else { throw RepairError("engine tasks to cancel, but no engine to ask") }
            try await engine.cancel(cancels.map(\.id))
            result.cancelled = cancels.map(\.id)
        }
        try store.apply(repair, at: at)
        try settleDeadRun(store, at: at)
        result.newTasks = repair.newTasks.count
        result.transitions = repair.steps.count
        result.waivers = repair.waivers.reduce(0) { $0 + $1.inputs.count }
        return result
    }

    /// A run that died still says it is active (and what it had in flight) until something
    /// writes its end: repair, which holds the store's lock, is that. Only called under the lock,
    /// so an active state here is a dead run's.
    static func settleDeadRun(_ store: SQLiteStatusStore, at: Date) throws {
        guard var state = try store.runState(), state.active else { return }
        state.active = false
        state.endedAt = at
        state.outcome = "died (heartbeat \(state.heartbeat)); repaired"
        state.inFlight = try store.count(in: TaskState.inFlight)
        state.hold = nil
        try store.saveRunState(state)
    }

    /// `<store>.backup-<UTC time>.sqlite`, beside the store; a second one within the same
    /// second gets a number.
    public static func backupPath(for storePath: String, at date: Date = Date()) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let base = "\(storePath).backup-\(format.string(from: date))"
        var path = base + ".sqlite", n = 1
        while FileManager.default.fileExists(atPath: path) {
            n += 1
            path = "\(base)-\(n).sqlite"
        }
        return path
    }

    /// Our engine tasks not yet ended (what the "wait" remedy waits for).
    public static func openTasksOfOurs(_ tasks: [EngineTaskStatus], graph: StageGraph) -> [EngineTaskStatus] {
        let context = RepairContext(graph: graph, fingerprints: [:], engineTasks: tasks, outputs: { _, _ in .missing })
        return tasks.filter { context.isOurs($0) && !$0.state.isTerminal }
    }

    /// Polls `ids` every `interval` seconds until the engine reports each ended (or forgets
    /// it) or `timeout` passes; `progress` hears how many are still open after each poll.
    /// Returns how many were still open at the end.
    public static func waitForEngineTasks(_ ids: [EngineTaskID], engine: any Engine, interval: Double, timeout: Double?,
                                          progress: (Int) -> Void = { _ in }) async throws -> Int {
        var open = Set(ids)
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while !open.isEmpty {
            let statuses = try await engine.poll(Array(open))
            let stillOpen = Set(statuses.filter { !$0.state.isTerminal }.map(\.id))
            open = open.intersection(stillOpen)
            progress(open.count)
            if open.isEmpty { break }
            if let deadline, Date() >= deadline { break }
            try await Task.sleep(nanoseconds: UInt64(max(0.01, interval) * 1e9))
        }
        return open.count
    }
}

public struct RepairResult: Sendable, Equatable {
    /// Where the store was copied before anything was written.
    public var backup: String?
    public var newTasks = 0
    /// Journaled changes written (a chain of two counts two).
    public var transitions = 0
    public var waivers = 0
    public var cancelled: [EngineTaskID] = []
    public init() {}
}

public struct RepairError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
