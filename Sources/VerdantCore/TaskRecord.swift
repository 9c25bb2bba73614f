import Foundation

/// One task's row in the status store (an image or a block, at one stage): what the scheduler
/// knows about it.
public struct TaskRecord: Codable, Sendable, Equatable {
    public var id: String
    public var stage: Stage
    /// Acquisition time (`system:time_start`); for a block, the start of its date range.
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
    /// Idempotency key sent with the submission; kept across a requeue after a crash or an
    /// unknown outcome, so the engine can refuse to start the same work twice.
    public var requestId: String?
    /// Submissions with a new request id since the task was last (re)started by a person or a
    /// parameter change: what `max_attempts` limits.
    public var attempts: Int
    /// Request ids ever issued for this task; never goes back, so every request id is new.
    public var submissions: Int
    /// Fingerprint of the parameters its work is (or was) done under (`StageFingerprint`).
    public var paramsHash: String?
    /// Why the task is in its state when that is not obvious: excluded by which parameter,
    /// waiting on what, held back why.
    public var reason: String?
    public var error: String?
    public var output: String?
    /// Not to be submitted before this time (retry backoff).
    public var notBefore: Date?
    public var updatedAt: Date

    public var key: TaskKey { TaskKey(stage, id) }

    public init(id: String, stage: Stage = .cloudMask, acquired: Date, tile: String, footprint: String,
                cloudCover: Double?, source: String, state: TaskState, engine: String? = nil,
                taskId: String? = nil, requestId: String? = nil, attempts: Int = 0, submissions: Int = 0,
                paramsHash: String? = nil, reason: String? = nil, error: String? = nil,
                output: String? = nil, notBefore: Date? = nil, updatedAt: Date = Date()) {
        self.id = id; self.stage = stage; self.acquired = acquired; self.tile = tile
        self.footprint = footprint; self.cloudCover = cloudCover; self.source = source
        self.state = state; self.engine = engine; self.taskId = taskId; self.requestId = requestId
        self.attempts = attempts; self.submissions = submissions; self.paramsHash = paramsHash
        self.reason = reason; self.error = error; self.output = output
        self.notBefore = notBefore; self.updatedAt = updatedAt
    }
}

/// The few fields the scheduler needs of a task in flight or in the queue, without footprints:
/// what a poll of 3000 tasks reads.
public struct TaskRef: Sendable, Equatable, Hashable {
    public var key: TaskKey
    public var state: TaskState
    public var taskId: String?
    public var requestId: String?
    public var attempts: Int
    public var submissions: Int
    public var paramsHash: String?
    public var acquired: Date?

    public init(key: TaskKey, state: TaskState, taskId: String? = nil, requestId: String? = nil,
                attempts: Int = 0, submissions: Int = 0, paramsHash: String? = nil, acquired: Date? = nil) {
        self.key = key; self.state = state; self.taskId = taskId; self.requestId = requestId
        self.attempts = attempts; self.submissions = submissions; self.paramsHash = paramsHash
        self.acquired = acquired
    }

    public init(_ r: TaskRecord) {
        self.init(key: r.key, state: r.state, taskId: r.taskId, requestId: r.requestId,
                  attempts: r.attempts, submissions: r.submissions, paramsHash: r.paramsHash, acquired: r.acquired)
    }
}

/// A task to add to the store, with the tasks whose outputs it reads.
public struct NewTask: Sendable, Equatable {
    public var record: TaskRecord
    /// The journal's detail for its first entry (DISCOVERED -> state).
    public var reason: String?
    public var inputs: [TaskKey]
    public init(record: TaskRecord, reason: String? = nil, inputs: [TaskKey] = []) {
        self.record = record; self.reason = reason; self.inputs = inputs
    }
}

/// One input of a task, as the store holds it.
public struct TaskInput: Sendable, Equatable {
    public var key: TaskKey
    public var state: TaskState
    public var output: String?
    public var error: String?
    /// A person let the task go on without this input.
    public var waived: Bool
    /// The input task's image (its catalog source) and acquisition, when the store knows them:
    /// an engine that computes from the images themselves (Earth Engine's gap filling) reads them.
    public var source: String?
    public var acquired: Date?
    public init(key: TaskKey, state: TaskState, output: String?, error: String?, waived: Bool,
                source: String? = nil, acquired: Date? = nil) {
        self.key = key; self.state = state; self.output = output; self.error = error; self.waived = waived
        self.source = source; self.acquired = acquired
    }

    /// What a job is given of this input.
    public var jobInput: JobInput { JobInput(key: key, output: output ?? "", source: source, acquired: acquired) }
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
    public var key: TaskKey { TaskKey(stage, imageId) }
}
