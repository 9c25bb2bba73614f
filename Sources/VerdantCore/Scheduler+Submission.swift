import Foundation

extension Scheduler {
    /// Submits queued images into the free slots. A batch's SUBMITTING intents (with their
    /// request ids) are written in one transaction before any engine call; the engine's answers
    /// are written together after. A crash in between leaves SUBMITTING rows with request ids,
    /// which reconciliation adopts or requeues.
    func fillSlots() async throws {
        while !paused && !stopRequested {
            let free = settings.nbTaskMax - (try inFlightCount())
            guard free > 0 else { return }
            let batch = try store.nextQueued(stage: settings.stage, limit: free, now: now())
            guard !batch.isEmpty else { return }
            try await submit(batch)
        }
    }

    func submit(_ batch: [ImageRecord]) async throws {
        var intents: [Transition] = []
        var requests: [(record: ImageRecord, requestId: String, attempts: Int)] = []
        for record in batch {
            // A requeue after a crash or a transient error keeps its request id, so the engine
            // can recognise a submission it already has; a retry after a failure gets a new one.
            let attempts = record.requestId == nil ? record.attempts + 1 : record.attempts
            let requestId = record.requestId
                ?? RequestID.make(imageId: record.id, stage: record.stage, attempt: attempts)
            var intent = Transition(record, to: .submitting, detail: "attempt \(attempts)")
            intent.requestId = .set(requestId)
            intent.attempts = attempts
            intent.engine = engine.name
            intent.error = .clear
            intent.notBefore = .clear
            intents.append(intent)
            requests.append((record, requestId, attempts))
        }
        try commit(intents)

        var outcomes: [String: Result<EngineTaskID, Error>] = [:]
        for request in requests {
            if stopRequested { break }
            do {
                outcomes[request.record.id] = .success(try await engine.submit(Job(request.record), requestId: request.requestId))
            } catch {
                outcomes[request.record.id] = .failure(error)
            }
        }

        // Read again: a cancel may have come in while the engine was answering.
        var answers: [Transition] = []
        var cancelNow: [String] = []
        let submitting = Dictionary(try store.records(in: [.submitting], stage: settings.stage, limit: nil).map { ($0.id, $0) },
                                    uniquingKeysWith: { a, _ in a })
        for request in requests {
            guard let outcome = outcomes[request.record.id], let current = submitting[request.record.id] else { continue }
            let cancelAsked = cancelAfterSubmit.remove(current.id) != nil
            switch (outcome, cancelAsked) {
            case (.failure, true):
                // Cancelled while on its way, and the engine started nothing: done.
                answers.append(Transition(current, to: .cancelled, detail: "cancelled during submission"))
            case (.success, true):
                answers += transitions(for: outcome, of: current, attempts: request.attempts)
                cancelNow.append(current.id)
            default:
                answers += transitions(for: outcome, of: current, attempts: request.attempts)
            }
        }
        try commit(answers)
        if !cancelNow.isEmpty { try await cancel(imageIds: cancelNow) }
    }

    func transitions(for outcome: Result<EngineTaskID, Error>, of current: ImageRecord, attempts: Int) -> [Transition] {
        switch outcome {
        case .success(let taskId):
            var accepted = Transition(current, to: .ready, detail: "task \(taskId)")
            accepted.taskId = .set(taskId)
            return [accepted]
        case .failure(EngineError.transient(let message)):
            var back = Transition(current, to: .queued, detail: "submission failed, will retry: \(message)")
            back.error = .set(message)
            back.notBefore = .set(now().addingTimeInterval(settings.backoff(afterAttempts: attempts)))
            return [back]
        case .failure(EngineError.rejected(let message)):
            var refused = Transition(current, to: .failed, detail: "engine refused the job")
            refused.error = .set(message)
            return [refused]
        case .failure(let error):
            var refused = Transition(current, to: .failed, detail: "submission failed")
            refused.error = .set(String(describing: error))
            return retrying([refused], failed: current, attempts: attempts)
        }
    }

    /// Adds FAILED -> QUEUED with backoff after `failure` when attempts remain.
    func retrying(_ transitions: [Transition], failed record: ImageRecord, attempts: Int) -> [Transition] {
        guard attempts < settings.maxAttempts else { return transitions }
        let delay = settings.backoff(afterAttempts: attempts)
        var retry = Transition(imageId: record.id, stage: record.stage, from: .failed, to: .queued,
                               detail: "retry \(attempts + 1) of \(settings.maxAttempts) in \(Int(delay)) s")
        retry.requestId = .clear
        retry.taskId = .clear
        retry.notBefore = .set(now().addingTimeInterval(delay))
        return transitions + [retry]
    }
}
