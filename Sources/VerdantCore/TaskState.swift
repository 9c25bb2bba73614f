/// The life of one task (architecture.md, "Task state machine"). Every change of state goes
/// through `TaskState.canTransition`, so a store, a scheduler or a repair tool cannot write a
/// history that the README's table does not allow.
public enum TaskState: String, CaseIterable, Codable, Sendable, Comparable {
    /// Only the `from` of a task's first journal entry: nothing is stored in this state.
    case discovered = "DISCOVERED"
    /// Its inputs (tasks of an upstream stage) are not all final yet.
    case waiting = "WAITING"
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
    /// The footprint misses `land_geometry`: not processed (the original's "Out of area").
    case outOfArea = "OUT_OF_AREA"
    /// Not wanted by the current parameters: outside the dates or `area.geometry`, listed in
    /// `image_to_exclude` or the exported-images JSON, or left without inputs. `reason` says which.
    case excluded = "EXCLUDED"
    /// Its output was already in the output folder, made under the current parameters.
    case skipped = "SKIPPED"

    public static func < (a: TaskState, b: TaskState) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// States in which the engine holds (or may hold) a task: they count against `nb_task_max`.
    public static let inFlight: Set<TaskState> = [.submitting, .ready, .running, .cancelling]

    /// States that end a task's work unless a person, a retry or a parameter change starts it again.
    public static let final: Set<TaskState> = [.completed, .failed, .cancelled, .outOfArea, .excluded, .skipped]

    /// An input in one of these states gives its output to the tasks downstream.
    public static let delivered: Set<TaskState> = [.completed, .skipped]
    /// An input in one of these states is simply not an input (architecture: the image is not wanted).
    public static let notAnInput: Set<TaskState> = [.outOfArea, .excluded]
    /// An input in one of these states keeps its downstream tasks waiting until it is retried
    /// or a person lets them go on without it.
    public static let blocking: Set<TaskState> = [.failed, .cancelled]

    /// Not started and not in flight: what a parameter change may still take out of the queue.
    public static let notStarted: Set<TaskState> = [.waiting, .queued]

    public var isInFlight: Bool { Self.inFlight.contains(self) }
    public var isFinal: Bool { Self.final.contains(self) }

    /// The allowed transitions, the README's state table. Anything absent is illegal.
    public static let allowed: [TaskState: Set<TaskState>] = [
        // A malformed catalog item is registered FAILED, with the problem as its error.
        .discovered: [.waiting, .queued, .outOfArea, .excluded, .skipped, .failed],
        // Inputs all final: queued. A parameter change or a cancel takes it out.
        .waiting: [.queued, .cancelled, .excluded, .outOfArea, .skipped],
        // Back to WAITING when an input starts again (its parameters changed).
        .queued: [.submitting, .waiting, .cancelled, .excluded, .outOfArea, .skipped],
        // Out of SUBMITTING: the engine answered (ready/running/…), refused (failed), was
        // unreachable or, after a crash, does not know the request (queued again).
        .submitting: [.ready, .running, .completed, .failed, .cancelling, .cancelled, .queued],
        .ready: [.running, .completed, .failed, .cancelling, .cancelled, .queued],
        .running: [.ready, .completed, .failed, .cancelling, .cancelled, .queued],
        // A cancel is best effort: the task may still finish or fail.
        .cancelling: [.cancelled, .completed, .failed],
        // Retried (automatically within max_attempts, or by a person), or no longer wanted.
        .failed: [.queued, .waiting, .excluded, .outOfArea],
        .cancelled: [.queued, .waiting, .excluded, .outOfArea],
        // Wanted again (the parameters came back), or wanted for another reason.
        .excluded: [.queued, .waiting, .outOfArea, .skipped],
        .outOfArea: [.queued, .waiting, .excluded, .skipped],
        // Outputs made under other parameters are redone.
        .completed: [.queued, .waiting],
        .skipped: [.queued, .waiting],
    ]

    public func canTransition(to next: TaskState) -> Bool {
        Self.allowed[self, default: []].contains(next)
    }
}

public struct IllegalTransition: Error, CustomStringConvertible, Equatable {
    public let key: TaskKey
    public let from: TaskState
    public let to: TaskState
    public init(key: TaskKey, from: TaskState, to: TaskState) {
        self.key = key; self.from = from; self.to = to
    }
    public var description: String {
        "illegal transition for \(key): \(from.rawValue) -> \(to.rawValue) (see the state table in README.md)"
    }
}
