import Foundation

extension Scheduler {
    /// Resolves command targets: `stage/id` is one task, a bare id every stage's task of that
    /// image or block. Unknown targets are returned apart.
    func resolve(_ targets: [String]) throws -> (records: [TaskRecord], unknown: [String]) {
        var records: [TaskRecord] = []
        var seen: Set<TaskKey> = []
        var unknown: [String] = []
        for target in targets {
            let found: [TaskRecord]
            if let key = TaskKey(text: target) {
                found = try store.record(key).map { [$0] } ?? []
            } else {
                found = try store.records(id: target)
            }
            if found.isEmpty { unknown.append(target) }
            // A target given twice would make two transitions from the same state: the store
            // refuses the second and, with it, the whole batch.
            for record in found where seen.insert(record.key).inserted { records.append(record) }
        }
        return (records, unknown)
    }

    /// Cancels tasks: queued and waiting ones at once, in-flight ones by asking the engine
    /// (after writing CANCELLING). Returns how many tasks were affected.
    @discardableResult
    public func cancel(targets: [String]) async throws -> Int {
        commandEpoch += 1
        let (records, unknown) = try resolve(targets)
        if !unknown.isEmpty { warn("cancel: no task \(unknown.prefix(5).joined(separator: ", "))\(unknown.count > 5 ? " (+\(unknown.count - 5))" : "")") }
        return try await cancel(records.map(TaskRef.init))
    }

    func cancel(_ refs: [TaskRef]) async throws -> Int {
        var transitions: [Transition] = []
        var engineIds: [EngineTaskID] = []
        for ref in refs {
            switch ref.state {
            case .queued, .waiting:
                transitions.append(Transition(ref, to: .cancelled, detail: "cancelled before submission"))
            case .submitting where ref.taskId == nil:
                // On its way, or its answer was unclear: the engine may have it. CANCELLING is
                // written now (it survives a crash); the submission's answer, or
                // resolveUnnamedCancels, names the engine's task and cancels it.
                transitions.append(Transition(ref, to: .cancelling, detail: "cancel requested; the engine has not named the task yet"))
            case .submitting, .ready, .running:
                transitions.append(Transition(ref, to: .cancelling, detail: "cancel requested"))
                if let taskId = ref.taskId { engineIds.append(taskId) }
            default:
                continue
            }
        }
        try commit(transitions)
        try await askEngineToCancel(engineIds)
        return transitions.count
    }

    /// Cancels everything waiting, queued or in flight, with one engine call.
    @discardableResult
    public func cancelAll() async throws -> Int {
        commandEpoch += 1
        let open = try store.refs(in: TaskState.inFlight.union([.queued, .waiting]), stage: nil)
        return try await cancel(open.filter { $0.state != .cancelling })
    }

    /// Asks the engine to cancel; a failure leaves the tasks CANCELLING (never CANCELLED while
    /// the engine may still run them) and the next poll asks again.
    func askEngineToCancel(_ ids: [EngineTaskID]) async throws {
        guard !ids.isEmpty else { return }
        do {
            try await engine.cancel(ids)
        } catch {
            warn("cancel of \(ids.count) task(s) failed, will ask again: \(error)")
            if case EngineError.unavailable(let outage, let message, let after) = error { holdFor(outage, message, retryAfter: after) }
        }
        wake()
    }

    /// CANCELLING tasks the engine never named (their submission's outcome was unclear): the
    /// same request is sent again — the engine answers with the task it has, or starts it —
    /// and the task it names is cancelled. A clear refusal means nothing runs: CANCELLED.
    func resolveUnnamedCancels() async throws {
        // Those still on their way from this process are settled by their submission's answer.
        let unnamed = try store.refs(in: [.cancelling], stage: nil).filter { $0.taskId == nil && !submittingNow.contains($0.key) }
        guard !unnamed.isEmpty else { return }
        if engine.reportsRequestIds, let known = try? await engine.listAll() {
            // Engines that list request ids can tell at once which of them exist.
            let byRequest = Dictionary(known.compactMap { s in s.requestId.map { ($0, s) } }, uniquingKeysWith: { a, _ in a })
            var transitions: [Transition] = []
            var toCancel: [EngineTaskID] = []
            for ref in unnamed {
                if let status = ref.requestId.flatMap({ byRequest[$0] }) {
                    if status.state.isTerminal {
                        transitions += follow(ref, to: status, why: "found by its request id")
                        continue
                    }
                    toCancel.append(status.id)
                    // Same state: only the task id changes, which the next poll will see.
                    try store.nameTask(ref.key, taskId: status.id)
                } else {
                    transitions.append(Transition(ref, to: .cancelled, detail: "the engine never started it"))
                }
            }
            try commit(transitions)
            try await askEngineToCancel(toCancel)
            return
        }
        for ref in unnamed {
            guard let requestId = ref.requestId, let record = try store.record(ref.key) else {
                try commit([Transition(ref, to: .cancelled, detail: "never submitted")])
                continue
            }
            // The same job as first sent (its inputs included), should the engine start it now.
            let inputs = try store.inputs(of: [ref.key])[ref.key] ?? []
            let given = inputs.filter { !$0.waived && TaskState.delivered.contains($0.state) }
                .map(\.jobInput)
            let neighbours = record.stage == .cloudMask && settings.neighbours ? try store.neighbours(of: [record.id])[record.id] : nil
            let job = Job(id: record.id, stage: record.stage, source: record.source, inputs: given,
                          paramsHash: record.paramsHash ?? "", neighbours: neighbours)
            do {
                let taskId = try await engine.submit(job, requestId: requestId)
                try store.nameTask(ref.key, taskId: taskId)
                try await askEngineToCancel([taskId])
            } catch EngineError.rejected(let message) {
                try commit([Transition(ref, to: .cancelled, detail: "the engine refused the request: \(message)")])
            } catch {
                warn("\(ref.key): cancel still waiting for the engine: \(error)")
            }
        }
    }
}
