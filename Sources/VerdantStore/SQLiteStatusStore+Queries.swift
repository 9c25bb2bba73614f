import Foundation
import GRDB
import VerdantCore

extension SQLiteStatusStore {
    public func record(id: String, stage: Stage) throws -> ImageRecord? {
        try read { db in
            try ImageRow.fetchOne(db, key: ["id": id, "stage": stage.rawValue])?.record
        }
    }

    /// Images in any of `states` (all stages when `stage` is nil), oldest acquisition first.
    public func records(in states: Set<TaskState>, stage: Stage?, limit: Int?) throws -> [ImageRecord] {
        guard !states.isEmpty else { return [] }
        return try read { db in
            var request = ImageRow.filter(states.map(\.rawValue).contains(ImageRow.Columns.state))
            if let stage { request = request.filter(ImageRow.Columns.stage == stage.rawValue) }
            request = request.order(ImageRow.Columns.acquired, ImageRow.Columns.id)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db).map(\.record)
        }
    }

    /// QUEUED images of `stage` with no backoff or one that ended at or before `now`,
    /// oldest acquisition first (ties by id, so the order is stable across runs).
    public func nextQueued(stage: Stage, limit: Int, now: Date) throws -> [ImageRecord] {
        guard limit > 0 else { return [] }
        return try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT * FROM images
                WHERE stage = ? AND state = 'QUEUED' AND (not_before IS NULL OR not_before <= ?)
                ORDER BY acquired, id
                LIMIT ?
                """)
            return try ImageRow.fetchAll(statement, arguments: [stage.rawValue, StoredDate.text(now), limit]).map(\.record)
        }
    }

    /// `nextRetryTime(stage:now:)` at the current time.
    public func nextRetryTime(stage: Stage) throws -> Date? {
        try nextRetryTime(stage: stage, now: Date())
    }

    /// The earliest `notBefore` strictly after `now` among QUEUED images of `stage`: when the
    /// next image still in backoff becomes submittable. Images whose backoff ended at or before
    /// `now` are not counted (`nextQueued(stage:limit:now:)` returns them already); nil when no
    /// QUEUED image is waiting.
    public func nextRetryTime(stage: Stage, now: Date) throws -> Date? {
        try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT min(not_before) FROM images
                WHERE stage = ? AND state = 'QUEUED' AND not_before > ?
                """)
            return try Date.fetchOne(statement, arguments: [stage.rawValue, StoredDate.text(now)])
        }
    }

    /// How many images are in each state (states with none are absent); all stages when nil.
    public func counts(stage: Stage?) throws -> [TaskState: Int] {
        try read { db in
            let rows: RowCursor
            if let stage {
                let statement = try db.cachedStatement(sql: """
                    SELECT state, count(*) FROM images WHERE stage = ? GROUP BY state
                    """)
                rows = try Row.fetchCursor(statement, arguments: [stage.rawValue])
            } else {
                let statement = try db.cachedStatement(sql: "SELECT state, count(*) FROM images GROUP BY state")
                rows = try Row.fetchCursor(statement)
            }
            var counts: [TaskState: Int] = [:]
            while let row = try rows.next() {
                let raw: String = row[0]
                guard let state = TaskState(rawValue: raw) else {
                    throw StoreError("\(path): unknown state \(raw) in the images table")
                }
                counts[state] = row[1]
            }
            return counts
        }
    }

    /// The newest `limit` journal entries, newest first; only `imageId`'s when given.
    public func journal(limit: Int, imageId: String?) throws -> [JournalEntry] {
        guard limit > 0 else { return [] }
        return try read { db in
            var request = JournalRow.order(JournalRow.Columns.seq.desc).limit(limit)
            if let imageId { request = request.filter(JournalRow.Columns.imageId == imageId) }
            return try request.fetchAll(db).map(\.entry)
        }
    }
}
