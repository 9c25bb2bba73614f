import Foundation

extension Scheduler {
    /// Brings the store into agreement with the engine after a crash or a stop: tasks the engine
    /// knows are adopted in the state it reports; the others are requeued (keeping their request
    /// id, so a submission that did reach the engine is not started twice).
    public func reconcile() async throws {
        guard try !store.records(in: TaskState.inFlight, stage: settings.stage, limit: 1).isEmpty else { return }
        let known = try await engine.listAll()
        // Read after the await (see the type's comment).
        let open = try store.records(in: TaskState.inFlight, stage: settings.stage, limit: nil)
        let byId = Dictionary(known.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let byRequest = Dictionary(known.compactMap { s in s.requestId.map { ($0, s) } }, uniquingKeysWith: { a, _ in a })

        var transitions: [Transition] = []
        var toCancel: [EngineTaskID] = []
        var adopted = 0, requeued = 0
        for record in open {
            let status = record.taskId.flatMap { byId[$0] } ?? record.requestId.flatMap { byRequest[$0] }
            guard let status else {
                transitions += lost(record, why: "reconciliation: the engine does not know this task")
                requeued += 1
                continue
            }
            adopted += 1
            if record.state == .cancelling && !status.state.isTerminal {
                toCancel.append(status.id)
                continue
            }
            transitions += follow(record, to: status, why: "reconciliation: adopted task \(status.id)")
        }
        try commit(transitions)
        try await askEngineToCancel(toCancel)
        logger.info("reconciled \(open.count) task(s) left in flight: \(adopted) adopted, \(requeued) requeued")
    }
}
