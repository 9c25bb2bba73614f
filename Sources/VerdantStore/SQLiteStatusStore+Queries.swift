import Foundation
import GRDB
import VerdantCore

extension SQLiteStatusStore {
    // Cached statements: commands resolve thousands of ids one by one, and compiling the
    // query each time cost more than running it.
    public func record(_ key: TaskKey) throws -> TaskRecord? {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM tasks WHERE stage = ? AND id = ?")
            return try TaskRow.fetchOne(statement, arguments: [key.stage.rawValue, key.id])?.record
        }
    }

    public func records(id: String) throws -> [TaskRecord] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM tasks WHERE id = ?")
            return try TaskRow.fetchAll(statement, arguments: [id]).map(\.record)
        }
    }

    /// Tasks in any of `states` (all stages when `stage` is nil), oldest acquisition first.
    public func records(in states: Set<TaskState>, stage: Stage?, limit: Int?) throws -> [TaskRecord] {
        guard !states.isEmpty else { return [] }
        return try read { db in
            var request = TaskRow.filter(states.map(\.rawValue).contains(TaskRow.Columns.state))
            if let stage { request = request.filter(TaskRow.Columns.stage == stage.rawValue) }
            request = request.order(TaskRow.Columns.acquired, TaskRow.Columns.id, TaskRow.Columns.stage)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db).map(\.record)
        }
    }

    public func refs(in states: Set<TaskState>, stage: Stage?) throws -> [TaskRef] {
        guard !states.isEmpty else { return [] }
        let list = states.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")
        return try read { db in
            var sql = "SELECT \(TaskRow.refColumns) FROM tasks WHERE state IN (\(list))"
            var arguments: StatementArguments = []
            if let stage { sql += " AND stage = ?"; arguments = [stage.rawValue] }
            let statement = try db.cachedStatement(sql: sql)
            var refs: [TaskRef] = []
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try rows.next() { refs.append(try TaskRow.ref(row)) }
            return refs
        }
    }

    public func count(in states: Set<TaskState>) throws -> Int {
        guard !states.isEmpty else { return 0 }
        // One COUNT per state: each is answered by an index (the in-flight and queued partial
        // indexes, or (stage, state)) without reading a row.
        return try read { db in
            try states.reduce(0) { total, state in
                let statement = try db.cachedStatement(sql: "SELECT count(*) FROM tasks WHERE state = ?")
                return total + (try Int.fetchOne(statement, arguments: [state.rawValue]) ?? 0)
            }
        }
    }

    public func hasTasks(in states: Set<TaskState>, stages: [Stage]?) throws -> Bool {
        try read { db in
            try states.contains { state in
                guard let stages else {
                    let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM tasks WHERE state = ?)")
                    return try Bool.fetchOne(statement, arguments: [state.rawValue]) ?? false
                }
                let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM tasks WHERE state = ? AND stage = ?)")
                return try stages.contains { try Bool.fetchOne(statement, arguments: [state.rawValue, $0.rawValue]) ?? false }
            }
        }
    }

    public func unclearSubmissions(now: Date, limit: Int) throws -> [TaskRecord] {
        guard limit > 0 else { return [] }
        return try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT * FROM tasks
                WHERE state = 'SUBMITTING' AND task_id IS NULL AND not_before IS NOT NULL AND not_before <= ?
                ORDER BY not_before LIMIT ?
                """)
            return try TaskRow.fetchAll(statement, arguments: [StoredDate.text(now), limit]).map(\.record)
        }
    }

    /// QUEUED tasks of `stage` with no backoff or one that ended at or before `now`,
    /// oldest acquisition first (ties by id, so the order is stable across runs).
    public func nextQueued(stage: Stage, limit: Int, now: Date) throws -> [TaskRecord] {
        guard limit > 0 else { return [] }
        return try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT * FROM tasks
                WHERE stage = ? AND state = 'QUEUED' AND (not_before IS NULL OR not_before <= ?)
                ORDER BY acquired, id
                LIMIT ?
                """)
            return try TaskRow.fetchAll(statement, arguments: [stage.rawValue, StoredDate.text(now), limit]).map(\.record)
        }
    }

    /// The earliest `notBefore` strictly after `now` among QUEUED tasks: when the next task
    /// still in backoff becomes submittable. Tasks whose backoff ended at or before `now` are
    /// not counted (`nextQueued` returns them already); nil when no QUEUED task is waiting.
    public func nextRetryTime(now: Date) throws -> Date? {
        try read { db in
            // INDEXED BY: without ANALYZE statistics SQLite prefers the state index and walks
            // every QUEUED row (50-80 ms at 100,000); the partial index answers in microseconds.
            let queued = try db.cachedStatement(sql: """
                SELECT min(not_before) FROM tasks INDEXED BY tasks_waiting_by_not_before
                WHERE state = 'QUEUED' AND not_before IS NOT NULL AND not_before > ?
                """)
            let unclear = try db.cachedStatement(sql: """
                SELECT min(not_before) FROM tasks
                WHERE state = 'SUBMITTING' AND task_id IS NULL AND not_before IS NOT NULL AND not_before > ?
                """)
            let stamp = StoredDate.text(now)
            let times = [try Date.fetchOne(queued, arguments: [stamp]), try Date.fetchOne(unclear, arguments: [stamp])]
            return times.compactMap { $0 }.min()
        }
    }

    public func counts() throws -> [Stage: [TaskState: Int]] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT stage, state, count(*) FROM tasks GROUP BY stage, state")
            let rows = try Row.fetchCursor(statement)
            var counts: [Stage: [TaskState: Int]] = [:]
            while let row = try rows.next() {
                let raw: String = row[1]
                guard let state = TaskState(rawValue: raw) else {
                    throw StoreError("\(path): unknown state \(raw) in the tasks table")
                }
                counts[Stage(rawValue: row[0]), default: [:]][state] = row[2]
            }
            return counts
        }
    }

    /// The newest `limit` journal entries, newest first; only `imageId`'s (every stage) when given.
    public func journal(limit: Int, imageId: String?) throws -> [JournalEntry] {
        guard limit > 0 else { return [] }
        return try read { db in
            var request = JournalRow.order(JournalRow.Columns.seq.desc).limit(limit)
            if let imageId { request = request.filter(JournalRow.Columns.imageId == imageId) }
            return try request.fetchAll(db).map(\.entry)
        }
    }

    public func journal(after seq: Int64, limit: Int) throws -> [JournalEntry] {
        guard limit > 0 else { return [] }
        return try read { db in
            try JournalRow.filter(JournalRow.Columns.seq > seq).order(JournalRow.Columns.seq).limit(limit)
                .fetchAll(db).map(\.entry)
        }
    }

    public func inputs(of keys: [TaskKey]) throws -> [TaskKey: [TaskInput]] {
        guard !keys.isEmpty else { return [:] }
        return try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT i.input_stage, i.input_id, u.state, u.output, u.error, i.waived_at IS NOT NULL, u.source, u.acquired
                FROM task_inputs i LEFT JOIN tasks u ON u.stage = i.input_stage AND u.id = i.input_id
                WHERE i.stage = ? AND i.id = ?
                """)
            var result: [TaskKey: [TaskInput]] = [:]
            for key in keys {
                var list: [TaskInput] = []
                let rows = try Row.fetchCursor(statement, arguments: [key.stage.rawValue, key.id])
                while let row = try rows.next() {
                    let input = TaskKey(Stage(rawValue: row[0]), row[1])
                    // An input the store does not have (never registered) cannot deliver: it
                    // reads as not an input.
                    let stateText: String? = row[2]
                    let state = try stateText.map { try TaskRow.state($0, id: input.id) } ?? .excluded
                    list.append(TaskInput(key: input, state: state, output: row[3], error: row[4], waived: row[5],
                                          source: row[6], acquired: row[7]))
                }
                result[key] = list
            }
            return result
        }
    }

    public func dependents(of inputs: [TaskKey], in states: Set<TaskState>) throws -> [TaskKey] {
        guard !inputs.isEmpty, !states.isEmpty else { return [] }
        let list = states.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")
        return try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT t.stage, t.id FROM task_inputs i JOIN tasks t ON t.stage = i.stage AND t.id = i.id
                WHERE i.input_stage = ? AND i.input_id = ? AND t.state IN (\(list))
                """)
            var seen: Set<TaskKey> = []
            var found: [TaskKey] = []
            for input in inputs {
                let rows = try Row.fetchCursor(statement, arguments: [input.stage.rawValue, input.id])
                while let row = try rows.next() {
                    let key = TaskKey(Stage(rawValue: row[0]), row[1])
                    if seen.insert(key).inserted { found.append(key) }
                }
            }
            return found
        }
    }

    /// Stored input keys of a task (block reconciliation compares them with the planned ones).
    public func inputKeys(of key: TaskKey) throws -> [TaskKey] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT input_stage, input_id FROM task_inputs WHERE stage = ? AND id = ?",
                             arguments: [key.stage.rawValue, key.id])
                .map { TaskKey(Stage(rawValue: $0[0]), $0[1]) }
        }
    }

    public func runState() throws -> RunState? {
        try read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT state FROM run_state WHERE id = 1") else { return nil }
            do {
                return try JSONDecoder.runState.decode(RunState.self, from: Data(text.utf8))
            } catch {
                throw StoreError("\(path): the run state is not readable (\(error)); the next run rewrites it")
            }
        }
    }

    public func saveRunState(_ state: RunState) throws {
        let text = String(decoding: try JSONEncoder.runState.encode(state), as: UTF8.self)
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO run_state (id, state, updated_at) VALUES (1, ?, ?)",
                           arguments: [text, StoredDate.text(state.heartbeat)])
        }
    }
}

extension JSONEncoder {
    static let runState: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()
}

extension JSONDecoder {
    static let runState: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()
}

extension SQLiteStatusStore {
    private static let summaryColumns = "stage, id, state, acquired, tile, attempts, task_id, updated_at, error, reason, output"

    /// Every task as a listing row, read with one cursor (100,000 rows in well under a second).
    public func summaries() throws -> [TaskSummary] {
        try read { db in
            var out: [TaskSummary] = []
            // Sized once: growing by doubling would hold two copies of 100,000 rows for a moment.
            out.reserveCapacity(try Int.fetchOne(db, sql: "SELECT count(*) FROM tasks") ?? 0)
            let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.summaryColumns) FROM tasks")
            while let row = try rows.next() { out.append(try Self.summary(row)) }
            return out
        }
    }

    /// The listing rows of `keys` (those that exist).
    public func summaries(of keys: [TaskKey]) throws -> [TaskSummary] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT \(Self.summaryColumns) FROM tasks WHERE stage = ? AND id = ?")
            return try keys.compactMap { key in
                try Row.fetchOne(statement, arguments: [key.stage.rawValue, key.id]).map(Self.summary)
            }
        }
    }

    /// When tasks delivered their output (COMPLETED or SKIPPED) since `date`, among the newest
    /// `scanning` journal entries: a throughput history without reading the entries' texts.
    public func finishTimes(since date: Date, scanning: Int) throws -> [Date] {
        try read { db in
            try Date.fetchAll(db, sql: """
                SELECT at FROM (SELECT at, to_state FROM journal ORDER BY seq DESC LIMIT ?)
                WHERE at >= ? AND to_state IN ('COMPLETED', 'SKIPPED')
                """, arguments: [scanning, StoredDate.text(date)])
        }
    }

    /// The outputs of one stage's delivered tasks on one tile, oldest acquisition first (a
    /// pixel's series across dates), without reading the rest of their rows.
    public func outputs(of stage: Stage, tile: String) throws -> [(acquired: Date, path: String)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT acquired, output FROM tasks
                WHERE stage = ? AND tile = ? AND state IN ('COMPLETED', 'SKIPPED') AND output IS NOT NULL
                ORDER BY acquired
                """, arguments: [stage.rawValue, tile]).map { ($0[0], $0[1]) }
        }
    }

    /// The newest journal sequence number (0 for an empty journal).
    public func lastJournalSeq() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM journal") ?? 0 }
    }

    /// Journal entries of one task, oldest first (a details view).
    public func journal(of key: TaskKey, limit: Int) throws -> [JournalEntry] {
        try journal(limit: limit, imageId: key.id).filter { $0.stage == key.stage }.reversed()
    }

    private static func summary(_ row: Row) throws -> TaskSummary {
        let id: String = row[1]
        return TaskSummary(key: TaskKey(Stage(rawValue: row[0]), id), state: try TaskRow.state(row[2], id: id),
                           acquired: row[3], tile: row[4], attempts: row[5], taskId: row[6], updatedAt: row[7],
                           note: TaskSummary.note(error: row[8], reason: row[9]), output: row[10])
    }
}
