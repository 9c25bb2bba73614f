import Foundation

extension Scheduler {
    /// One batched poll of every task in flight; their new states are written in one transaction.
    func pollInFlight() async throws {
        let watched = try store.records(in: TaskState.inFlight, stage: settings.stage, limit: nil)
            .compactMap(\.taskId)
        guard !watched.isEmpty else { return }
        let statuses: [EngineTaskStatus]
        do {
            statuses = try await engine.poll(watched)
        } catch {
            warn("poll failed, will try again next cycle: \(error)")
            return
        }
        let byId = Dictionary(statuses.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Read again after the await (see the type's comment).
        let current = try store.records(in: TaskState.inFlight, stage: settings.stage, limit: nil)
        var transitions: [Transition] = []
        for record in current {
            guard let taskId = record.taskId, watched.contains(taskId) else { continue }
            if let status = byId[taskId] {
                transitions += follow(record, to: status, why: nil)
            } else {
                transitions += lost(record, why: "the engine no longer knows task \(taskId)")
            }
        }
        try commit(transitions)
    }

    /// The transitions that bring `record` to the engine's state for its task.
    func follow(_ record: ImageRecord, to status: EngineTaskStatus, why: String?) -> [Transition] {
        let target = status.state.taskState
        var t = Transition(record, to: target, detail: why)
        if record.taskId != status.id { t.taskId = .set(status.id) }
        switch target {
        case record.state:
            return []
        case .completed:
            t.output = status.output.map { .set($0) } ?? .keep
            t.error = .clear
            // An engine's remark on a success (e.g. a result published twice) stays in the journal.
            t.detail = [why, status.error].compactMap { $0 }.joined(separator: "; ").nilIfEmpty
        case .failed:
            t.error = .set(status.error ?? "the engine reported the task FAILED without a message")
            t.detail = t.detail ?? status.error
            // A task the user cancelled is not retried, whatever way it ended.
            return record.state == .cancelling ? [t] : retrying([t], failed: record, attempts: record.attempts)
        case .cancelled:
            t.detail = t.detail ?? "cancelled"
        default:
            break
        }
        // A cancel asked for while in flight stays CANCELLING until the engine ends the task.
        if record.state == .cancelling && !status.state.isTerminal { return [] }
        guard record.state.canTransition(to: target) else {
            warn("\(record.id): engine says \(status.state.rawValue) but the store has \(record.state.rawValue); left as is")
            return []
        }
        return [t]
    }

    /// The engine does not know the task: run it again (same request id, so never twice).
    func lost(_ record: ImageRecord, why: String) -> [Transition] {
        if record.state == .cancelling {
            return [Transition(record, to: .cancelled, detail: why)]
        }
        var requeue = Transition(record, to: .queued, detail: "\(why); requeued")
        requeue.taskId = .clear
        return [requeue]
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
