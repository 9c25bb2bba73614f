import Foundation

extension Scheduler {
    /// Submits queued images into the free slots, each one announced as SUBMITTING (with its
    /// request id) before the engine is called.
    func fillSlots() async throws {
        while !paused && !stopRequested {
            let free = settings.nbTaskMax - (try inFlightCount())
            guard free > 0 else { return }
            let batch = try store.nextQueued(stage: settings.stage, limit: free, now: now())
            guard !batch.isEmpty else { return }
            for record in batch {
                if paused || stopRequested { return }
                try await submit(record)
            }
        }
    }

    func submit(_ record: ImageRecord) async throws {
        // A requeue after a crash or a transient error keeps its request id, so the engine can
        // recognise a submission it already has; a retry after a failure gets a new one.
        let attempts = record.requestId == nil ? record.attempts + 1 : record.attempts
        let requestId = record.requestId
            ?? RequestID.make(imageId: record.id, stage: record.stage, attempt: attempts)
        var intent = Transition(record, to: .submitting, detail: "attempt \(attempts)")
        intent.requestId = .set(requestId)
        intent.attempts = attempts
        intent.engine = engine.name
        intent.error = .clear
        intent.notBefore = .clear
        try commit([intent])

        let outcome: Result<EngineTaskID, Error>
        do {
            outcome = .success(try await engine.submit(Job(record), requestId: requestId))
        } catch {
            outcome = .failure(error)
        }
        // Read again: a cancel may have come in while the engine was answering.
        guard let current = try store.record(id: record.id, stage: record.stage),
              current.state == .submitting else { return }
        switch outcome {
        case .success(let taskId):
            var accepted = Transition(current, to: .ready, detail: "task \(taskId)")
            accepted.taskId = .set(taskId)
            try commit([accepted])
            if cancelAfterSubmit.remove(record.id) != nil {
                try await cancel(imageIds: [record.id])
            }
        case .failure(let error as EngineError):
            cancelAfterSubmit.remove(record.id)
            switch error {
            case .transient(let message):
                var back = Transition(current, to: .queued, detail: "submission failed, will retry: \(message)")
                back.error = .set(message)
                back.notBefore = .set(now().addingTimeInterval(settings.backoff(afterAttempts: attempts)))
                try commit([back])
            case .rejected(let message):
                var refused = Transition(current, to: .failed, detail: "engine refused the job")
                refused.error = .set(message)
                try commit([refused])
            }
        case .failure(let error):
            cancelAfterSubmit.remove(record.id)
            var refused = Transition(current, to: .failed, detail: "submission failed")
            refused.error = .set(String(describing: error))
            try commit(retrying([refused], failed: current, attempts: attempts))
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
