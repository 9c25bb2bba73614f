/// The inconsistencies `verdant repair` looks for between the status store, the engine's task
/// list and the outputs present (issue 6, point 7). The raw value names the repair in the
/// journal ("repair completed-without-output: output missing").
public enum RepairClass: String, CaseIterable, Sendable, Codable {
    /// Recorded READY, RUNNING or CANCELLING, unknown to the engine (a run that crashed: the
    /// local engine's tasks die with it).
    case inFlightUnknown = "in-flight-unknown"
    /// An engine task of ours (its description or request id says so) that no row follows.
    case orphan
    /// Two engine tasks (or two rows of an imported file) for one image and stage.
    case duplicate
    /// COMPLETED or SKIPPED, but no output that opens and was made under the current parameters.
    case completedWithoutOutput = "completed-without-output"
    /// A valid output in the output folder for a task recorded as not done.
    case outputWithoutRecord = "output-without-record"
    /// SUBMITTING, and the engine has no task for it.
    case stuckSubmitting = "stuck-submitting"
    /// WAITING on inputs that FAILED or were CANCELLED.
    case waitingOnFailed = "waiting-on-failed"
    /// One of the original tool's two manual remedies, applied to the whole store.
    case remedy
    /// The rows of an imported status file (`verdant import-status`).
    case imported = "import-status"

    /// The classes an inspection looks for, in the order they are settled: a task settled by
    /// an earlier class is not counted again by a later one.
    public static let inconsistencies: [RepairClass] = [
        .duplicate, .orphan, .stuckSubmitting, .inFlightUnknown, .completedWithoutOutput, .outputWithoutRecord,
        .waitingOnFailed,
    ]

    /// A line for a person, as the wizard's page title and the command's heading.
    public var summary: String {
        switch self {
        case .inFlightUnknown: return "recorded in flight, unknown to the engine"
        case .orphan: return "engine tasks of ours that no row follows (orphans)"
        case .duplicate: return "two tasks for one image and stage"
        case .completedWithoutOutput: return "COMPLETED or SKIPPED without a valid output"
        case .outputWithoutRecord: return "a valid output, but not recorded as done"
        case .stuckSubmitting: return "stuck in SUBMITTING, unknown to the engine"
        case .waitingOnFailed: return "waiting on failed or cancelled inputs"
        case .remedy: return "a whole-store remedy of the original tool"
        case .imported: return "rows of an imported status file"
        }
    }
}

/// The original tool's two manual repairs after a crash (its README, seed-algorithm.md §5),
/// offered for the whole store: every task in flight and every engine task of ours.
public enum StoreRemedy: String, CaseIterable, Sendable, Codable {
    /// Wait until the engine's tasks end, then record how each ended (the original set them
    /// all COMPLETED; here a task is COMPLETED when it succeeded or its output is valid).
    case waitThenComplete = "wait-then-complete"
    /// Cancel every engine task of ours, then requeue every task in flight as new work.
    case cancelAllThenRequeue = "cancel-all-then-requeue"

    public var title: String {
        switch self {
        case .waitThenComplete: return "wait for the running tasks, then mark them completed (as the engine says they ended)"
        case .cancelAllThenRequeue: return "cancel all running tasks, then requeue them"
        }
    }
}
