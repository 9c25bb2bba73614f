import Foundation
import GRDB
import VerdantCore

/// One row of `images`. Kept apart from `ImageRecord` so that VerdantCore knows nothing of
/// column names and the table can change without touching the domain type.
struct ImageRow: Codable, FetchableRecord, PersistableRecord {
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

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, stage, acquired, tile, footprint
        case cloudCover = "cloud_cover"
        case source, state, engine
        case taskId = "task_id"
        case requestId = "request_id"
        case attempts, error, output
        case notBefore = "not_before"
        case updatedAt = "updated_at"
    }

    typealias Columns = CodingKeys

    init(_ r: ImageRecord) {
        id = r.id; stage = r.stage; acquired = r.acquired; tile = r.tile; footprint = r.footprint
        cloudCover = r.cloudCover; source = r.source; state = r.state; engine = r.engine
        taskId = r.taskId; requestId = r.requestId; attempts = r.attempts; error = r.error
        output = r.output; notBefore = r.notBefore; updatedAt = r.updatedAt
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
