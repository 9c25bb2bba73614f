import Foundation

/// What an engine is asked to compute: one stage of one image.
public struct Job: Codable, Sendable, Equatable {
    public var imageId: String
    public var stage: Stage
    /// STAC item path or Earth Engine asset id (ImageRecord.source).
    public var source: String
    /// A human label, shown in the engine's own task list (Earth Engine's `description`).
    public var description: String { "\(stage.rawValue)_\(imageId)" }

    public init(imageId: String, stage: Stage, source: String) {
        self.imageId = imageId; self.stage = stage; self.source = source
    }

    public init(_ record: ImageRecord) {
        self.init(imageId: record.id, stage: record.stage, source: record.source)
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

/// Limits the scheduler must respect besides `nb_task_max`.
public struct EngineQuota: Sendable, Equatable {
    /// Tasks the engine accepts queued or running at once (Earth Engine: 3000); nil = no limit.
    public var maxQueuedTasks: Int?
    /// Tasks it runs at the same time (local: workers).
    public var concurrentTasks: Int?
    public var queuedOrRunning: Int
    public init(maxQueuedTasks: Int?, concurrentTasks: Int?, queuedOrRunning: Int) {
        self.maxQueuedTasks = maxQueuedTasks; self.concurrentTasks = concurrentTasks
        self.queuedOrRunning = queuedOrRunning
    }
}

public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// Worth trying again later (network, HTTP 429/5xx, engine busy).
    case transient(String)
    /// The engine refused the job itself (bad input, HTTP 400): retrying the same job won't help.
    case rejected(String)

    public var description: String {
        switch self {
        case .transient(let m): return "engine unavailable: \(m)"
        case .rejected(let m): return "engine refused the job: \(m)"
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
}

public extension Engine {
    var changes: AsyncStream<Void>? { nil }

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
