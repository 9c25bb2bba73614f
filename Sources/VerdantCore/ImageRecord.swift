import Foundation

/// A processing stage. Cloud masking is the first; gap filling and productivity will be stages
/// of their own with the same state machine (architecture.md).
public enum Stage: String, Codable, Sendable, CaseIterable {
    case cloudMask = "cloudmask"
}

/// One image's row in the status store: what the scheduler knows about its task.
public struct ImageRecord: Codable, Sendable, Equatable {
    public var id: String
    public var stage: Stage
    /// Acquisition time (`system:time_start`).
    public var acquired: Date
    public var tile: String
    /// Footprint as GeoJSON geometry text (EPSG:4326).
    public var footprint: String
    public var cloudCover: Double?
    /// Where the engine finds the image: a STAC item path, or an Earth Engine asset id.
    public var source: String
    public var state: TaskState
    public var engine: String?
    public var taskId: String?
    /// Idempotency key sent with the submission; kept across a requeue after a crash so the
    /// engine can refuse to start the same work twice.
    public var requestId: String?
    /// How many times the image entered SUBMITTING with a new request id.
    public var attempts: Int
    public var error: String?
    public var output: String?
    /// Not to be submitted before this time (retry backoff).
    public var notBefore: Date?
    public var updatedAt: Date

    public init(id: String, stage: Stage = .cloudMask, acquired: Date, tile: String, footprint: String,
                cloudCover: Double?, source: String, state: TaskState, engine: String? = nil,
                taskId: String? = nil, requestId: String? = nil, attempts: Int = 0, error: String? = nil,
                output: String? = nil, notBefore: Date? = nil, updatedAt: Date = Date()) {
        self.id = id; self.stage = stage; self.acquired = acquired; self.tile = tile
        self.footprint = footprint; self.cloudCover = cloudCover; self.source = source
        self.state = state; self.engine = engine; self.taskId = taskId; self.requestId = requestId
        self.attempts = attempts; self.error = error; self.output = output
        self.notBefore = notBefore; self.updatedAt = updatedAt
    }
}

/// One line of the append-only journal: every transition ever made, in order.
public struct JournalEntry: Codable, Sendable, Equatable {
    public var seq: Int64
    public var at: Date
    public var imageId: String
    public var stage: Stage
    public var from: TaskState
    public var to: TaskState
    public var detail: String?
    public init(seq: Int64, at: Date, imageId: String, stage: Stage, from: TaskState, to: TaskState, detail: String?) {
        self.seq = seq; self.at = at; self.imageId = imageId; self.stage = stage
        self.from = from; self.to = to; self.detail = detail
    }
}
