import Foundation

extension Scheduler {
    /// A waiting task's fate given its inputs: queued when every input is final and at least
    /// one delivered an output; excluded when none is left to read (all out of area, excluded
    /// or waived); otherwise it keeps waiting (an input not final, or failed/cancelled — which
    /// `blockedReason` explains).
    enum Readiness: Equatable {
        case ready
        case nothingToRead
        case waiting
    }

    static func readiness(_ inputs: [TaskInput]) -> Readiness {
        let counted = inputs.filter { !$0.waived && !TaskState.notAnInput.contains($0.state) }
        if counted.isEmpty { return .nothingToRead }
        return counted.allSatisfy { TaskState.delivered.contains($0.state) } ? .ready : .waiting
    }

    /// Promotes the waiting tasks that read any of `settled` (tasks that just became final).
    /// Cost: the dependents of what changed, not the whole waiting list.
    func promoteDependents(of settled: [TaskKey]) throws {
        guard !settings.graph.specs.allSatisfy({ $0.inputs.isEmpty }) else { return }
        let dependents = try store.dependents(of: settled, in: [.waiting])
        try promote(dependents)
    }

    /// Every waiting task, in chunks (at start: inputs may have settled while no run was going).
    func promoteAllWaiting() throws {
        try store.forEachWaitingChunk { keys, inputs in try promote(keys, inputs: inputs) }
    }

    /// `inputs`: the keys' inputs when the caller has read them already.
    func promote(_ keys: [TaskKey], inputs known: [TaskKey: [TaskInput]]? = nil) throws {
        guard !keys.isEmpty else { return }
        let inputs = try known ?? store.inputs(of: keys)
        var transitions: [Transition] = []
        for key in keys {
            switch Self.readiness(inputs[key] ?? []) {
            case .ready:
                transitions.append(Transition(key: key, from: .waiting, to: .queued, detail: "inputs final"))
            case .nothingToRead:
                var t = Transition(key: key, from: .waiting, to: .excluded, detail: "no input left to read")
                t.reason = .set("no input left to read (inputs out of area, excluded or let go)")
                transitions.append(t)
            case .waiting:
                continue
            }
        }
        // commit() promotes further down the graph (an excluded task is final too).
        try commit(transitions)
    }
}
