import Foundation

/// What a run must change in the store so that it follows the current parameters, computed at
/// every start (and shown by `verdant check` without applying it): new tasks to register,
/// tasks that leave the queue because the parameters no longer want them (and come back when
/// the parameters come back), outputs made under other parameters to redo, failed tasks with
/// attempts left to try again, block tasks whose images changed.
public struct ReconciliationPlan: Sendable {
    public var newTasks: [NewTask] = []
    public var transitions: [Transition] = []
    /// Block tasks whose input list changes.
    public var inputChanges: [(key: TaskKey, inputs: [TaskKey])] = []
    /// Sentences for the log (outputs on disk made under other parameters, catalog failures).
    public var notes: [String] = []
    /// Tasks left in flight by an earlier run that the parameters no longer want, with why:
    /// the scheduler lets them finish, but does not retry them (`Scheduler.setUnwanted`).
    public var unwantedInFlight: [TaskKey: String] = [:]
    public var summary = Summary()

    public enum Change: String, Sendable, CaseIterable {
        case leave = "leave the queue"
        case back = "come back"
        case outdated = "redo: made under other parameters"
        case retry = "retry: failed with attempts left"
        case inputs = "inputs changed"
    }

    public struct Summary: Sendable, Equatable {
        /// New tasks per stage and first state.
        public var registered: [Stage: [TaskState: Int]] = [:]
        /// Changes of stored tasks per stage and kind.
        public var changes: [Stage: [Change: Int]] = [:]
        /// Reasons tasks leave the queue, with counts.
        public var leaveReasons: [String: Int] = [:]
        /// Outputs found in the output folder that were made under other parameters.
        public var outputsUnderOtherParameters = 0
        public var catalogFailures = 0
        /// Tasks an earlier run left in flight whose image is still wanted (the unwanted ones
        /// are `unwantedInFlight`).
        public var inFlightWanted = 0

        public func registered(_ state: TaskState) -> Int { registered.values.reduce(0) { $0 + $1[state, default: 0] } }
        public func changed(_ change: Change) -> Int { changes.values.reduce(0) { $0 + $1[change, default: 0] } }
    }

    /// What the plan needs to know besides the discovery result.
    public struct Context {
        public var graph: StageGraph
        public var fingerprints: [Stage: String]
        public var maxAttempts: Int
        /// Every stored task (light rows).
        public var stored: [TaskRef]
        /// The fingerprint of an output already in the output folder: nil when there is none,
        /// "" when it carries none (written by an older verdant).
        public var publishedFingerprint: (TaskKey) -> String?
        /// Where an output already in the output folder is (recorded with a SKIPPED task, so the
        /// tasks reading it get its path).
        public var publishedOutput: (TaskKey) -> String?
        /// The stored inputs of a block task.
        public var storedInputs: (TaskKey) throws -> [TaskKey]
        public var blocks: BlockPlanner

        public init(graph: StageGraph, fingerprints: [Stage: String], maxAttempts: Int, stored: [TaskRef],
                    publishedFingerprint: @escaping (TaskKey) -> String?,
                    publishedOutput: @escaping (TaskKey) -> String? = { _ in nil },
                    storedInputs: @escaping (TaskKey) throws -> [TaskKey] = { _ in [] },
                    blocks: BlockPlanner = TileBlockPlanner()) {
            self.graph = graph; self.fingerprints = fingerprints; self.maxAttempts = maxAttempts
            self.stored = stored; self.publishedFingerprint = publishedFingerprint
            self.publishedOutput = publishedOutput
            self.storedInputs = storedInputs; self.blocks = blocks
        }
    }

    public init() {}

    public init(_ found: Discovery.Result, discovery: Discovery, context: Context) throws {
        var byId: [String: [Stage: TaskRef]] = [:]
        for ref in context.stored { byId[ref.key.id, default: [:]][ref.key.stage] = ref }
        var planner = Planner(context: context, plan: self)

        var listed: Set<String> = []
        var wantedImages: [CatalogImage] = []
        for (image, verdict) in found.images where listed.insert(image.id).inserted {
            if verdict.isWanted { wantedImages.append(image) }
            planner.image(image, verdict: verdict, stored: byId[image.id] ?? [:])
        }
        let failed = Set(found.failures.compactMap(\.id))
        for failure in found.failures {
            planner.catalogFailure(failure, stored: failure.id.flatMap { byId[$0] } ?? [:], listed: listed)
        }
        // Stored images the catalog no longer lists (or lists outside the filters it applies).
        for ref in context.stored.sorted(by: { $0.key < $1.key })
        where context.graph.spec(ref.key.stage)?.unit == .image && !listed.contains(ref.key.id) && !failed.contains(ref.key.id) {
            let verdict: Discovery.Verdict = ref.acquired.map { !discovery.parameters.dates.containsExtended($0) } == true
                ? .unmatched(discovery.datesReason) : .unmatched("no longer listed by the catalog")
            planner.stored(ref, verdict: verdict)
        }
        for spec in context.graph.specs where spec.unit == .block {
            try planner.blockStage(spec, blocks: context.blocks.blocks(of: wantedImages),
                                   stored: context.stored.filter { $0.key.stage == spec.stage })
        }
        self = planner.plan
    }
}

/// The rules, one task at a time.
private struct Planner {
    let context: ReconciliationPlan.Context
    var plan: ReconciliationPlan

    init(context: ReconciliationPlan.Context, plan: ReconciliationPlan) {
        self.context = context; self.plan = plan
    }

    func fingerprint(_ stage: Stage) -> String { context.fingerprints[stage] ?? "" }

    /// Where a task that must (re)start goes: QUEUED when it reads nothing, else WAITING (the
    /// scheduler promotes it as soon as its inputs are final).
    func startState(_ stage: Stage) -> TaskState {
        (context.graph.spec(stage)?.inputs.isEmpty ?? true) ? .queued : .waiting
    }

    mutating func image(_ image: CatalogImage, verdict: Discovery.Verdict, stored: [Stage: TaskRef]) {
        for spec in context.graph.specs where spec.unit == .image {
            let key = TaskKey(spec.stage, image.id)
            if let ref = stored[spec.stage] {
                self.stored(ref, verdict: verdict)
            } else {
                register(image, key: key, spec: spec, verdict: verdict)
            }
        }
    }

    mutating func register(_ image: CatalogImage, key: TaskKey, spec: StageSpec, verdict: Discovery.Verdict) {
        var record = TaskRecord(id: image.id, stage: spec.stage, acquired: image.acquired, tile: image.tile,
                                footprint: image.footprint, cloudCover: image.cloudCover, source: image.source,
                                state: .queued)
        let reason: String
        switch verdict {
        case .unmatched:
            return
        case .outOfArea(let why):
            (record.state, reason) = (.outOfArea, why)
        case .excluded(let why):
            (record.state, reason) = (.excluded, why)
        case .wanted:
            let published = context.publishedFingerprint(key)
            if published == fingerprint(spec.stage) {
                (record.state, reason) = (.skipped, "output already in the output folder")
                record.paramsHash = published
                record.output = context.publishedOutput(key)
            } else {
                if published != nil { noteOtherParameters(key) }
                (record.state, reason) = (startState(spec.stage), "in range and in area")
            }
        }
        if record.state != .queued && record.state != .waiting { record.reason = reason }
        let inputs = spec.inputs.map { TaskKey($0, image.id) }
        plan.newTasks.append(NewTask(record: record, reason: reason, inputs: inputs))
        plan.summary.registered[spec.stage, default: [:]][record.state, default: 0] += 1
    }

    mutating func noteOtherParameters(_ key: TaskKey) {
        plan.summary.outputsUnderOtherParameters += 1
        if plan.summary.outputsUnderOtherParameters <= 20 {
            plan.notes.append("\(key): the output on disk was made under other parameters; it will be redone")
        } else if plan.summary.outputsUnderOtherParameters == 21 {
            plan.notes.append("… more outputs on disk made under other parameters (see the count)")
        }
    }

    mutating func stored(_ ref: TaskRef, verdict: Discovery.Verdict) {
        let stage = ref.key.stage
        if ref.state.isInFlight {
            if let why = verdict.reason {
                plan.unwantedInFlight[ref.key] = why
            } else {
                plan.summary.inFlightWanted += 1
            }
        }
        switch verdict {
        case .wanted:
            wanted(ref)
        case .outOfArea(let why), .excluded(let why), .unmatched(let why):
            var target: TaskState = .excluded
            if case .outOfArea = verdict { target = .outOfArea }
            guard ref.state != target else { return }
            let leaves: Set<TaskState> = [.waiting, .queued, .failed, .cancelled, .excluded, .outOfArea]
            guard leaves.contains(ref.state) else { return }
            var t = Transition(ref, to: target, detail: "left the queue: \(why)")
            t.reason = .set(why)
            add(t, .leave, stage: stage)
            plan.summary.leaveReasons[why, default: 0] += 1
        }
    }

    /// `current`: the fingerprint its work must be made under (a block's covers its inputs).
    mutating func wanted(_ ref: TaskRef, current given: String? = nil) {
        let stage = ref.key.stage, current = given ?? fingerprint(stage)
        switch ref.state {
        case .excluded, .outOfArea:
            let published = context.publishedFingerprint(ref.key)
            if published == current {
                var t = Transition(ref, to: .skipped, detail: "wanted again; output already in the output folder")
                t.paramsHash = .set(current)
                t.output = context.publishedOutput(ref.key).map { .set($0) } ?? .keep
                t.reason = .set("output already in the output folder")
                add(t, .back, stage: stage)
            } else {
                if published != nil { noteOtherParameters(ref.key) }
                add(restart(ref, detail: "wanted again by the current parameters"), .back, stage: stage)
            }
        case .completed where ref.paramsHash != current, .skipped where ref.paramsHash != current:
            add(restart(ref, detail: "made under other parameters (\(short(ref.paramsHash)) -> \(short(current))); redone"),
                .outdated, stage: stage)
        case .failed where ref.paramsHash != nil && ref.paramsHash != current:
            add(restart(ref, detail: "failed under other parameters; tried again under the current ones"), .retry, stage: stage)
        case .failed where ref.attempts < context.maxAttempts:
            var t = restart(ref, detail: "failed after \(ref.attempts) of \(context.maxAttempts) attempts; tried again")
            t.attempts = ref.attempts  // a raised max_attempts gives the rest, not a fresh budget
            add(t, .retry, stage: stage)
        default:
            break
        }
    }

    /// Back to the queue (or to waiting) as new work: a new request id at the next submission,
    /// a fresh budget of attempts.
    func restart(_ ref: TaskRef, detail: String) -> Transition {
        .startingAgain(ref.key, from: ref.state, to: startState(ref.key.stage), detail: detail)
    }

    mutating func add(_ t: Transition, _ change: ReconciliationPlan.Change, stage: Stage) {
        plan.transitions.append(t)
        plan.summary.changes[stage, default: [:]][change, default: 0] += 1
    }

    /// A catalog entry that could not be read: its first stage's task is FAILED with the
    /// problem (downstream tasks wait on it, visibly), unless the store already has it.
    mutating func catalogFailure(_ failure: CatalogFailure, stored: [Stage: TaskRef], listed: Set<String>) {
        plan.summary.catalogFailures += 1
        plan.notes.append("catalog: \(failure)")
        guard let id = failure.id, !listed.contains(id), stored.isEmpty else { return }
        for spec in context.graph.specs where spec.unit == .image {
            let first = spec.inputs.isEmpty
            var record = TaskRecord(id: id, stage: spec.stage, acquired: failure.acquired ?? Date(timeIntervalSince1970: 0),
                                    tile: "", footprint: "{}", cloudCover: nil, source: failure.source ?? failure.location,
                                    state: first ? .failed : .waiting)
            if first { record.error = "catalog entry unreadable: \(failure)" }
            plan.newTasks.append(NewTask(record: record, reason: first ? record.error : "in the catalog",
                                         inputs: spec.inputs.map { TaskKey($0, id) }))
            plan.summary.registered[spec.stage, default: [:]][record.state, default: 0] += 1
        }
    }

    mutating func blockStage(_ spec: StageSpec, blocks: [AreaBlock], stored: [TaskRef]) throws {
        let storedByKey = Dictionary(stored.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var planned: Set<TaskKey> = []
        for block in blocks {
            let key = TaskKey(spec.stage, block.id)
            planned.insert(key)
            let inputs = Self.inputs(of: spec, block: block, graph: context.graph)
            guard let ref = storedByKey[key] else {
                let record = TaskRecord(id: block.id, stage: spec.stage, acquired: block.start, tile: block.tile,
                                        footprint: block.footprint, cloudCover: nil, source: block.tile, state: .waiting)
                plan.newTasks.append(NewTask(record: record, reason: "\(block.imageIds.count) image(s)", inputs: inputs))
                plan.summary.registered[spec.stage, default: [:]][.waiting, default: 0] += 1
                continue
            }
            let before = try context.storedInputs(key)
            let changed = Set(before) != Set(inputs)
            if changed {
                plan.inputChanges.append((key, inputs))
                plan.summary.changes[spec.stage, default: [:]][.inputs, default: 0] += 1
            }
            if ref.state == .queued && changed {
                add(restart(ref, detail: "its images changed (\(before.count) -> \(inputs.count) inputs)"), .inputs, stage: spec.stage)
            } else {
                // A block's fingerprint covers its input list: changed images make done work
                // outdated like changed parameters (StageFingerprint.blockDigest).
                wanted(ref, current: StageFingerprint.blockDigest(stage: fingerprint(spec.stage), inputs: inputs))
            }
        }
        for ref in stored where !planned.contains(ref.key) {
            self.stored(ref, verdict: .excluded("no wanted image in this block under the current parameters"))
        }
    }

    /// A block task's inputs: an image stage's task of every image of the block; for a block
    /// stage, the block's own task and, through it, what that task reads. The second part only
    /// orders nothing (those tasks are final before the block task they feed), but it puts the
    /// block's images in the task's input list, so its fingerprint (`blockDigest`) changes with
    /// them: the season maps of a block whose images changed are redone with its series.
    static func inputs(of spec: StageSpec, block: AreaBlock, graph: StageGraph) -> [TaskKey] {
        spec.inputs.flatMap { input -> [TaskKey] in
            guard let upstream = graph.spec(input) else { return [] }
            guard upstream.unit == .block else { return block.imageIds.map { TaskKey(input, $0) } }
            return [TaskKey(input, block.id)] + inputs(of: upstream, block: block, graph: graph)
        }
    }

    func short(_ hash: String?) -> String { hash.map { String($0.prefix(8)) } ?? "none" }
}
