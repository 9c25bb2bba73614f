import Foundation
import VerdantCore

/// Shorthands for tests that do not care about the clock (the scheduler always passes its own).
extension StatusStore {
    @discardableResult
    func register(_ tasks: [NewTask]) throws -> Int { try register(tasks, at: Date()) }

    @discardableResult
    func apply(_ transitions: [Transition]) throws -> [TaskRecord] { try apply(transitions, at: Date()) }

    @discardableResult
    func apply(_ transition: Transition) throws -> TaskRecord { try apply([transition], at: Date())[0] }

    func record(id: String, stage: Stage) throws -> TaskRecord? { try record(TaskKey(stage, id)) }

    func counts(stage: Stage?) throws -> [TaskState: Int] {
        guard let stage else { return try totalCounts() }
        return try counts()[stage] ?? [:]
    }
}
