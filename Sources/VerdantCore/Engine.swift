import Foundation

/// What an engine is asked to compute: one stage of one image or block.
public struct Job: Codable, Sendable, Equatable {
    public var id: String
    public var stage: Stage
    /// STAC item path or Earth Engine asset id (TaskRecord.source); a block's tile for block stages.
    public var source: String
    /// The outputs of the tasks it reads (a mask for NDVI, every NDVI of a block for gap filling).
    public var inputs: [JobInput]
    /// The fingerprint of the parameters the output is made under: an engine that finds an
    /// output made under another fingerprint must not take it for this job's.
    public var paramsHash: String
    /// For a cloud mask by the multitemporal model: the neighbour images recorded with the task.
    public var neighbours: Neighbours?
    /// A human label, shown in the engine's own task list (Earth Engine's `description`).
    public var description: String { "\(stage.rawValue)_\(id)" }
    public var key: TaskKey { TaskKey(stage, id) }

    public init(id: String, stage: Stage, source: String, inputs: [JobInput] = [], paramsHash: String = "",
                neighbours: Neighbours? = nil) {
        self.id = id; self.stage = stage; self.source = source; self.inputs = inputs; self.paramsHash = paramsHash
        self.neighbours = neighbours
    }
}

/// One input of a job: which task made it and where its output is.
public struct JobInput: Codable, Sendable, Equatable {
    public var key: TaskKey
    public var output: String
    /// The input's image (catalog source) and acquisition, for an engine that reads the image
    /// itself besides the input's output (Earth Engine computes NDVI inside its gap filling).
    public var source: String?
    public var acquired: Date?
    public init(key: TaskKey, output: String, source: String? = nil, acquired: Date? = nil) {
        self.key = key; self.output = output; self.source = source; self.acquired = acquired
    }
}

/// An engine's own name for a task (Earth Engine: `projects/p/operations/ID`).
public typealias EngineTaskID = String

/// Earth Engine's operation states (earth-engine-rest.md §2.8); the local engine uses the same.
public enum EngineTaskState: String, Codable, Sendable {
    case pending = "PENDING"
    case running = "RUNNING"
    case cancelling = "CANCELLING"
    case succeeded = "SUCCEEDED"
    case failed = "FAILED"
    case cancelled = "CANCELLED"

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }

    /// The store's state for an engine state.
    public var taskState: TaskState {
        switch self {
        case .pending: return .ready
        case .running: return .running
        case .cancelling: return .cancelling
        case .succeeded: return .completed
        case .failed: return .failed
        case .cancelled: return .cancelled
        }
    }
}

/// Why a job failed, as far as retrying is concerned.
public enum FailureKind: String, Codable, Sendable {
    /// May heal by trying again (a crash, a flaky read): counts as an attempt and is retried.
    case retryable
    /// Cannot heal by waiting (missing file, missing band, invalid asset): failed at once.
    case permanent
    /// The machine, not the image (disk full, output folder not writable): the run holds
    /// submissions with the reason instead of failing image after image.
    case machine
}

public struct EngineTaskStatus: Codable, Sendable, Equatable {
    public var id: EngineTaskID
    public var state: EngineTaskState
    /// The request id the task was submitted with, when the engine reports it.
    public var requestId: String?
    public var description: String
    public var error: String?
    /// For FAILED tasks: whether trying again can help (nil: the engine cannot tell; retryable).
    public var failureKind: FailureKind?
    /// Where the result went (a path, an asset name, a URI).
    public var output: String?
    public var progress: Double?

    public init(id: EngineTaskID, state: EngineTaskState, requestId: String?, description: String,
                error: String? = nil, failureKind: FailureKind? = nil, output: String? = nil, progress: Double? = nil) {
        self.id = id; self.state = state; self.requestId = requestId; self.description = description
        self.error = error; self.failureKind = failureKind; self.output = output; self.progress = progress
    }
}

/// One page of an engine's task list (Earth Engine pages `operations.list` by 500).
public struct EngineTaskPage: Sendable {
    public var tasks: [EngineTaskStatus]
    public var nextPageToken: String?
    public init(tasks: [EngineTaskStatus], nextPageToken: String?) {
        self.tasks = tasks; self.nextPageToken = nextPageToken
    }

    /// A page of `all` (in the engine's order) for engines that keep their tasks in memory:
    /// the token is the offset of the next page.
    public init(slicing all: [EngineTaskStatus], pageToken: String?, pageSize: Int) {
        let start = min(all.count, max(0, pageToken.flatMap(Int.init) ?? 0))
        let end = min(all.count, start + max(1, pageSize))
        self.init(tasks: Array(all[start..<end]), nextPageToken: end < all.count ? String(end) : nil)
    }
}

/// Limits the scheduler must respect besides `nb_task_max`, read from the engine every cycle.
public struct EngineQuota: Sendable, Equatable, Codable {
    /// Tasks the engine accepts queued or running at once, counting other processes' tasks
    /// (Earth Engine: 3000); nil = no limit.
    public var maxQueuedTasks: Int?
    /// Tasks it runs at the same time (local: workers).
    public var concurrentTasks: Int?
    /// Tasks queued or running in the engine now, this run's and others'.
    public var queuedOrRunning: Int
    /// Of those, waiting to start and running (when the engine tells them apart).
    public var pending: Int?
    public var running: Int?
    /// Storage quotas of the destination (Earth Engine assets), when known.
    public var assetsUsed: Int?
    public var assetsLimit: Int?
    public var bytesUsed: Int64?
    public var bytesLimit: Int64?

    public init(maxQueuedTasks: Int?, concurrentTasks: Int?, queuedOrRunning: Int, pending: Int? = nil,
                running: Int? = nil, assetsUsed: Int? = nil, assetsLimit: Int? = nil,
                bytesUsed: Int64? = nil, bytesLimit: Int64? = nil) {
        self.maxQueuedTasks = maxQueuedTasks; self.concurrentTasks = concurrentTasks
        self.queuedOrRunning = queuedOrRunning; self.pending = pending; self.running = running
        self.assetsUsed = assetsUsed; self.assetsLimit = assetsLimit
        self.bytesUsed = bytesUsed; self.bytesLimit = bytesLimit
    }

    /// Submissions the engine can still take, or nil when it sets no limit.
    public var freeSlots: Int? { maxQueuedTasks.map { max(0, $0 - queuedOrRunning) } }
    /// True when the storage quota is used up (nothing more can be written).
    public var storageExhausted: Bool {
        if let used = assetsUsed, let limit = assetsLimit, used >= limit { return true }
        if let used = bytesUsed, let limit = bytesLimit, used >= limit { return true }
        return false
    }
}

/// Why an engine cannot take work at all, whatever the job: submission pauses for every task.
public enum EngineOutage: String, Sendable, Codable, Equatable {
    /// Credentials refused (HTTP 401/403 on every call).
    case authentication
    /// A quota of the account is used up (assets, storage, daily compute).
    case quota
    /// The engine cannot be reached (network down, DNS, 5xx after the client's own retries).
    case unreachable
    /// The engine's queue is full ("Too many tasks already in the queue (3000)").
    case queueFull = "queue-full"
}

public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// This request did not get a clear answer (timeout, connection reset, HTTP 429/5xx):
    /// the job may or may not have started, so it is retried with the same request id,
    /// after `retryAfter` seconds when the engine said so.
    case transient(String, retryAfter: Double? = nil)
    /// The engine refused the job itself (bad input, HTTP 400): retrying the same job won't help.
    case rejected(String)
    /// The engine takes no work at all for now; the outcome of this request is unknown.
    case unavailable(EngineOutage, String, retryAfter: Double? = nil)

    public var description: String {
        switch self {
        case .transient(let m, _): return "engine did not answer clearly: \(m)"
        case .rejected(let m): return "engine refused the job: \(m)"
        case .unavailable(let outage, let m, _): return "engine unavailable (\(outage.rawValue)): \(m)"
        }
    }

    public var retryAfter: Double? {
        switch self {
        case .transient(_, let after), .unavailable(_, _, let after): return after
        case .rejected: return nil
        }
    }
}

/// Where jobs run. Shaped on Earth Engine's REST API (image:export with a requestId,
/// operations list/get/cancel, quotas) so the local engine and Earth Engine are interchangeable.
public protocol Engine: Sendable {
    /// "local" or "earthengine": recorded with every task.
    var name: String { get }
    /// Starts the job. Idempotent on `requestId`: a second call with the same id starts nothing
    /// new and answers the task the first one started.
    func submit(_ job: Job, requestId: String) async throws -> EngineTaskID
    /// The engine's tasks, a page at a time (for reconciliation after a crash).
    func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage
    /// The status of many tasks in one call. Ids the engine does not know are left out.
    func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus]
    /// Asks to cancel; best effort, asynchronous: poll tells the outcome.
    func cancel(_ ids: [EngineTaskID]) async throws
    func quotas() async throws -> EngineQuota
    /// A hint that some task changed, so the scheduler may poll before its next refresh.
    /// Engines that cannot tell (Earth Engine) return nil and are polled every `refresh`.
    var changes: AsyncStream<Void>? { get }
    /// Submissions the scheduler may have on their way at once (Earth Engine allows 40
    /// concurrent requests and 100 per second; an in-process engine answers at once).
    var submissionConcurrency: Int { get }
    /// True when `list` reports each task's request id (then a request absent from the list
    /// was never received). Earth Engine's operations list does not.
    var reportsRequestIds: Bool { get }
    /// Stops the engine's own work (a local engine's workers and jobs); a remote engine's
    /// tasks go on and are adopted by the next run's reconciliation.
    func shutdown() async
}

public extension Engine {
    var changes: AsyncStream<Void>? { nil }
    var submissionConcurrency: Int { 1 }
    var reportsRequestIds: Bool { false }

    /// Every task the engine knows, following pages to the end.
    func listAll(pageSize: Int = 500) async throws -> [EngineTaskStatus] {
        var all: [EngineTaskStatus] = []
        var token: String? = nil
        repeat {
            let page = try await list(pageToken: token, pageSize: pageSize)
            all += page.tasks
            token = page.nextPageToken
        } while token != nil
        return all
    }
}
