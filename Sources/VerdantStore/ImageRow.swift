import Foundation
import GRDB
import VerdantCore

/// One row of `images`. Kept apart from `ImageRecord` so that VerdantCore knows nothing of
/// column names and the table can change without touching the domain type.
///
/// Decoding and encoding are written out rather than derived from Codable: GRDB's Codable
/// row decoder took about a third of the CPU of a transition (`apply` returns every updated
/// row), and encoding goes through `StoredDate` so all stored dates share one format.
struct ImageRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "images"

    var id: String
    var stage: Stage
    var acquired: Date
    var tile: String
    var footprint: String
    var cloudCover: Double?
    var source: String
    var state: TaskState
    var engine: String?
    var taskId: String?
    var requestId: String?
    var attempts: Int
    var error: String?
    var output: String?
    var notBefore: Date?
    var updatedAt: Date

    enum Columns {
        static let id = Column("id"), stage = Column("stage"), acquired = Column("acquired")
        static let tile = Column("tile"), footprint = Column("footprint")
        static let cloudCover = Column("cloud_cover"), source = Column("source")
        static let state = Column("state"), engine = Column("engine"), taskId = Column("task_id")
        static let requestId = Column("request_id"), attempts = Column("attempts")
        static let error = Column("error"), output = Column("output")
        static let notBefore = Column("not_before"), updatedAt = Column("updated_at")
    }

    init(_ r: ImageRecord) {
        id = r.id; stage = r.stage; acquired = r.acquired; tile = r.tile; footprint = r.footprint
        cloudCover = r.cloudCover; source = r.source; state = r.state; engine = r.engine
        taskId = r.taskId; requestId = r.requestId; attempts = r.attempts; error = r.error
        output = r.output; notBefore = r.notBefore; updatedAt = r.updatedAt
    }

    init(row: Row) throws {
        id = row[Columns.id]
        let stageText: String = row[Columns.stage]
        guard let stage = Stage(rawValue: stageText) else {
            throw StoreError("image \(id): unknown stage \(stageText) in the status store")
        }
        self.stage = stage
        let stateText: String = row[Columns.state]
        guard let state = TaskState(rawValue: stateText) else {
            throw StoreError("image \(id): unknown state \(stateText) in the status store")
        }
        self.state = state
        acquired = row[Columns.acquired]
        tile = row[Columns.tile]
        footprint = row[Columns.footprint]
        cloudCover = row[Columns.cloudCover]
        source = row[Columns.source]
        engine = row[Columns.engine]
        taskId = row[Columns.taskId]
        requestId = row[Columns.requestId]
        attempts = row[Columns.attempts]
        error = row[Columns.error]
        output = row[Columns.output]
        notBefore = row[Columns.notBefore]
        updatedAt = row[Columns.updatedAt]
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.stage] = stage.rawValue
        container[Columns.acquired] = StoredDate.text(acquired)
        container[Columns.tile] = tile
        container[Columns.footprint] = footprint
        container[Columns.cloudCover] = cloudCover
        container[Columns.source] = source
        container[Columns.state] = state.rawValue
        container[Columns.engine] = engine
        container[Columns.taskId] = taskId
        container[Columns.requestId] = requestId
        container[Columns.attempts] = attempts
        container[Columns.error] = error
        container[Columns.output] = output
        container[Columns.notBefore] = notBefore.map(StoredDate.text)
        container[Columns.updatedAt] = StoredDate.text(updatedAt)
    }

    var record: ImageRecord {
        ImageRecord(id: id, stage: stage, acquired: acquired, tile: tile, footprint: footprint,
                    cloudCover: cloudCover, source: source, state: state, engine: engine,
                    taskId: taskId, requestId: requestId, attempts: attempts, error: error,
                    output: output, notBefore: notBefore, updatedAt: updatedAt)
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
