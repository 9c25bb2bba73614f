import Foundation
import GRDB
import VerdantCore

extension SQLiteStatusStore {
    /// Rows whose (id, stage) is already stored are left as they are, so discovery can run at
    /// every start. `updated_at` and the journal's time are the store's clock, not the record's.
    /// - Throws: `IllegalTransition` (nothing written) when a record's state cannot follow
    ///   DISCOVERED, so the journal never holds a history the state table forbids.
    @discardableResult
    public func register(_ images: [DiscoveredImage]) throws -> Int {
        for image in images where !TaskState.discovered.canTransition(to: image.record.state) {
            throw IllegalTransition(imageId: image.record.id, from: .discovered, to: image.record.state)
        }
        guard !images.isEmpty else { return 0 }
        let now = Date()
        let stamp = StoredDate.text(now)
        return try write { db in
            var inserted = 0
            for image in images {
                var row = ImageRow(image.record)
                row.updatedAt = now
                try row.insert(db, onConflict: .ignore)
                guard db.changesCount > 0 else { continue }
                inserted += 1
                try Self.appendJournal(db, at: stamp, imageId: row.id, stage: row.stage,
                                       from: .discovered, to: row.state, detail: image.reason)
            }
            return inserted
        }
    }

    /// All transitions in one write transaction, in array order, so that a later one sees the
    /// earlier ones (FAILED, then FAILED -> QUEUED). The first refused one rolls back the batch.
    /// - Throws: `IllegalTransition` when the state table forbids a change (checked first, as
    ///   it does not depend on what is stored); `StoreError` when an image is unknown or its
    ///   stored state is not the transition's `from` (a stale view or another writer).
    @discardableResult
    public func apply(_ transitions: [Transition]) throws -> [ImageRecord] {
        for t in transitions where !t.from.canTransition(to: t.to) {
            throw IllegalTransition(imageId: t.imageId, from: t.from, to: t.to)
        }
        guard !transitions.isEmpty else { return [] }
        let stamp = StoredDate.text(Date())
        return try write { db in
            var updated: [ImageRecord] = []
            updated.reserveCapacity(transitions.count)
            for t in transitions {
                updated.append(try Self.apply(t, at: stamp, in: db))
            }
            return updated
        }
    }

    private static func apply(_ t: Transition, at stamp: String, in db: Database) throws -> ImageRecord {
        // The state check is part of the update, so a transition costs one lookup; the reason
        // for a refusal is looked up only when there is one. One fixed statement for every
        // combination of field changes keeps the statement cache to one entry: each FieldChange
        // binds "change it?" and the new value.
        let update = try db.cachedStatement(sql: """
            UPDATE images SET
              state = ?, updated_at = ?,
              task_id = CASE WHEN ? THEN ? ELSE task_id END,
              request_id = CASE WHEN ? THEN ? ELSE request_id END,
              error = CASE WHEN ? THEN ? ELSE error END,
              output = CASE WHEN ? THEN ? ELSE output END,
              not_before = CASE WHEN ? THEN ? ELSE not_before END,
              attempts = coalesce(?, attempts),
              engine = coalesce(?, engine)
            WHERE id = ? AND stage = ? AND state = ?
            RETURNING *
            """)
        var arguments: [(any DatabaseValueConvertible)?] = [t.to.rawValue, stamp]
        arguments += t.taskId.bindings { $0 }
        arguments += t.requestId.bindings { $0 }
        arguments += t.error.bindings { $0 }
        arguments += t.output.bindings { $0 }
        arguments += t.notBefore.bindings(StoredDate.text)
        arguments += [t.attempts, t.engine, t.imageId, t.stage.rawValue, t.from.rawValue]
        guard let row = try ImageRow.fetchOne(update, arguments: StatementArguments(arguments)) else {
            throw try refusal(of: t, in: db)
        }
        try appendJournal(db, at: stamp, imageId: t.imageId, stage: t.stage, from: t.from, to: t.to,
                          detail: t.detail)
        return row.record
    }

    /// Why the update matched no row: the image is unknown, or it is not in `t.from`.
    private static func refusal(of t: Transition, in db: Database) throws -> StoreError {
        let stored = try String.fetchOne(db, sql: "SELECT state FROM images WHERE id = ? AND stage = ?",
                                         arguments: [t.imageId, t.stage.rawValue])
        guard let stored else {
            return StoreError("no image \(t.imageId) (stage \(t.stage.rawValue)) in the status store: "
                + "cannot apply \(t.from.rawValue) -> \(t.to.rawValue)")
        }
        return StoreError("stale transition for \(t.imageId) (stage \(t.stage.rawValue)): expected "
            + "\(t.from.rawValue) found \(stored); refusing \(t.from.rawValue) -> \(t.to.rawValue)")
    }

    static func appendJournal(_ db: Database, at stamp: String, imageId: String, stage: Stage,
                              from: TaskState, to: TaskState, detail: String?) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO journal (at, image_id, stage, from_state, to_state, detail)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        try insert.execute(arguments: [stamp, imageId, stage.rawValue, from.rawValue, to.rawValue, detail])
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
