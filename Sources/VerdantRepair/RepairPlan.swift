import Foundation
import VerdantCore
import VerdantStore

/// One way of settling a finding: the tasks it moves (each `from` the state the inspection
/// saw), the engine tasks it cancels and the inputs it lets go.
public struct RepairOption: Sendable {
    public var title: String
    public var fixes: [Transition]
    public var cancels: [EngineTaskStatus]
    public var waivers: [RepairWaiver]

    public init(title: String, fixes: [Transition] = [], cancels: [EngineTaskStatus] = [], waivers: [RepairWaiver] = []) {
        self.title = title; self.fixes = fixes; self.cancels = cancels; self.waivers = waivers
    }

    /// Every finding can be left as it is (the wizard's "skip").
    public static let leave = RepairOption(title: "leave as is")
}

/// A waiting task that goes on without some of its inputs.
public struct RepairWaiver: Sendable, Equatable {
    public var key: TaskKey
    public var inputs: [TaskKey]
    public init(key: TaskKey, inputs: [TaskKey]) { self.key = key; self.inputs = inputs }
}

/// One class of inconsistency found, with the ways to settle it; `options[0]` is the default.
public struct RepairFinding: Sendable {
    public var kind: RepairClass
    public var title: String
    /// How many tasks (or engine tasks, or file rows) it concerns.
    public var count: Int
    /// A few of them, for a person (task keys, engine task ids, file rows).
    public var examples: [String]
    public var options: [RepairOption]
    public var chosen: Int = 0

    public init(kind: RepairClass, title: String, count: Int, examples: [String], options: [RepairOption]) {
        self.kind = kind; self.title = title; self.count = count; self.examples = examples; self.options = options
    }

    public var option: RepairOption { options[chosen] }
}

/// A row that would change, as the diff shows it.
public struct RepairChange: Sendable, Equatable {
    public var subject: String
    public var before: String
    public var after: String
    /// The journal's detail: which repair, and why.
    public var why: String
    public init(subject: String, before: String, after: String, why: String) {
        self.subject = subject; self.before = before; self.after = after; self.why = why
    }
}

/// Rows an imported file gives (or any source other than the store): what each task is
/// according to it, before repair settles it.
public struct RepairOverlay: Sendable {
    /// Per task: the state and fields the source gives, `from` the stored state (`.discovered`
    /// for a task the store does not have yet), `detail` naming the source row.
    public var rows: [TaskKey: Transition] = [:]
    /// Tasks the store does not have yet: registered at their first legal state, then moved.
    public var newTasks: [TaskKey: NewTask] = [:]
    /// Findings of the source itself (rows dropped as duplicates), shown before the others.
    public var findings: [RepairFinding] = []
    public init() {}
}

/// What a repair would do: the findings with their chosen options, the diff, the writes.
public struct RepairPlan: Sendable {
    public var findings: [RepairFinding]
    public var overlay: RepairOverlay
    /// The stored state of every task a finding or the overlay touches (absent: not stored).
    public var stored: [TaskKey: TaskState]
    /// The stored engine task id of those tasks, for the diff.
    public var storedTaskIds: [TaskKey: String]
    /// Sentences for a person: classes not looked for and why, tasks still running.
    public var notes: [String]

    public init(findings: [RepairFinding] = [], overlay: RepairOverlay = RepairOverlay(), stored: [TaskKey: TaskState] = [:],
                storedTaskIds: [TaskKey: String] = [:], notes: [String] = []) {
        self.findings = findings; self.overlay = overlay; self.stored = stored
        self.storedTaskIds = storedTaskIds; self.notes = notes
    }

    /// Nothing to write, cancel or let go with the options chosen.
    public var isEmpty: Bool {
        ((try? steps().isEmpty) ?? false) && cancels.isEmpty && findings.allSatisfy { $0.option.waivers.isEmpty }
    }

    public func finding(_ kind: RepairClass) -> RepairFinding? { findings.first { $0.kind == kind } }

    /// Picks option `index` of the finding of `kind`.
    public mutating func choose(_ kind: RepairClass, option index: Int) {
        guard let at = findings.firstIndex(where: { $0.kind == kind }), findings[at].options.indices.contains(index) else { return }
        findings[at].chosen = index
    }

    /// Engine tasks to cancel under the chosen options, each once.
    public var cancels: [EngineTaskStatus] {
        var seen: Set<EngineTaskID> = []
        return findings.flatMap(\.option.cancels).filter { seen.insert($0.id).inserted }
    }

    /// Every row that would change: tasks (stored state → final state), engine tasks
    /// cancelled, inputs let go.
    public func changes() -> [RepairChange] {
        var list: [RepairChange] = []
        for step in (try? steps()) ?? [] {
            let before = step.stored.map { state in
                state.rawValue + (storedTaskIds[step.key].map { " (task \($0))" } ?? "")
            } ?? "not in the store"
            list.append(RepairChange(subject: step.key.description, before: before,
                                     after: step.final.to.rawValue + Self.fieldNote(step.final), why: step.final.detail ?? ""))
        }
        for finding in findings {
            for task in finding.option.cancels {
                list.append(RepairChange(subject: "engine task \(task.id) (\(task.description))", before: task.state.rawValue,
                                         after: "cancel requested", why: "repair \(finding.kind.rawValue)"))
            }
            for waiver in finding.option.waivers {
                list.append(RepairChange(subject: waiver.key.description,
                                         before: "waits on " + waiver.inputs.map(\.description).joined(separator: ", "),
                                         after: "goes on without them", why: "repair \(finding.kind.rawValue): released"))
            }
        }
        return list
    }

    static func fieldNote(_ t: Transition) -> String {
        var notes: [String] = []
        if case .set(let id) = t.taskId { notes.append("task \(id)") }
        if t.from != .discovered {
            if t.requestId == .clear { notes.append("new request id") }
            else if t.to == .queued, t.from.isInFlight { notes.append("request id kept") }
        }
        if case .set(let output) = t.output { notes.append("output \(output)") }
        if case .set(let error) = t.error { notes.append("error: \(error)") }
        return notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
    }

    /// One task's change: where it is, where it goes, with which fields.
    struct TaskStep {
        var key: TaskKey
        var stored: TaskState?
        /// From the stored state (or DISCOVERED) to the final state, fields merged.
        var final: Transition
        var newTask: NewTask?
    }

    /// The overlay's rows and the chosen fixes merged per task, in a stable order.
    func steps() throws -> [TaskStep] {
        var fixes: [TaskKey: Transition] = [:]
        var order: [TaskKey] = []
        for key in overlay.rows.keys.sorted() { order.append(key) }
        for finding in findings {
            for fix in finding.option.fixes {
                if fixes[fix.key] == nil && overlay.rows[fix.key] == nil { order.append(fix.key) }
                fixes[fix.key] = fixes[fix.key].map { Self.merge($0, fix) } ?? fix
            }
        }
        return order.compactMap { key in
            let base = overlay.rows[key], fix = fixes[key]
            let from = stored[key] ?? .discovered
            var final = Transition(key: key, from: from, to: fix?.to ?? base!.to)
            final = Self.merge(Self.merge(final, base), fix)
            final.from = from
            final.to = fix?.to ?? base!.to
            let details = [base?.detail, fix?.detail].compactMap { $0 }
            final.detail = details.isEmpty ? nil : details.joined(separator: "; ")
            if from == final.to && base == nil && !Self.changesFields(final) { return nil }
            return TaskStep(key: key, stored: stored[key], final: final, newTask: overlay.newTasks[key])
        }
    }

    /// `later`'s field changes over `earlier`'s.
    static func merge(_ earlier: Transition, _ later: Transition?) -> Transition {
        guard let later else { return earlier }
        var t = earlier
        t.to = later.to
        if later.taskId != .keep { t.taskId = later.taskId }
        if later.requestId != .keep { t.requestId = later.requestId }
        if later.paramsHash != .keep { t.paramsHash = later.paramsHash }
        if later.reason != .keep { t.reason = later.reason }
        if later.error != .keep { t.error = later.error }
        if later.output != .keep { t.output = later.output }
        if later.notBefore != .keep { t.notBefore = later.notBefore }
        t.attempts = later.attempts ?? t.attempts
        t.submissions = later.submissions ?? t.submissions
        t.engine = later.engine ?? t.engine
        return t
    }

    static func changesFields(_ t: Transition) -> Bool {
        t.taskId != .keep || t.requestId != .keep || t.paramsHash != .keep || t.reason != .keep || t.error != .keep
            || t.output != .keep || t.notBefore != .keep || t.attempts != nil || t.submissions != nil
    }

    /// The writes: new tasks at their first legal state, then for every task the legal path
    /// from where it is to where it goes (two steps or more when the state table has no
    /// direct one: FAILED → QUEUED → SKIPPED), the fields set at the last step.
    public func storeRepair() throws -> StoreRepair {
        var repair = StoreRepair()
        for step in try steps() {
            var from = step.stored ?? .discovered
            var path = try LegalPath.between(from, step.final.to, key: step.key)
            var final = step.final
            if var task = step.newTask {
                // Registered at the path's first state with every field it ends with; the
                // steps after it change only the state.
                task.record = task.record.applyingFields(of: final)
                task.record.state = path[1]
                task.reason = final.detail
                repair.newTasks.append(task)
                path.removeFirst()
                from = path[0]
                final = Transition(key: step.key, from: from, to: final.to, detail: final.detail)
                if path.count == 1 { continue }
            }
            if path.count == 1 {
                repair.steps.append(final)
                continue
            }
            for (previous, next) in zip(path, path.dropFirst()) {
                var t = next == final.to ? final : Transition(key: step.key, from: previous, to: next, detail: final.detail)
                t.from = previous
                t.to = next
                repair.steps.append(t)
            }
            if final.attempts == 0 && final.requestId == .clear { repair.clearedWaivers.append(step.key) }
        }
        for finding in findings {
            for waiver in finding.option.waivers {
                repair.waivers.append((waiver.key, waiver.inputs, "let go on without it by repair \(finding.kind.rawValue)"))
            }
        }
        return repair
    }
}

/// The shortest chain of legal transitions between two states (breadth first over the state
/// table): a repair writes only histories the table allows.
enum LegalPath {
    static func between(_ from: TaskState, _ to: TaskState, key: TaskKey) throws -> [TaskState] {
        if from == to { return [from] }
        var previous: [TaskState: TaskState] = [:]
        var frontier = [from]
        var seen: Set<TaskState> = [from]
        while !frontier.isEmpty {
            var next: [TaskState] = []
            for state in frontier {
                // QUEUED first: a task passing through the queue reads as the scheduler writes it.
                let targets = TaskState.allowed[state, default: []].sorted { a, b in a == .queued ? b != .queued : (b == .queued ? false : a < b) }
                for target in targets where seen.insert(target).inserted {
                    previous[target] = state
                    if target == to {
                        var path = [to]
                        while let p = previous[path[0]] { path.insert(p, at: 0) }
                        return path
                    }
                    next.append(target)
                }
            }
            frontier = next
        }
        throw IllegalTransition(key: key, from: from, to: to)
    }
}
