import Foundation

/// A change of state with the fields that change with it. `from` is the state the writer
/// believes the task is in: the store refuses the change when it is not (another writer, or a
/// stale view), and refuses any change the state table does not allow.
public struct Transition: Sendable, Equatable {
    public var key: TaskKey
    public var from: TaskState
    public var to: TaskState
    public var taskId: FieldChange<String> = .keep
    public var requestId: FieldChange<String> = .keep
    public var attempts: Int?
    public var submissions: Int?
    public var paramsHash: FieldChange<String> = .keep
    public var reason: FieldChange<String> = .keep
    public var error: FieldChange<String> = .keep
    public var output: FieldChange<String> = .keep
    public var notBefore: FieldChange<Date> = .keep
    public var engine: String?
    /// A sentence for the journal: why this happened.
    public var detail: String?

    public init(key: TaskKey, from: TaskState, to: TaskState, detail: String? = nil) {
        self.key = key; self.from = from; self.to = to; self.detail = detail
    }

    public init(imageId: String, stage: Stage = .cloudMask, from: TaskState, to: TaskState, detail: String? = nil) {
        self.init(key: TaskKey(stage, imageId), from: from, to: to, detail: detail)
    }

    public init(_ record: TaskRecord, to: TaskState, detail: String? = nil) {
        self.init(key: record.key, from: record.state, to: to, detail: detail)
    }

    public init(_ ref: TaskRef, to: TaskState, detail: String? = nil) {
        self.init(key: ref.key, from: ref.state, to: to, detail: detail)
    }

    public var imageId: String { key.id }
    public var stage: Stage { key.stage }

    /// A task starting again as new work (a person's retry, its parameters changed, wanted
    /// again): a new request id at its next submission, a fresh budget of attempts, no error,
    /// reason or backoff left from before.
    public static func startingAgain(_ key: TaskKey, from: TaskState, to: TaskState, detail: String) -> Transition {
        var t = Transition(key: key, from: from, to: to, detail: detail)
        t.requestId = .clear
        t.taskId = .clear
        t.attempts = 0
        t.reason = .clear
        t.error = .clear
        t.notBefore = .clear
        t.paramsHash = .clear
        return t
    }
}

public extension TaskRecord {
    /// This record with `t`'s field changes (not its state): what a store would hold after it,
    /// for plans worked out before anything is written.
    func applyingFields(of t: Transition) -> TaskRecord {
        var r = self
        r.taskId = t.taskId.applied(to: r.taskId)
        r.requestId = t.requestId.applied(to: r.requestId)
        r.paramsHash = t.paramsHash.applied(to: r.paramsHash)
        r.reason = t.reason.applied(to: r.reason)
        r.error = t.error.applied(to: r.error)
        r.output = t.output.applied(to: r.output)
        r.notBefore = t.notBefore.applied(to: r.notBefore)
        r.attempts = t.attempts ?? r.attempts
        r.submissions = t.submissions ?? r.submissions
        r.engine = t.engine ?? r.engine
        return r
    }
}

public enum FieldChange<Value: Sendable & Equatable>: Sendable, Equatable {
    case keep
    case set(Value)
    case clear

    public func applied(to old: Value?) -> Value? {
        switch self {
        case .keep: return old
        case .set(let v): return v
        case .clear: return nil
        }
    }
}

public struct StoreError: Error, CustomStringConvertible {
    /// What kind of trouble, for the exit code and for whether a run may wait and try again.
    public enum Kind: Sendable, Equatable {
        /// Another process holds a lock for too long.
        case busy
        /// The file or its folder cannot be written (read-only, disk full, I/O error): the
        /// machine's problem, not the data's.
        case unwritable
        /// Not a verdant store, a newer schema: the data's problem.
        case invalid
        /// A transition refused because the task is no longer where the writer believed (another
        /// writer moved it): nothing was written; reading again settles it.
        case stale
    }
    public let description: String
    public let kind: Kind
    public init(_ description: String, kind: Kind = .invalid) { self.description = description; self.kind = kind }
}

/// Persistent status of every task. Implementations write each call atomically and the
/// journal entries with it; readers never block the writer. Times come from the caller, so one
/// clock (the scheduler's) stamps everything.
public protocol StatusStore: AnyObject, Sendable {
    /// Adds tasks not seen before (journal DISCOVERED -> their state) with their inputs; leaves
    /// known ones alone. Returns how many were new.
    @discardableResult
    func register(_ tasks: [NewTask], at: Date) throws -> Int
    /// Applies the transitions in one transaction, in order; all or none. Returns the updated records.
    @discardableResult
    func apply(_ transitions: [Transition], at: Date) throws -> [TaskRecord]
    func record(_ key: TaskKey) throws -> TaskRecord?
    /// Every stage's task of one image or block id.
    func records(id: String) throws -> [TaskRecord]
    func records(in states: Set<TaskState>, stage: Stage?, limit: Int?) throws -> [TaskRecord]
    /// The light view of tasks in `states` (all stages when nil): no footprints, no texts.
    func refs(in states: Set<TaskState>, stage: Stage?) throws -> [TaskRef]
    /// Tasks in `states` across all stages, counted without reading them.
    func count(in states: Set<TaskState>) throws -> Int
    /// Whether any task of `stages` (all when nil) is in `states`: stops at the first (a count
    /// would walk 100,000 queued).
    func hasTasks(in states: Set<TaskState>, stages: [Stage]?) throws -> Bool
    /// QUEUED tasks of `stage` whose backoff has passed, oldest acquisition first.
    func nextQueued(stage: Stage, limit: Int, now: Date) throws -> [TaskRecord]
    /// Earliest `notBefore` after `now` among QUEUED tasks, if any.
    func nextRetryTime(now: Date) throws -> Date?
    /// How many tasks are in each state, per stage.
    func counts() throws -> [Stage: [TaskState: Int]]
    /// The newest journal entries, newest first; only one id's (any stage) when given.
    func journal(limit: Int, imageId: String?) throws -> [JournalEntry]
    /// Entries with a sequence number above `seq`, oldest first: what a viewer tails.
    func journal(after seq: Int64, limit: Int) throws -> [JournalEntry]
    /// The inputs of each task, with their current state and output.
    func inputs(of keys: [TaskKey]) throws -> [TaskKey: [TaskInput]]
    /// Tasks in `states` that read any of `inputs`.
    func dependents(of inputs: [TaskKey], in states: Set<TaskState>) throws -> [TaskKey]
    /// Applies a reconciliation plan in one transaction (new tasks, block input lists,
    /// transitions, waivers of restarted tasks forgotten). Returns how many tasks were new.
    @discardableResult
    func apply(_ plan: ReconciliationPlan, clearingWaiversOf restarted: [TaskKey], at: Date) throws -> Int
    /// Replaces a task's input list (a block whose images changed). Waivers of kept inputs stay.
    func replaceInputs(of key: TaskKey, with inputs: [TaskKey]) throws
    /// Lets `key` go on without `inputs` (a person's decision, kept with the reason).
    func waive(_ inputs: [TaskKey], of key: TaskKey, reason: String, at: Date) throws
    /// Brings the catalog fields (source, acquisition, footprint, tile, cloud cover) of the
    /// stored tasks of `stages` up to date with the catalog, for tasks not in flight: an entry
    /// fixed or moved since is read from where it is now. Returns how many rows changed.
    @discardableResult
    func refreshCatalogFields(_ images: [CatalogImage], stages: [Stage]) throws -> Int
    /// Forgets a person's waivers of these tasks' inputs (they start again: their inputs count again).
    func clearWaivers(of keys: [TaskKey]) throws
    /// SUBMITTING tasks whose last answer was unclear (`markUnclear`) and are due to be sent
    /// again, oldest first.
    func unclearSubmissions(now: Date, limit: Int) throws -> [TaskRecord]
    /// Keeps a SUBMITTING task SUBMITTING (the engine may have it) with the error, to be sent
    /// again with the same request id at `retryAt`. No journal entry: the state does not change.
    func markUnclear(_ key: TaskKey, error: String, retryAt: Date) throws
    /// Records the engine's task id of a CANCELLING task that had none (its submission's
    /// outcome was unclear): the state does not change, so no journal entry.
    func nameTask(_ key: TaskKey, taskId: String) throws
    func meta(_ key: String) throws -> String?
    func setMeta(_ key: String, _ value: String) throws
    /// The state of the run using this store (nil before the first run).
    /// The neighbour images recorded for these image ids (cloud masks by the multitemporal model).
    func neighbours(of ids: [String]) throws -> [String: Neighbours]
    /// Records (replacing) the neighbours of images, in one transaction.
    func saveNeighbours(_ neighbours: [String: Neighbours]) throws
    func runState() throws -> RunState?
    func saveRunState(_ state: RunState) throws
}

public extension StatusStore {
    @discardableResult
    func apply(_ transition: Transition, at: Date) throws -> TaskRecord {
        try apply([transition], at: at)[0]
    }

    /// The waiting tasks (sorted) with their inputs, a few hundred at a time: 100,000 waiting
    /// tasks and their inputs are never read at once.
    func forEachWaitingChunk(_ body: ([TaskKey], [TaskKey: [TaskInput]]) throws -> Void) throws {
        let waiting = try refs(in: [.waiting], stage: nil).map(\.key).sorted()
        for start in stride(from: 0, to: waiting.count, by: 500) {
            let chunk = Array(waiting[start..<min(waiting.count, start + 500)])
            try body(chunk, try inputs(of: chunk))
        }
    }

    /// Counts per state over all stages.
    func totalCounts() throws -> [TaskState: Int] {
        try counts().values.reduce(into: [:]) { total, counts in
            for (state, n) in counts { total[state, default: 0] += n }
        }
    }
}
