import Foundation

extension Scheduler {
    /// Cancels images: queued ones at once, in-flight ones by asking the engine (after writing
    /// CANCELLING). Returns how many images were affected.
    @discardableResult
    public func cancel(imageIds: [String]) async throws -> Int {
        var transitions: [Transition] = []
        var engineIds: [EngineTaskID] = []
        var seen: Set<String> = []
        var deferred = 0
        // An id given twice would make two transitions from the same state: the store refuses
        // the second and, with it, the whole batch.
        for id in imageIds where seen.insert(id).inserted {
            guard let record = try store.record(id: id, stage: settings.stage) else {
                throw StoreError("no image \(id) in the status store")
            }
            switch record.state {
            case .queued:
                transitions.append(Transition(record, to: .cancelled, detail: "cancelled before submission"))
            case .submitting where record.taskId == nil:
                // Its submission is on its way; cancel as soon as the engine names the task.
                cancelAfterSubmit.insert(id)
                deferred += 1
            case .submitting, .ready, .running:
                transitions.append(Transition(record, to: .cancelling, detail: "cancel requested"))
                if let taskId = record.taskId { engineIds.append(taskId) }
            default:
                continue
            }
        }
        try commit(transitions)
        try await askEngineToCancel(engineIds)
        return transitions.count + deferred
    }

    /// Cancels everything queued or in flight, with one engine call.
    @discardableResult
    public func cancelAll() async throws -> Int {
        let open = try store.records(in: TaskState.inFlight.union([.queued]), stage: settings.stage, limit: nil)
        return try await cancel(imageIds: open.filter { $0.state != .cancelling }.map(\.id))
    }

    func askEngineToCancel(_ ids: [EngineTaskID]) async throws {
        guard !ids.isEmpty else { return }
        do {
            try await engine.cancel(ids)
        } catch {
            // The images stay CANCELLING; reconciliation or the next cancel asks again.
            warn("cancel of \(ids.count) task(s) failed: \(error)")
        }
        wake()
    }
}
