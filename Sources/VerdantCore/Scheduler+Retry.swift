import Foundation

extension Scheduler {
    /// Starts FAILED or CANCELLED targets again, each with a fresh budget of attempts and a new
    /// request id: to the queue, or to waiting when it reads inputs (promoted at once when they
    /// are final). Returns how many tasks started again.
    @discardableResult
    public func retry(targets: [String]) throws -> Int {
        let (records, unknown) = try resolve(targets)
        if !unknown.isEmpty { warn("retry: no task \(unknown.prefix(5).joined(separator: ", "))\(unknown.count > 5 ? " (+\(unknown.count - 5))" : "")") }
        return try restart(records.map(TaskRef.init).filter { TaskState.blocking.contains($0.state) }, why: "retried by a person")
    }

    /// Every task in `state` (FAILED: retry failed; CANCELLED: requeue cancelled) starts again.
    @discardableResult
    public func retryAll(in state: TaskState) throws -> Int {
        precondition(TaskState.blocking.contains(state), "only FAILED or CANCELLED tasks can start again")
        return try restart(try store.refs(in: [state], stage: nil),
                           why: state == .failed ? "retried by a person" : "requeued by a person")
    }

    func restart(_ refs: [TaskRef], why: String) throws -> Int {
        commandEpoch += 1
        guard !refs.isEmpty else { return 0 }
        var transitions: [Transition] = []
        var waiting: [TaskKey] = []
        for ref in refs {
            let reads = !(settings.graph.spec(ref.key.stage)?.inputs.isEmpty ?? true)
            transitions.append(.startingAgain(ref.key, from: ref.state, to: reads ? .waiting : .queued, detail: why))
            if reads { waiting.append(ref.key) }
        }
        try commit(transitions)
        // Started again, a task reads all its inputs again (a waiver was about its last run).
        try store.clearWaivers(of: waiting)
        try promote(waiting)
        wake()
        return transitions.count
    }

    /// Lets waiting targets go on without their FAILED or CANCELLED inputs (a person's
    /// decision, recorded with each input). Returns how many tasks were let go on.
    @discardableResult
    public func release(targets: [String]) throws -> Int {
        commandEpoch += 1
        let (records, unknown) = try resolve(targets)
        if !unknown.isEmpty { warn("release: no task \(unknown.prefix(5).joined(separator: ", "))") }
        let waiting = records.filter { $0.state == .waiting }.map(\.key)
        let inputs = try store.inputs(of: waiting)
        var released: [TaskKey] = []
        for key in waiting {
            let blocking = (inputs[key] ?? []).filter { !$0.waived && TaskState.blocking.contains($0.state) }
            guard !blocking.isEmpty else { continue }
            let names = blocking.map { "\($0.key) \($0.state.rawValue)" }.joined(separator: ", ")
            try store.waive(blocking.map(\.key), of: key, reason: "let go on without it by a person", at: now())
            logger.info("\(key): goes on without \(names)")
            hub.publish(.warning("\(key): goes on without \(names)"))
            released.append(key)
        }
        try promote(released)
        wake()
        return released.count
    }

    /// Why a waiting task waits: its FAILED or CANCELLED inputs, or nil when it only waits for
    /// inputs still on their way.
    public static func blockedReason(_ inputs: [TaskInput]) -> String? {
        let blocking = inputs.filter { !$0.waived && TaskState.blocking.contains($0.state) }
        guard !blocking.isEmpty else { return nil }
        let first = blocking[0]
        var text = "input \(first.key) \(first.state.rawValue)"
        if let error = first.error { text += ": \(error)" }
        if blocking.count > 1 { text += " (and \(blocking.count - 1) more)" }
        return text + " — `verdant retry` the input, or `verdant release` this task to go on without it"
    }
}
