import Foundation
import GRDB
import VerdantCore

extension SQLiteStatusStore {
    /// Rows whose (stage, id) is already stored are left as they are (inputs included), so
    /// discovery can run at every start. `updated_at` and the journal's time are `at`.
    /// - Throws: `IllegalTransition` (nothing written) when a record's state cannot follow
    ///   DISCOVERED, so the journal never holds a history the state table forbids.
    @discardableResult
    public func register(_ tasks: [NewTask], at: Date) throws -> Int {
        for task in tasks where !TaskState.discovered.canTransition(to: task.record.state) {
            throw IllegalTransition(key: task.record.key, from: .discovered, to: task.record.state)
        }
        guard !tasks.isEmpty else { return 0 }
        return try write { db in try Self.insert(tasks, at: at, in: db) }
    }

    static func insert(_ tasks: [NewTask], at: Date, in db: Database) throws -> Int {
        let stamp = StoredDate.text(at)
        var inserted = 0
        let input = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO task_inputs (stage, id, input_stage, input_id) VALUES (?, ?, ?, ?)
            """)
        for task in tasks {
            var record = task.record
            record.updatedAt = at
            try TaskRow(record).insert(db, onConflict: .ignore)
            guard db.changesCount > 0 else { continue }
            inserted += 1
            for source in task.inputs {
                try input.execute(arguments: [record.stage.rawValue, record.id, source.stage.rawValue, source.id])
            }
            try appendJournal(db, at: stamp, key: record.key, from: .discovered, to: record.state, detail: task.reason)
        }
        return inserted
    }

    /// A reconciliation plan in one transaction: a crash leaves all of it or none (never a
    /// block's new inputs without its restart). Returns how many tasks were new.
    @discardableResult
    public func apply(_ plan: ReconciliationPlan, clearingWaiversOf restarted: [TaskKey], at: Date) throws -> Int {
        for task in plan.newTasks where !TaskState.discovered.canTransition(to: task.record.state) {
            throw IllegalTransition(key: task.record.key, from: .discovered, to: task.record.state)
        }
        for t in plan.transitions where !t.from.canTransition(to: t.to) {
            throw IllegalTransition(key: t.key, from: t.from, to: t.to)
        }
        let stamp = StoredDate.text(at)
        return try write { db in
            let added = try Self.insert(plan.newTasks, at: at, in: db)
            for change in plan.inputChanges { try Self.replaceInputs(of: change.key, with: change.inputs, in: db) }
            for t in plan.transitions { _ = try Self.apply(t, at: stamp, in: db) }
            try Self.clearWaivers(of: restarted, in: db)
            return added
        }
    }

    /// All transitions in one write transaction, in array order, so that a later one sees the
    /// earlier ones (FAILED, then FAILED -> QUEUED). The first refused one rolls back the batch.
    /// - Throws: `IllegalTransition` when the state table forbids a change (checked first, as
    ///   it does not depend on what is stored); `StoreError` when a task is unknown or its
    ///   stored state is not the transition's `from` (a stale view or another writer).
    @discardableResult
    public func apply(_ transitions: [Transition], at: Date) throws -> [TaskRecord] {
        for t in transitions where !t.from.canTransition(to: t.to) {
            throw IllegalTransition(key: t.key, from: t.from, to: t.to)
        }
        guard !transitions.isEmpty else { return [] }
        let stamp = StoredDate.text(at)
        return try write { db in
            var updated: [TaskRecord] = []
            updated.reserveCapacity(transitions.count)
            for t in transitions {
                updated.append(try Self.apply(t, at: stamp, in: db))
            }
            return updated
        }
    }

    static func apply(_ t: Transition, at stamp: String, in db: Database) throws -> TaskRecord {
        // The state check is part of the update, so a transition costs one lookup; the reason
        // for a refusal is looked up only when there is one. One fixed statement for every
        // combination of field changes keeps the statement cache to one entry: each FieldChange
        // binds "change it?" and the new value.
        let update = try db.cachedStatement(sql: """
            UPDATE tasks SET
              state = ?, updated_at = ?,
              task_id = CASE WHEN ? THEN ? ELSE task_id END,
              request_id = CASE WHEN ? THEN ? ELSE request_id END,
              params_hash = CASE WHEN ? THEN ? ELSE params_hash END,
              reason = CASE WHEN ? THEN ? ELSE reason END,
              error = CASE WHEN ? THEN ? ELSE error END,
              output = CASE WHEN ? THEN ? ELSE output END,
              not_before = CASE WHEN ? THEN ? ELSE not_before END,
              attempts = coalesce(?, attempts),
              submissions = coalesce(?, submissions),
              engine = coalesce(?, engine)
            WHERE stage = ? AND id = ? AND state = ?
            RETURNING *
            """)
        var arguments: [(any DatabaseValueConvertible)?] = [t.to.rawValue, stamp]
        arguments += t.taskId.bindings { $0 }
        arguments += t.requestId.bindings { $0 }
        arguments += t.paramsHash.bindings { $0 }
        arguments += t.reason.bindings { $0 }
        arguments += t.error.bindings { $0 }
        arguments += t.output.bindings { $0 }
        arguments += t.notBefore.bindings(StoredDate.text)
        arguments += [t.attempts, t.submissions, t.engine, t.stage.rawValue, t.imageId, t.from.rawValue]
        guard let row = try TaskRow.fetchOne(update, arguments: StatementArguments(arguments)) else {
            throw try refusal(of: t, in: db)
        }
        try appendJournal(db, at: stamp, key: t.key, from: t.from, to: t.to, detail: t.detail)
        return row.record
    }

    /// Why the update matched no row: the task is unknown, or it is not in `t.from`.
    private static func refusal(of t: Transition, in db: Database) throws -> StoreError {
        let stored = try String.fetchOne(db, sql: "SELECT state FROM tasks WHERE stage = ? AND id = ?",
                                         arguments: [t.stage.rawValue, t.imageId])
        guard let stored else {
            return StoreError("no task \(t.key) in the status store: cannot apply \(t.from.rawValue) -> \(t.to.rawValue)")
        }
        return StoreError("stale transition for \(t.key): expected \(t.from.rawValue) found \(stored); "
            + "refusing \(t.from.rawValue) -> \(t.to.rawValue)", kind: .stale)
    }

    static func appendJournal(_ db: Database, at stamp: String, key: TaskKey,
                              from: TaskState, to: TaskState, detail: String?) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO journal (at, image_id, stage, from_state, to_state, detail)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        try insert.execute(arguments: [stamp, key.id, key.stage.rawValue, from.rawValue, to.rawValue, detail])
    }

    public func markUnclear(_ key: TaskKey, error: String, retryAt: Date) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE tasks SET error = ?, not_before = ? WHERE stage = ? AND id = ? AND state = 'SUBMITTING'
                """, arguments: [error, StoredDate.text(retryAt), key.stage.rawValue, key.id])
        }
    }

    public func nameTask(_ key: TaskKey, taskId: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE tasks SET task_id = ? WHERE stage = ? AND id = ? AND state = 'CANCELLING'",
                           arguments: [taskId, key.stage.rawValue, key.id])
        }
    }

    public func replaceInputs(of key: TaskKey, with inputs: [TaskKey]) throws {
        try write { db in try Self.replaceInputs(of: key, with: inputs, in: db) }
    }

    static func replaceInputs(of key: TaskKey, with inputs: [TaskKey], in db: Database) throws {
        let kept = Set(inputs)
        let stored = try Row.fetchAll(db, sql: "SELECT input_stage, input_id FROM task_inputs WHERE stage = ? AND id = ?",
                                      arguments: [key.stage.rawValue, key.id])
            .map { TaskKey(Stage(rawValue: $0[0]), $0[1]) }
        for gone in stored where !kept.contains(gone) {
            try db.execute(sql: "DELETE FROM task_inputs WHERE stage = ? AND id = ? AND input_stage = ? AND input_id = ?",
                           arguments: [key.stage.rawValue, key.id, gone.stage.rawValue, gone.id])
        }
        for input in inputs {
            try db.execute(sql: "INSERT OR IGNORE INTO task_inputs (stage, id, input_stage, input_id) VALUES (?, ?, ?, ?)",
                           arguments: [key.stage.rawValue, key.id, input.stage.rawValue, input.id])
        }
    }

    @discardableResult
    public func refreshCatalogFields(_ images: [CatalogImage], stages: [Stage]) throws -> Int {
        guard !images.isEmpty, !stages.isEmpty else { return 0 }
        return try write { db in
            let update = try db.cachedStatement(sql: """
                UPDATE tasks SET source = ?, acquired = ?, footprint = ?, tile = ?, cloud_cover = ?
                WHERE id = ? AND stage = ?
                  AND state NOT IN ('SUBMITTING', 'READY', 'RUNNING', 'CANCELLING')
                  AND (source IS NOT ? OR acquired IS NOT ? OR footprint IS NOT ? OR tile IS NOT ? OR cloud_cover IS NOT ?)
                """)
            var changed = 0
            for image in images {
                let acquired = StoredDate.text(image.acquired)
                for stage in stages {
                    try update.execute(arguments: [image.source, acquired, image.footprint, image.tile, image.cloudCover,
                                                   image.id, stage.rawValue,
                                                   image.source, acquired, image.footprint, image.tile, image.cloudCover])
                    changed += db.changesCount
                }
            }
            return changed
        }
    }

    public func clearWaivers(of keys: [TaskKey]) throws {
        guard !keys.isEmpty else { return }
        try write { db in try Self.clearWaivers(of: keys, in: db) }
    }

    static func clearWaivers(of keys: [TaskKey], in db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE task_inputs SET waived_at = NULL, waived_reason = NULL
            WHERE stage = ? AND id = ? AND waived_at IS NOT NULL
            """)
        for key in keys { try statement.execute(arguments: [key.stage.rawValue, key.id]) }
    }

    public func waive(_ inputs: [TaskKey], of key: TaskKey, reason: String, at: Date) throws {
        try write { db in
            for input in inputs {
                try db.execute(sql: """
                    UPDATE task_inputs SET waived_at = ?, waived_reason = ?
                    WHERE stage = ? AND id = ? AND input_stage = ? AND input_id = ?
                    """, arguments: [StoredDate.text(at), reason, key.stage.rawValue, key.id, input.stage.rawValue, input.id])
            }
        }
    }
}

private extension FieldChange {
    /// "Change the column?" then the new value (NULL to clear), for the CASE in the update.
    func bindings(_ stored: (Value) -> any DatabaseValueConvertible) -> [(any DatabaseValueConvertible)?] {
        switch self {
        case .keep: return [false, nil]
        case .set(let value): return [true, stored(value)]
        case .clear: return [true, nil]
        }
    }
}
