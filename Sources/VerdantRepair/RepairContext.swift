import Foundation
import VerdantCore

/// What an inspection compares the store with.
public struct RepairContext: Sendable {
    public var graph: StageGraph
    /// The current fingerprint of each stage (`StageFingerprint.digest`).
    public var fingerprints: [Stage: String]
    /// The engine's task list; nil when it cannot be read here (another run owns the local
    /// engine's tasks): the classes that compare with it are then not looked for.
    public var engineTasks: [EngineTaskStatus]?
    /// What the output folder holds for a task, given the fingerprint it must be made under.
    public var outputs: @Sendable (TaskKey, String) -> OutputCheck
    /// One of the original's whole-store remedies instead of the classes that compare with the
    /// engine (in flight, orphans, duplicates, stuck submissions).
    public var remedy: StoreRemedy?

    public init(graph: StageGraph, fingerprints: [Stage: String], engineTasks: [EngineTaskStatus]?,
                outputs: @escaping @Sendable (TaskKey, String) -> OutputCheck, remedy: StoreRemedy? = nil) {
        self.graph = graph; self.fingerprints = fingerprints; self.engineTasks = engineTasks
        self.outputs = outputs; self.remedy = remedy
    }

    /// Where a task that starts again goes: QUEUED when it reads nothing, else WAITING.
    func startState(_ stage: Stage) -> TaskState {
        (graph.spec(stage)?.inputs.isEmpty ?? true) ? .queued : .waiting
    }

    /// The engine task's image and stage, from its description (`Job.description`:
    /// `<stage>_<id>`, stage names have no underscore) when it names one of our stages.
    func owner(of task: EngineTaskStatus) -> TaskKey? {
        guard let underscore = task.description.firstIndex(of: "_") else { return nil }
        let stage = Stage(String(task.description[..<underscore]))
        let id = String(task.description[task.description.index(after: underscore)...])
        guard graph.contains(stage), !id.isEmpty, !id.contains("/") else { return nil }
        return TaskKey(stage, id)
    }

    /// Ours: a description naming one of our stages, or a request id of ours (`RequestID`).
    func isOurs(_ task: EngineTaskStatus) -> Bool {
        owner(of: task) != nil || task.requestId?.hasPrefix("vd-") == true
    }
}
