import Foundation
import GRDB
import VerdantCore

/// What a repair (or an imported status file) writes: new tasks, then changes of state in
/// order, then waivers, all in one transaction with a journal entry per change.
public struct StoreRepair: Sendable {
    public var newTasks: [NewTask] = []
    /// In order, each legal in the state table, or one that keeps the state (`from == to`):
    /// a repair may correct a field (the engine task a row follows) without a change of state,
    /// and the journal still says so.
    public var steps: [Transition] = []
    /// Inputs a waiting task goes on without (a person chose to release it), with why.
    public var waivers: [(key: TaskKey, inputs: [TaskKey], reason: String)] = []
    /// Tasks started again: their earlier waivers no longer hold.
    public var clearedWaivers: [TaskKey] = []

    public init() {}

    public var isEmpty: Bool { newTasks.isEmpty && steps.isEmpty && waivers.isEmpty }
}

extension SQLiteStatusStore {
    /// Applies `repair` in one transaction: all of it or, on the first refusal (a task moved
    /// since it was inspected, an illegal step), none.
    public func apply(_ repair: StoreRepair, at: Date) throws {
        for task in repair.newTasks where !TaskState.discovered.canTransition(to: task.record.state) {
            throw IllegalTransition(key: task.record.key, from: .discovered, to: task.record.state)
        }
        for t in repair.steps where t.from != t.to && !t.from.canTransition(to: t.to) {
            throw IllegalTransition(key: t.key, from: t.from, to: t.to)
        }
        guard !repair.isEmpty else { return }
        let stamp = StoredDate.text(at)
        try write { db in
            let added = try Self.insert(repair.newTasks, at: at, in: db)
            guard added == repair.newTasks.count else {
                throw StoreError("\(path): \(repair.newTasks.count - added) task(s) to add were added meanwhile by another writer; nothing was written", kind: .stale)
            }
            for t in repair.steps { _ = try Self.apply(t, at: stamp, in: db) }
            try Self.clearWaivers(of: repair.clearedWaivers, in: db)
            for waiver in repair.waivers {
                for input in waiver.inputs {
                    try db.execute(sql: """
                        UPDATE task_inputs SET waived_at = ?, waived_reason = ?
                        WHERE stage = ? AND id = ? AND input_stage = ? AND input_id = ?
                        """, arguments: [stamp, waiver.reason, waiver.key.stage.rawValue, waiver.key.id,
                                         input.stage.rawValue, input.id])
                }
            }
        }
    }

    /// A consistent copy of the whole store at `destination` (SQLite's online backup, so a
    /// reader or writer elsewhere does not stop it). Refuses to overwrite a file.
    public func backup(to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError("\(destination): a file is already there; the backup was not written", kind: .unwritable)
        }
        do {
            let copy = try DatabaseQueue(path: destination)
            try pool.backup(to: copy)
            try copy.close()
        } catch let error as DatabaseError {
            throw Self.storeError(error, path: destination)
        }
    }
}
