import Foundation

extension Scheduler {
    /// One batched poll of every task in flight; their new states are written in one
    /// transaction. Costs O(tasks in flight): light rows, sets, one engine call.
    func pollInFlight() async throws {
        let watched = try store.refs(in: TaskState.inFlight, stage: nil)
        let ids = watched.compactMap(\.taskId)
        guard !ids.isEmpty else { return }
        let statuses: [EngineTaskStatus]
        do {
            statuses = try await engine.poll(ids)
        } catch let error as EngineError {
            if case .unavailable(let outage, let message, let after) = error {
                holdFor(outage, message, retryAfter: after)
            }
            warn("poll failed, will try again next cycle: \(error)")
            return
        } catch {
            warn("poll failed, will try again next cycle: \(error)")
            return
        }
        lastPoll = now()
        hub.publish(.polled(at: lastPoll!, next: lastPoll!.addingTimeInterval(settings.refresh)))
        let asked = Set(ids)
        let byId = Dictionary(statuses.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Read again after the await (see the type's comment).
        let current = try store.refs(in: TaskState.inFlight, stage: nil)
        var transitions: [Transition] = []
        var cancelAgain: [EngineTaskID] = []
        for ref in current {
            guard let taskId = ref.taskId, asked.contains(taskId) else { continue }
            if let status = byId[taskId] {
                transitions += follow(ref, to: status, why: nil)
                // A cancel the engine never registered (the call failed): ask again.
                if ref.state == .cancelling && (status.state == .pending || status.state == .running) {
                    cancelAgain.append(taskId)
                }
            } else {
                transitions += lost(ref, why: "the engine no longer knows task \(taskId)")
            }
        }
        try commit(transitions)
        try await askEngineToCancel(cancelAgain)
    }

    /// The transitions that bring `ref` to the engine's state for its task.
    func follow(_ ref: TaskRef, to status: EngineTaskStatus, why: String?) -> [Transition] {
        let target = status.state.taskState
        var t = Transition(ref, to: target, detail: why)
        if ref.taskId != status.id { t.taskId = .set(status.id) }
        switch target {
        case ref.state:
            return []
        case .completed:
            t.output = status.output.map { .set($0) } ?? .keep
            t.error = .clear
            // An engine's remark on a success (e.g. a result published twice) stays in the journal.
            t.detail = [why, status.error].compactMap { $0 }.joined(separator: "; ").nilIfEmpty
            // A job that completed shows the machine can write again.
            if hold?.cause == .machine && hold?.reason.hasPrefix(Self.storeHoldPrefix) == false { setHold(nil) }
            // Finished under other parameters (a task of an earlier run adopted at start): its
            // output is not taken for current; the task starts again — or, cancelled by a
            // person meanwhile, ends CANCELLED (its output must not feed the tasks after it).
            if ref.paramsHash != ((try? expectedFingerprint(ref.key)) ?? settings.fingerprint(ref.key.stage)) {
                if ref.state == .cancelling {
                    return [Transition(ref, to: .cancelled, detail: "finished under other parameters after a cancel: not kept")]
                }
                return [t, outdatedRestart(ref.key)]
            }
        case .failed:
            let message = status.error ?? "the engine reported the task FAILED without a message"
            t.error = .set(message)
            t.detail = t.detail ?? message
            // A task the user cancelled is not retried, whatever way it ended.
            if ref.state == .cancelling { return [t] }
            switch status.failureKind ?? .retryable {
            case .permanent:
                t.detail = "\(message) (cannot heal by waiting: not retried)"
                return [t]
            case .machine:
                // The machine's fault, not the image's: not an attempt; everyone waits.
                holdForMachine(message)
                var back = Transition(ref, to: .queued, detail: "machine error, not counted as an attempt: \(message)")
                back.error = .set(message)
                back.requestId = .clear
                back.taskId = .clear
                back.attempts = max(0, ref.attempts - 1)
                return [back]
            case .retryable:
                return retrying([t], failed: ref, attempts: ref.attempts)
            }
        case .cancelled:
            t.detail = t.detail ?? "cancelled"
        default:
            break
        }
        // A cancel asked for while in flight stays CANCELLING until the engine ends the task.
        if ref.state == .cancelling && !status.state.isTerminal { return [] }
        guard ref.state.canTransition(to: target) else {
            warn("\(ref.key): engine says \(status.state.rawValue) but the store has \(ref.state.rawValue); left as is")
            return []
        }
        return [t]
    }

    /// COMPLETED (or SKIPPED) under other parameters -> back to work as new.
    func outdatedRestart(_ key: TaskKey) -> Transition {
        let inputs = settings.graph.spec(key.stage)?.inputs ?? []
        return .startingAgain(key, from: .completed, to: inputs.isEmpty ? .queued : .waiting,
                              detail: "finished under other parameters; redone under the current ones")
    }

    /// The engine lost a task it had accepted during this run: an attempt that ended without a
    /// result. It counts, so a task the engine keeps losing ends FAILED instead of looping.
    func lost(_ ref: TaskRef, why: String) -> [Transition] {
        if ref.state == .cancelling {
            return [Transition(ref, to: .cancelled, detail: why)]
        }
        var failed = Transition(ref, to: .failed, detail: why)
        failed.error = .set("lost by the engine: \(why)")
        return retrying([failed], failed: ref, attempts: ref.attempts)
    }

    /// Adds FAILED -> QUEUED with backoff (and a new request id) after `failure` when attempts
    /// remain — or FAILED -> EXCLUDED for a task the current parameters no longer want.
    func retrying(_ transitions: [Transition], failed ref: TaskRef, attempts: Int) -> [Transition] {
        if let why = unwanted[ref.key] {
            var leave = Transition(key: ref.key, from: .failed, to: .excluded, detail: "left the queue: \(why)")
            leave.reason = .set(why)
            return transitions + [leave]
        }
        guard attempts < settings.maxAttempts else { return transitions }
        let delay = settings.backoff(afterAttempts: attempts)
        var retry = Transition(key: ref.key, from: .failed, to: .queued,
                               detail: "retry \(attempts + 1) of \(settings.maxAttempts) in \(Int(delay)) s")
        retry.requestId = .clear
        retry.taskId = .clear
        retry.notBefore = .set(now().addingTimeInterval(delay))
        return transitions + [retry]
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
