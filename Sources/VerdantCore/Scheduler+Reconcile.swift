import Foundation

extension Scheduler {
    /// Brings the store into agreement with the engine after a crash or a stop: tasks the engine
    /// knows are adopted in the state it reports; the others are requeued, keeping their request
    /// id (so a submission that did reach the engine is not started twice) and their attempt
    /// count (a run that died did not fail them). An engine that cannot be listed now is listed
    /// again at the next cycle.
    public func reconcile() async throws {
        guard try store.count(in: TaskState.inFlight) > 0 else {
            engineReconciled = true
            return
        }
        let known: [EngineTaskStatus]
        do {
            known = try await engine.listAll()
        } catch {
            if case EngineError.unavailable(let outage, let message, let after) = error { holdFor(outage, message, retryAfter: after) }
            warn("reconciliation: cannot list the engine's tasks, will try again: \(error)")
            return
        }
        // Read after the await (see the type's comment).
        let open = try store.refs(in: TaskState.inFlight, stage: nil)
        let byId = Dictionary(known.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let byRequest = Dictionary(known.compactMap { s in s.requestId.map { ($0, s) } }, uniquingKeysWith: { a, _ in a })

        var transitions: [Transition] = []
        var toCancel: [EngineTaskID] = []
        var adopted = 0, requeued = 0
        for ref in open {
            let status = ref.taskId.flatMap { byId[$0] } ?? ref.requestId.flatMap { byRequest[$0] }
            guard let status else {
                if ref.state == .cancelling {
                    // Named and unknown: not running. Unnamed: resolveUnnamedCancels decides.
                    if ref.taskId != nil || engine.reportsRequestIds {
                        transitions.append(Transition(ref, to: .cancelled, detail: "reconciliation: the engine does not know this task"))
                    }
                    continue
                }
                if ref.state == .submitting && ref.taskId == nil && !engine.reportsRequestIds {
                    // The engine's list cannot tell whether it has this request: send the same
                    // request again (it answers with the task it has, or starts it once).
                    try store.markUnclear(ref.key, error: "left SUBMITTING by an earlier run", retryAt: now())
                    requeued += 1
                    continue
                }
                var requeue = Transition(ref, to: .queued, detail: "reconciliation: the engine does not know this task; requeued with its request id")
                requeue.taskId = .clear
                transitions.append(requeue)
                requeued += 1
                continue
            }
            adopted += 1
            if ref.state == .cancelling && !status.state.isTerminal {
                if ref.taskId == nil { try store.nameTask(ref.key, taskId: status.id) }
                toCancel.append(status.id)
                continue
            }
            transitions += follow(ref, to: status, why: "reconciliation: adopted task \(status.id)")
        }
        try commit(transitions)
        // Only once written: a refused commit leaves the next cycle to list the engine again.
        engineReconciled = true
        try await askEngineToCancel(toCancel)
        logger.info("reconciled \(open.count) task(s) left in flight: \(adopted) adopted, \(requeued) requeued")
        // Tasks of the same account that no stage of ours describes (another tool's, a person's
        // exports): never adopted nor cancelled, only shown.
        let prefixes = settings.graph.stages.map { $0.rawValue + "_" }
        let foreign = known.filter { task in !task.state.isTerminal && !prefixes.contains { task.description.hasPrefix($0) } }
        if !foreign.isEmpty {
            logger.info("\(foreign.count) task(s) of the engine are not verdant's and are left alone: \(foreign.prefix(5).map { "\($0.description) (\($0.state.rawValue))" }.joined(separator: ", "))\(foreign.count > 5 ? ", …" : "")")
        }
    }
}
