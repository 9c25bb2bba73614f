/// The life of one image's task (architecture.md, "Task state machine"). Every change of state
/// goes through `TaskState.canTransition`, so a store, a scheduler or a repair tool cannot
/// write a history that the README's table does not allow.
public enum TaskState: String, CaseIterable, Codable, Sendable, Comparable {
    /// Only the `from` of an image's first journal entry: nothing is stored in this state.
    case discovered = "DISCOVERED"
    case queued = "QUEUED"
    /// Written with its request id *before* the engine is called, so a crash is reconcilable.
    case submitting = "SUBMITTING"
    case ready = "READY"
    case running = "RUNNING"
    /// Written before the engine is asked to cancel, for the same reason.
    case cancelling = "CANCELLING"
    case completed = "COMPLETED"
    case failed = "FAILED"
    case cancelled = "CANCELLED"
    /// The footprint misses `land_geometry`: never processed (the original's "Out of area").
    case outOfArea = "OUT_OF_AREA"
    /// Listed in `image_to_exclude` or in the exported-images JSON file.
    case excluded = "EXCLUDED"
    /// Its output already exists in the output folder (done by an earlier run or by hand).
    case skipped = "SKIPPED"

    public static func < (a: TaskState, b: TaskState) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// States in which the engine holds (or may hold) a task: they count against `nb_task_max`.
    public static let inFlight: Set<TaskState> = [.submitting, .ready, .running, .cancelling]

    /// States that end an image's work unless a person requeues it.
    public static let final: Set<TaskState> = [.completed, .failed, .cancelled, .outOfArea, .excluded, .skipped]

    public var isInFlight: Bool { Self.inFlight.contains(self) }

    /// The allowed transitions, the README's state table. Anything absent is illegal.
    public static let allowed: [TaskState: Set<TaskState>] = [
        .discovered: [.queued, .outOfArea, .excluded, .skipped],
        .queued: [.submitting, .cancelled, .excluded, .skipped],
        // Out of SUBMITTING: the engine answered (ready/running/…), refused (failed), was
        // unreachable or, after a crash, does not know the request (queued again).
        .submitting: [.ready, .running, .completed, .failed, .cancelling, .cancelled, .queued],
        .ready: [.running, .completed, .failed, .cancelling, .cancelled, .queued],
        .running: [.ready, .completed, .failed, .cancelling, .cancelled, .queued],
        // A cancel is best effort: the task may still finish or fail.
        .cancelling: [.cancelled, .completed, .failed],
        .failed: [.queued],
        .cancelled: [.queued],
        .excluded: [.queued],
        .outOfArea: [],
        .completed: [],
        .skipped: [],
    ]

    public func canTransition(to next: TaskState) -> Bool {
        Self.allowed[self, default: []].contains(next)
    }
}

public struct IllegalTransition: Error, CustomStringConvertible, Equatable {
    public let imageId: String
    public let from: TaskState
    public let to: TaskState
    public init(imageId: String, from: TaskState, to: TaskState) {
        self.imageId = imageId; self.from = from; self.to = to
    }
    public var description: String {
        "illegal transition for \(imageId): \(from.rawValue) -> \(to.rawValue) (see the state table in README.md)"
    }
}
