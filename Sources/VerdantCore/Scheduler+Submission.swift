import Foundation

extension Scheduler {
    /// Submits queued tasks into the free slots: `nb_task_max` minus this run's tasks in
    /// flight, and no more than the engine's own queue limit leaves (which counts other
    /// processes' tasks too). Later stages first, so images finish before new ones start.
    /// Submissions whose answer was unclear are sent again first, with their request ids.
    /// During a hold, one task at a time probes whether the cause is gone.
    func fillSlots() async throws {
        guard !paused && !stopRequested && !Task.isCancelled else { return }
        if hold == nil {
            let unclear = try store.unclearSubmissions(now: now(), limit: max(1, settings.nbTaskMax))
            if !unclear.isEmpty { try await submit(unclear, resending: true) }
        } else if let hold, hold.cause != .storage, now() >= hold.nextProbe,
                  let probe = try store.unclearSubmissions(now: .distantFuture, limit: 1).first {
            // An unclear submission already holds a slot: it is the hold's probe, before any
            // queued task (with every slot taken, it is the only probe there can be).
            startProbe()
            try await submit([probe], resending: true, probing: true)
            if self.hold != nil { return }
        }
        // Each pass moves what it takes out of QUEUED (in flight, failed, waiting, or back with
        // a delay under a hold, which ends the loop), so the loop ends.
        while !paused && !stopRequested && !Task.isCancelled {
            let inFlight = try inFlightCount()
            var free = settings.nbTaskMax - inFlight
            if let engineFree = lastQuota?.freeSlots { free = min(free, engineFree) }
            // Every task in flight at the quota's read or sent since writes an asset, whether it
            // still runs or finished unseen by the quota: no more than the quota leaves.
            if let used = lastQuota?.assetsUsed, let limit = lastQuota?.assetsLimit {
                free = min(free, limit - used - max(inFlight, (inFlightAtQuota ?? inFlight) + submittedSinceQuota))
            }
            var probing = false
            if let hold {
                // A used-up storage quota is lifted by the quotas read each cycle, not by a
                // probe: an accepted export would only fail later.
                guard hold.cause != .storage, now() >= hold.nextProbe else { return }
                free = min(free, 1)
                probing = true
            }
            var batch: [TaskRecord] = []
            for stage in settings.graph.stages.reversed() where batch.count < free {
                batch += try store.nextQueued(stage: stage, limit: free - batch.count, now: now())
            }
            // A probe due but impossible (no slot, nothing queued) waits its interval again,
            // rather than the loop waking every few milliseconds to find it still impossible.
            if probing { startProbe() }
            guard free > 0, !batch.isEmpty else { return }
            var epoch = commandEpoch
            // Large enough that an engine answering at once costs two commits per few hundred
            // tasks, small enough that a slow engine's answers reach the store every few seconds.
            let chunk = max(256, engine.submissionConcurrency * 4)
            for start in stride(from: 0, to: batch.count, by: chunk) {
                guard !paused && !stopRequested && !Task.isCancelled else { return }
                var part = Array(batch[start..<min(batch.count, start + chunk)])
                if commandEpoch != epoch {
                    // A command ran during the previous chunk's awaits (a cancel, a retry): read
                    // these again, some may have moved.
                    epoch = commandEpoch
                    part = try part.compactMap { try store.record($0.key) }.filter { $0.state == .queued }
                }
                try await submit(part, probing: probing)
                submittedSinceQuota += part.count
                // A hold that began during this chunk (or a probe that did not lift one) stops
                // the rest of the batch.
                if hold != nil { return }
            }
            if let engineFree = lastQuota?.freeSlots {
                lastQuota?.queuedOrRunning += min(engineFree, batch.count)
            }
        }
    }

    /// The next probe of the hold waits its interval from now.
    func startProbe() {
        guard let hold else { return }
        holdProbes += 1
        setHold(SubmissionHold(cause: hold.cause, reason: hold.reason, since: hold.since,
                               nextProbe: now().addingTimeInterval(probeInterval())))
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
    /// reconciliation adopts, requeues or sends again. `resending`: the tasks are SUBMITTING
    /// already (their last answer was unclear) and go out again with the same request ids.
    func submit(_ batch: [TaskRecord], resending: Bool = false, probing: Bool = false) async throws {
        let ready = try withInputs(batch, resending: resending)
        let neighbours = settings.neighbours
            ? try store.neighbours(of: ready.filter { $0.0.stage == .cloudMask }.map(\.0.id)) : [:]
        var intents: [Transition] = []
        var requests: [(key: TaskKey, job: Job, requestId: String)] = []
        for (record, inputs) in ready {
            let fingerprint = try expectedFingerprint(record.key)
            let requestId: String
            if resending, let kept = record.requestId {
                requestId = kept
            } else {
                // A request id kept while never sent is sent again, so the engine can recognise a
                // submission it may have — unless it was made under other parameters; a retry
                // after a failure gets a new one.
                let reuse = record.requestId != nil && record.paramsHash == fingerprint
                let attempts = reuse ? record.attempts : record.attempts + 1
                let submissions = reuse ? record.submissions : record.submissions + 1
                requestId = reuse ? record.requestId! : RequestID.make(record.key, submission: submissions, salt: fingerprint)
                var intent = Transition(record, to: .submitting, detail: "attempt \(attempts)")
                intent.requestId = .set(requestId)
                intent.attempts = attempts
                intent.submissions = submissions
                intent.paramsHash = .set(fingerprint)
                intent.engine = engine.name
                intent.error = .clear
                intent.notBefore = .clear
                intents.append(intent)
            }
            let job = Job(id: record.id, stage: record.stage, source: record.source, inputs: inputs,
                          paramsHash: resending ? (record.paramsHash ?? fingerprint) : fingerprint,
                          neighbours: record.stage == .cloudMask ? neighbours[record.id] : nil)
            requests.append((record.key, job, requestId))
        }
        try commit(intents)
        submittingNow.formUnion(requests.map(\.key))
        defer { submittingNow.subtract(requests.map(\.key)) }

        let outcomes = await send(requests.map { ($0.job, $0.requestId) }, probing: probing)

        // Read again: a cancel may have come in while the engine was answering (it moved the
        // task to CANCELLING, without a task id).
        let current = Dictionary(try store.refs(in: [.submitting, .cancelling], stage: nil).map { ($0.key, $0) },
                                 uniquingKeysWith: { a, _ in a })
        var answers: [Transition] = []
        var unclear: [(key: TaskKey, message: String, retryAt: Date)] = []
        var cancelNow: [EngineTaskID] = []
        for request in requests {
            guard let ref = current[request.key], ref.taskId == nil else { continue }
            let outcome = outcomes[request.key] ?? .notSent
            if ref.state == .cancelling {
                // Cancelled while on its way: cancel what the engine started, if anything.
                switch outcome {
                case .accepted(let taskId):
                    try store.nameTask(ref.key, taskId: taskId)
                    cancelNow.append(taskId)
                case .failed(EngineError.rejected(let message)):
                    answers.append(Transition(ref, to: .cancelled, detail: "cancelled during submission (refused: \(message))"))
                case .notSent where resending:
                    break  // its first send may have reached the engine: resolveUnnamedCancels decides
                case .notSent:
                    answers.append(Transition(ref, to: .cancelled, detail: "cancelled before it was sent"))
                case .failed:
                    break  // unclear: resolveUnnamedCancels finds out what the engine has
                }
                continue
            }
            switch outcome {
            case .accepted(let taskId):
                var accepted = Transition(ref, to: .ready, detail: "task \(taskId)")
                accepted.taskId = .set(taskId)
                answers.append(accepted)
            case .failed(EngineError.rejected(let message)):
                // A clear refusal: the engine started nothing.
                var refused = Transition(ref, to: .failed, detail: "engine refused the job")
                refused.error = .set(message)
                answers.append(refused)
            case .failed(let error):
                // Anything else may have started the job: it stays SUBMITTING (the engine may
                // have it) and the same request goes out again after the engine's retry-after
                // or a short delay; the engine answers "already have it" instead of starting
                // it twice.
                let after = (error as? EngineError)?.retryAfter ?? settings.unclearRetry
                unclear.append((ref.key, String(describing: error), now().addingTimeInterval(after)))
            case .notSent where resending:
                // Not sent again, but its first send may have reached the engine: still unclear.
                unclear.append((ref.key, "not sent again: \(hold?.reason ?? "the run is stopping")",
                                hold?.nextProbe ?? now().addingTimeInterval(settings.unclearRetry)))
            case .notSent:
                // Never reached the engine: back to the queue, its request id kept for the next try.
                var back = Transition(ref, to: .queued, detail: "not sent: \(hold?.reason ?? "the run is stopping")")
                back.notBefore = hold.map { .set($0.nextProbe) } ?? .keep
                answers.append(back)
            }
        }
        try commit(answers)
        for item in unclear {
            try store.markUnclear(item.key, error: item.message, retryAt: item.retryAt)
            logger.info("\(item.key): submission unclear, the same request goes out again at \(item.retryAt): \(item.message)")
        }
        try await askEngineToCancel(cancelNow)
    }

    /// The engine calls, `submissionConcurrency` at a time. An engine-wide refusal stops the
    /// sending: the rest are `notSent` and go back to the queue. A request launched but not
    /// answered (the run's task was cancelled meanwhile) counts as unclear, never as not sent.
    func send(_ jobs: [(job: Job, requestId: String)], probing: Bool) async -> [TaskKey: SubmitOutcome] {
        let engine = self.engine
        let width = max(1, engine.submissionConcurrency)
        var outcomes: [TaskKey: SubmitOutcome] = [:]
        var stopSending = false
        // Only a request sent while a hold was in force (a probe) tells that its cause is gone.
        let record = { (index: Int, result: Result<EngineTaskID, Error>, launchedHeld: Bool) in
            switch result {
            case .success(let taskId):
                outcomes[jobs[index].job.key] = .accepted(taskId)
                if launchedHeld, let cause = self.hold?.cause, cause != .machine, cause != .storage { self.setHold(nil) }
            case .failure(let error):
                outcomes[jobs[index].job.key] = .failed(error)
                if case EngineError.unavailable(let outage, let message, let after) = error {
                    if !stopSending { self.holdFor(outage, message, retryAfter: after) }
                    stopSending = true
                }
            }
        }
        if width == 1 {
            // One at a time (an engine that answers at once): no task per submission.
            for index in jobs.indices where !stopSending && !stopRequested {
                let (job, requestId) = jobs[index]
                let held = probing || hold != nil
                do { record(index, .success(try await engine.submit(job, requestId: requestId)), held) }
                catch { record(index, .failure(error), held) }
            }
            return outcomes
        }
        // Detached submissions reporting through a stream, not a task group: task groups read
        // back corrupted results inside this actor in release builds of Swift 6.3 (reproduced
        // outside verdant with a dozen lines).
        let (answers, reply) = AsyncStream.makeStream(of: (Int, Result<EngineTaskID, Error>).self)
        var next = 0, running = 0
        var launchedHeld: Set<Int> = []
        var launched: [Int] = []
        func launch() {
            let (job, requestId) = jobs[next], index = next
            if probing || hold != nil { launchedHeld.insert(index) }
            launched.append(index)
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
                record(index, result, launchedHeld.contains(index))
                if !stopSending && !stopRequested && !Task.isCancelled && next < jobs.count { launch() }
                if running == 0 { break }
            }
        }
        reply.finish()
        for index in launched where outcomes[jobs[index].job.key] == nil {
            outcomes[jobs[index].job.key] = .failed(EngineError.transient("the run stopped before the engine answered"))
        }
        return outcomes
    }

    /// Each task with the outputs of its inputs. A queued task whose inputs are no longer all
    /// final (one started again meanwhile) goes back to waiting instead.
    func withInputs(_ batch: [TaskRecord], resending: Bool = false) throws -> [(TaskRecord, [JobInput])] {
        let reading = batch.filter { !(settings.graph.spec($0.stage)?.inputs.isEmpty ?? true) }
        guard !reading.isEmpty else { return batch.map { ($0, []) } }
        let inputs = try store.inputs(of: reading.map(\.key))
        var ready: [(TaskRecord, [JobInput])] = []
        var back: [Transition] = []
        for record in batch {
            let list = inputs[record.key] ?? []
            let open = list.filter { !$0.waived && !TaskState.delivered.contains($0.state) && !TaskState.notAnInput.contains($0.state) }
            if !open.isEmpty && !resending {
                back.append(Transition(record, to: .waiting, detail: "input \(open[0].key) is \(open[0].state.rawValue) again"))
                continue
            }
            let given = list.filter { !$0.waived && TaskState.delivered.contains($0.state) }
                .map(\.jobInput)
            ready.append((record, given))
        }
        try commit(back)
        return ready
    }

    /// The fingerprint a task's work is made under: its stage's, and for a block task also the
    /// list of its inputs (a block whose images changed is other work).
    func expectedFingerprint(_ key: TaskKey) throws -> String {
        let stage = settings.fingerprint(key.stage)
        guard settings.graph.spec(key.stage)?.unit == .block else { return stage }
        return StageFingerprint.blockDigest(stage: stage, inputs: try store.inputs(of: [key])[key]?.map(\.key) ?? [])
    }
}
