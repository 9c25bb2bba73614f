import Foundation

extension Scheduler {
    /// Submits queued tasks into the free slots: `nb_task_max` minus this run's tasks in
    /// flight, and no more than the engine's own queue limit leaves (which counts other
    /// processes' tasks too). Later stages first, so images finish before new ones start.
    /// During a hold, one task at a time probes whether the cause is gone.
    func fillSlots() async throws {
        // A task answered "unclear" with no delay may be queued again at once: it waits for
        // the next cycle rather than spinning here.
        var tried: Set<TaskKey> = []
        while !paused && !stopRequested && !Task.isCancelled {
            var free = settings.nbTaskMax - (try inFlightCount())
            if let engineFree = lastQuota?.freeSlots { free = min(free, engineFree) }
            if let hold {
                // A used-up storage quota is lifted by the quotas read each cycle, not by a
                // probe: an accepted export would only fail later.
                guard hold.cause != .quota, now() >= hold.nextProbe else { return }
                free = min(free, 1)
                holdProbes += 1
                setHold(SubmissionHold(cause: hold.cause, reason: hold.reason, since: hold.since,
                                       nextProbe: now().addingTimeInterval(probeInterval())))
            }
            guard free > 0 else { return }
            var batch: [TaskRecord] = []
            for stage in settings.graph.stages.reversed() where batch.count < free {
                batch += try store.nextQueued(stage: stage, limit: free - batch.count + tried.count, now: now())
                    .filter { !tried.contains($0.key) }.prefix(free - batch.count)
            }
            guard !batch.isEmpty else { return }
            tried.formUnion(batch.map(\.key))
            // Large enough that an engine answering at once costs two commits per few hundred
            // tasks, small enough that a slow engine's answers reach the store every few seconds.
            let chunk = max(256, engine.submissionConcurrency * 4)
            for start in stride(from: 0, to: batch.count, by: chunk) {
                guard !paused && !stopRequested else { return }
                let held = hold != nil
                try await submit(Array(batch[start..<min(batch.count, start + chunk)]))
                // A hold that began during this chunk stops the rest of the batch.
                if hold != nil && !held { return }
            }
            if hold != nil { return }
            if let engineFree = lastQuota?.freeSlots {
                lastQuota?.queuedOrRunning += min(engineFree, batch.count)
            }
        }
    }

    /// Waits between two probes of a hold: from 5 s, doubling, at most `refresh`.
    func probeInterval() -> Double {
        min(settings.refresh, 5 * pow(2, Double(min(holdProbes, 10))))
    }

    enum SubmitOutcome {
        case accepted(EngineTaskID)
        case failed(Error)
        /// Not sent: a hold or a stop came first.
        case notSent
    }

    /// One chunk: the SUBMITTING intents (with their request ids) in one transaction before
    /// any engine call, up to `engine.submissionConcurrency` calls at once, the answers in one
    /// transaction after. A crash in between leaves SUBMITTING rows with request ids, which
    /// reconciliation adopts or requeues.
    func submit(_ batch: [TaskRecord]) async throws {
        let ready = try withInputs(batch)
        var intents: [Transition] = []
        var requests: [(key: TaskKey, job: Job, requestId: String)] = []
        for (record, inputs) in ready {
            let current = settings.fingerprint(record.stage)
            // A request id kept after a crash or an unclear answer is sent again, so the engine
            // can recognise a submission it already has — unless it was made under other
            // parameters; a retry after a failure gets a new one.
            let reuse = record.requestId != nil && record.paramsHash == current
            let attempts = reuse ? record.attempts : record.attempts + 1
            let submissions = reuse ? record.submissions : record.submissions + 1
            let requestId = reuse ? record.requestId! : RequestID.make(record.key, submission: submissions, salt: current)
            var intent = Transition(record, to: .submitting, detail: "attempt \(attempts)")
            intent.requestId = .set(requestId)
            intent.attempts = attempts
            intent.submissions = submissions
            intent.paramsHash = .set(current)
            intent.engine = engine.name
            intent.error = .clear
            intent.notBefore = .clear
            intents.append(intent)
            let job = Job(id: record.id, stage: record.stage, source: record.source, inputs: inputs, paramsHash: current)
            requests.append((record.key, job, requestId))
        }
        try commit(intents)
        submittingNow.formUnion(requests.map(\.key))
        defer { submittingNow.subtract(requests.map(\.key)) }

        let outcomes = await send(requests.map { ($0.job, $0.requestId) })

        // Read again: a cancel may have come in while the engine was answering.
        var answers: [Transition] = []
        var cancelNow: [String] = []
        let submitting = Dictionary(try store.refs(in: [.submitting], stage: nil).map { ($0.key, $0) },
                                    uniquingKeysWith: { a, _ in a })
        for request in requests {
            guard let current = submitting[request.key] else { continue }
            let outcome = outcomes[request.key] ?? .notSent
            let cancelAsked = cancelAfterSubmit.remove(current.key) != nil
            answers += transitions(for: outcome, of: current, cancelAsked: cancelAsked)
            if cancelAsked, case .accepted = outcome { cancelNow.append(current.key.description) }
        }
        try commit(answers)
        if !cancelNow.isEmpty { try await cancel(targets: cancelNow) }
    }

    /// The engine calls, `submissionConcurrency` at a time. An engine-wide refusal stops the
    /// sending: the rest are `notSent` and go back to the queue.
    func send(_ jobs: [(job: Job, requestId: String)]) async -> [TaskKey: SubmitOutcome] {
        let engine = self.engine
        let width = max(1, engine.submissionConcurrency)
        var outcomes: [TaskKey: SubmitOutcome] = [:]
        var stopSending = false
        // Detached submissions reporting through a stream, not a task group: task groups read
        // back corrupted results inside this actor in release builds of Swift 6.3 (reproduced
        // outside verdant with a dozen lines). Every launched submission is waited for.
        if width == 1 {
            // One at a time (an engine that answers at once): no task per submission.
            for (job, requestId) in jobs where !stopSending && !stopRequested {
                do {
                    outcomes[job.key] = .accepted(try await engine.submit(job, requestId: requestId))
                    if let cause = hold?.cause, !storeTrouble, [.authentication, .unreachable, .queueFull].contains(cause) { setHold(nil) }
                } catch {
                    outcomes[job.key] = .failed(error)
                    if case EngineError.unavailable(let outage, let message, let after) = error {
                        holdFor(outage, message, retryAfter: after)
                        stopSending = true
                    }
                }
            }
            return outcomes
        }
        let (answers, reply) = AsyncStream.makeStream(of: (Int, Result<EngineTaskID, Error>).self)
        var next = 0, running = 0
        func launch() {
            let (job, requestId) = jobs[next], index = next
            next += 1
            running += 1
            Task.detached {
                do { reply.yield((index, .success(try await engine.submit(job, requestId: requestId)))) }
                catch { reply.yield((index, .failure(error))) }
            }
        }
        while running < width && next < jobs.count { launch() }
        if running > 0 {
            for await (index, result) in answers {
                running -= 1
                switch result {
                case .success(let taskId):
                    outcomes[jobs[index].job.key] = .accepted(taskId)
                    if let cause = hold?.cause, !storeTrouble, [.authentication, .unreachable, .queueFull].contains(cause) {
                        setHold(nil)  // a probe got through: the engine takes work again
                    }
                case .failure(let error):
                    outcomes[jobs[index].job.key] = .failed(error)
                    if case EngineError.unavailable(let outage, let message, let after) = error {
                        if !stopSending { holdFor(outage, message, retryAfter: after) }
                        stopSending = true
                    }
                }
                if !stopSending && !stopRequested && next < jobs.count { launch() }
                if running == 0 { break }
            }
        }
        reply.finish()
        return outcomes
    }

    func transitions(for outcome: SubmitOutcome, of current: TaskRef, cancelAsked: Bool) -> [Transition] {
        switch outcome {
        case .accepted(let taskId):
            var accepted = Transition(current, to: .ready, detail: "task \(taskId)")
            accepted.taskId = .set(taskId)
            return [accepted]
        case .failed(EngineError.rejected(let message)):
            // A clear refusal: the engine started nothing.
            if cancelAsked { return [Transition(current, to: .cancelled, detail: "cancelled during submission (refused: \(message))")] }
            var refused = Transition(current, to: .failed, detail: "engine refused the job")
            refused.error = .set(message)
            return [refused]
        case .failed(let error):
            // Anything else may have started the job: keep the request id, so the engine
            // answers "already have it" to the next try instead of starting it twice.
            let message = String(describing: error)
            if cancelAsked {
                var cancelling = Transition(current, to: .cancelling,
                                            detail: "cancel asked while the submission's outcome was unclear: \(message)")
                cancelling.error = .set(message)
                return [cancelling]
            }
            var back = Transition(current, to: .queued, detail: "submission unclear, will send the same request again: \(message)")
            back.error = .set(message)
            let after = (error as? EngineError)?.retryAfter ?? settings.unclearRetry
            back.notBefore = .set(now().addingTimeInterval(after))
            return [back]
        case .notSent:
            if cancelAsked { return [Transition(current, to: .cancelled, detail: "cancelled before it was sent")] }
            var back = Transition(current, to: .queued, detail: "not sent: \(hold?.reason ?? "the run is stopping")")
            back.notBefore = hold.map { .set($0.nextProbe) } ?? .keep
            return [back]
        }
    }

    /// Each task with the outputs of its inputs. A task whose inputs are no longer all final
    /// (one started again meanwhile) goes back to waiting instead.
    func withInputs(_ batch: [TaskRecord]) throws -> [(TaskRecord, [JobInput])] {
        let reading = batch.filter { !(settings.graph.spec($0.stage)?.inputs.isEmpty ?? true) }
        guard !reading.isEmpty else { return batch.map { ($0, []) } }
        let inputs = try store.inputs(of: reading.map(\.key))
        var ready: [(TaskRecord, [JobInput])] = []
        var back: [Transition] = []
        for record in batch {
            let list = inputs[record.key] ?? []
            let open = list.filter { !$0.waived && !TaskState.delivered.contains($0.state) && !TaskState.notAnInput.contains($0.state) }
            if !open.isEmpty {
                back.append(Transition(record, to: .waiting, detail: "input \(open[0].key) is \(open[0].state.rawValue) again"))
                continue
            }
            let given = list.filter { !$0.waived && TaskState.delivered.contains($0.state) }
                .map { JobInput(key: $0.key, output: $0.output ?? "") }
            ready.append((record, given))
        }
        try commit(back)
        return ready
    }
}
