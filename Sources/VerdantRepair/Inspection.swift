import Foundation
import VerdantCore
import VerdantStore

/// One pass over the store (with an overlay's rows over it), the engine's task list and the
/// outputs: the findings, class by class. A task settled by one class is not counted by a
/// later one, so the options chosen never move one task twice.
struct Inspection {
    let store: SQLiteStatusStore
    let context: RepairContext
    /// Imported rows; a COMPLETED one whose output is there gains its path and fingerprint.
    var overlay: RepairOverlay
    /// Every task as the inspection sees it: stored, or as the overlay says.
    var view: [TaskKey: TaskRef] = [:]
    var storedState: [TaskKey: TaskState] = [:]
    var storedTaskIds: [TaskKey: String] = [:]
    var claimed: Set<TaskKey> = []
    var handled: Set<EngineTaskID> = []
    var findings: [RepairFinding]
    var notes: [String] = []

    init(store: SQLiteStatusStore, context: RepairContext, overlay: RepairOverlay) throws {
        self.store = store; self.context = context; self.overlay = overlay
        findings = overlay.findings
        for ref in try store.refs(in: Set(TaskState.allCases), stage: nil) {
            view[ref.key] = ref
            storedState[ref.key] = ref.state
            if let id = ref.taskId { storedTaskIds[ref.key] = id }
        }
        for (key, row) in overlay.rows {
            var ref = view[key] ?? TaskRef(key: key, state: row.to)
            ref.state = row.to
            ref.taskId = row.taskId.applied(to: ref.taskId)
            ref.requestId = row.requestId.applied(to: ref.requestId)
            ref.paramsHash = row.paramsHash.applied(to: ref.paramsHash)
            ref.attempts = row.attempts ?? ref.attempts
            ref.submissions = row.submissions ?? ref.submissions
            view[key] = ref
        }
    }

    var rows: [TaskRef] { view.values.sorted { $0.key < $1.key } }

    mutating func run() throws -> RepairPlan {
        if let tasks = context.engineTasks {
            let engine = EngineView(tasks: tasks, context: context, view: view)
            if let remedy = context.remedy {
                try remedyFinding(remedy, engine: engine)
            } else {
                duplicates(engine)
                orphans(engine)
                try unknownInFlight(engine)
            }
        } else {
            notes.append("the engine's task list cannot be read while another run owns it: tasks in flight, orphans, "
                + "duplicates and stuck submissions were not looked for")
        }
        try withoutOutput()
        try outputWithoutRecord()
        try waitingOnFailed()
        return plan()
    }

    func plan() -> RepairPlan {
        var touched = Set(overlay.rows.keys)
        for finding in findings { for option in finding.options { touched.formUnion(option.fixes.map(\.key)) } }
        return RepairPlan(findings: findings, overlay: overlay,
                          stored: storedState.filter { touched.contains($0.key) },
                          storedTaskIds: storedTaskIds.filter { touched.contains($0.key) }, notes: notes)
    }

    mutating func add(_ kind: RepairClass, count: Int, examples: [String], options: [RepairOption]) {
        guard count > 0 else { return }
        let noun = count == 1 ? "" : "s"
        findings.append(RepairFinding(kind: kind, title: "\(count) task\(noun) \(kind.summary)", count: count,
                                      examples: Array(examples.prefix(5)), options: options + [.leave]))
    }

    /// The fingerprint a task's output must be made under (a block's covers its inputs).
    func fingerprint(_ key: TaskKey) throws -> String {
        let stage = context.fingerprints[key.stage] ?? ""
        guard context.graph.spec(key.stage)?.unit == .block else { return stage }
        return StageFingerprint.blockDigest(stage: stage, inputs: try store.inputKeys(of: key))
    }

    func detail(_ kind: RepairClass, _ why: String) -> String { "repair \(kind.rawValue): \(why)" }

    /// The row follows an engine task in the state the engine reports.
    func follow(_ row: TaskRef, _ task: EngineTaskStatus, _ kind: RepairClass, why: String) throws -> Transition {
        var t = Transition(key: row.key, from: row.state, to: task.state.taskState, detail: detail(kind, why))
        t.taskId = .set(task.id)
        if let request = task.requestId { t.requestId = .set(request) }
        switch t.to {
        case .completed:
            let check = context.outputs(row.key, try fingerprint(row.key))
            if let path = check.validPath ?? task.output { t.output = .set(path) }
            t.error = .clear
            if row.paramsHash == nil { t.paramsHash = .set(try fingerprint(row.key)) }
        case .failed:
            t.error = .set(task.error ?? "the engine reported the task FAILED without a message")
        default:
            break
        }
        return t
    }

    /// A task the engine does not know: COMPLETED when its valid output is there, CANCELLED
    /// when a cancel was asked, else back to the queue with its request id (the engine has no
    /// task under it, so a new submission under it starts the work once).
    func settle(_ row: TaskRef, _ kind: RepairClass, why: String) throws -> Transition {
        let check = context.outputs(row.key, try fingerprint(row.key))
        if let path = check.validPath, row.state != .cancelling {
            var t = Transition(key: row.key, from: row.state, to: .completed, detail: detail(kind, "\(why); its output is there"))
            t.output = .set(path)
            t.paramsHash = .set(try fingerprint(row.key))
            t.error = .clear
            return t
        }
        if row.state == .cancelling {
            return Transition(key: row.key, from: row.state, to: .cancelled, detail: detail(kind, "\(why); a cancel was asked"))
        }
        var t = Transition(key: row.key, from: row.state, to: .queued, detail: detail(kind, "\(why); requeued with its request id"))
        t.taskId = .clear
        return t
    }
}

/// The engine's task list, indexed.
struct EngineView {
    let tasks: [EngineTaskStatus]
    let byId: [EngineTaskID: EngineTaskStatus]
    let byRequest: [String: EngineTaskStatus]
    /// Our tasks per image and stage, in the engine's order (oldest first).
    var groups: [TaskKey: [EngineTaskStatus]] = [:]
    /// Ours by their request id, but naming no task the store has.
    var unplaced: [EngineTaskStatus] = []

    init(tasks: [EngineTaskStatus], context: RepairContext, view: [TaskKey: TaskRef]) {
        self.tasks = tasks
        byId = Dictionary(tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        byRequest = Dictionary(tasks.compactMap { t in t.requestId.map { ($0, t) } }, uniquingKeysWith: { _, b in b })
        var rowByRequest: [String: TaskKey] = [:]
        for ref in view.values { if let r = ref.requestId { rowByRequest[r] = ref.key } }
        for task in tasks where context.isOurs(task) {
            if let key = context.owner(of: task) ?? task.requestId.flatMap({ rowByRequest[$0] }) {
                groups[key, default: []].append(task)
            } else {
                unplaced.append(task)
            }
        }
    }

    func task(for row: TaskRef) -> EngineTaskStatus? {
        row.taskId.flatMap { byId[$0] } ?? row.requestId.flatMap { byRequest[$0] }
    }

    static func names(_ row: TaskRef, _ task: EngineTaskStatus) -> Bool {
        row.taskId == task.id || (row.requestId != nil && row.requestId == task.requestId)
    }
}
