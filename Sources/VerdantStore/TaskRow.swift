import Foundation
import GRDB
import VerdantCore

/// One row of `tasks`. Kept apart from `TaskRecord` so that VerdantCore knows nothing of
/// column names and the table can change without touching the domain type.
///
/// Decoding and encoding are written out rather than derived from Codable: GRDB's Codable
/// row decoder took about a third of the CPU of a transition (`apply` returns every updated
/// row), and encoding goes through `StoredDate` so all stored dates share one format.
struct TaskRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "tasks"

    var record: TaskRecord

    enum Columns {
        static let id = Column("id"), stage = Column("stage"), acquired = Column("acquired")
        static let tile = Column("tile"), footprint = Column("footprint")
        static let cloudCover = Column("cloud_cover"), source = Column("source")
        static let state = Column("state"), engine = Column("engine"), taskId = Column("task_id")
        static let requestId = Column("request_id"), attempts = Column("attempts")
        static let submissions = Column("submissions"), paramsHash = Column("params_hash")
        static let reason = Column("reason")
        static let error = Column("error"), output = Column("output")
        static let notBefore = Column("not_before"), updatedAt = Column("updated_at")
    }

    init(_ record: TaskRecord) { self.record = record }

    init(row: Row) throws {
        let id: String = row[Columns.id]
        let state = try Self.state(row[Columns.state], id: id)
        record = TaskRecord(
            id: id, stage: Stage(rawValue: row[Columns.stage]), acquired: row[Columns.acquired],
            tile: row[Columns.tile], footprint: row[Columns.footprint], cloudCover: row[Columns.cloudCover],
            source: row[Columns.source], state: state, engine: row[Columns.engine], taskId: row[Columns.taskId],
            requestId: row[Columns.requestId], attempts: row[Columns.attempts], submissions: row[Columns.submissions],
            paramsHash: row[Columns.paramsHash], reason: row[Columns.reason], error: row[Columns.error],
            output: row[Columns.output], notBefore: row[Columns.notBefore], updatedAt: row[Columns.updatedAt])
    }

    static func state(_ text: String, id: String) throws -> TaskState {
        guard let state = TaskState(rawValue: text) else {
            throw StoreError("task \(id): unknown state \(text) in the status store (written by a newer verdant?)")
        }
        return state
    }

    func encode(to container: inout PersistenceContainer) {
        let r = record
        container[Columns.id] = r.id
        container[Columns.stage] = r.stage.rawValue
        container[Columns.acquired] = StoredDate.text(r.acquired)
        container[Columns.tile] = r.tile
        container[Columns.footprint] = r.footprint
        container[Columns.cloudCover] = r.cloudCover
        container[Columns.source] = r.source
        container[Columns.state] = r.state.rawValue
        container[Columns.engine] = r.engine
        container[Columns.taskId] = r.taskId
        container[Columns.requestId] = r.requestId
        container[Columns.attempts] = r.attempts
        container[Columns.submissions] = r.submissions
        container[Columns.paramsHash] = r.paramsHash
        container[Columns.reason] = r.reason
        container[Columns.error] = r.error
        container[Columns.output] = r.output
        container[Columns.notBefore] = r.notBefore.map(StoredDate.text)
        container[Columns.updatedAt] = StoredDate.text(r.updatedAt)
    }

    /// The columns of a `TaskRef`, in the order `ref(_:)` reads them.
    static let refColumns = "stage, id, state, task_id, request_id, attempts, submissions, params_hash, acquired"

    static func ref(_ row: Row) throws -> TaskRef {
        let id: String = row[1]
        return TaskRef(key: TaskKey(Stage(rawValue: row[0]), id), state: try state(row[2], id: id),
                       taskId: row[3], requestId: row[4], attempts: row[5], submissions: row[6],
                       paramsHash: row[7], acquired: row[8])
    }
}

/// One row of `journal`.
struct JournalRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "journal"

    var seq: Int64?
    var at: Date
    var imageId: String
    var stage: Stage
    var fromState: TaskState
    var toState: TaskState
    var detail: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, at
        case imageId = "image_id"
        case stage
        case fromState = "from_state"
        case toState = "to_state"
        case detail
    }

    typealias Columns = CodingKeys

    var entry: JournalEntry {
        JournalEntry(seq: seq ?? 0, at: at, imageId: imageId, stage: stage,
                     from: fromState, to: toState, detail: detail)
    }
}
