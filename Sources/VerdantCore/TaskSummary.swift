import Foundation

/// What a listing shows of a task (the dashboard's queue, 100,000 rows kept in memory): no
/// footprint, no source, the error cut to its first line.
public struct TaskSummary: Sendable, Equatable {
    public var key: TaskKey
    public var state: TaskState
    public var acquired: Date
    public var tile: String
    public var attempts: Int
    public var taskId: String?
    public var updatedAt: Date
    /// The first line of the error (FAILED) or of the reason (waiting, excluded…), at most 160 characters.
    public var note: String?
    public var output: String?

    public init(key: TaskKey, state: TaskState, acquired: Date, tile: String, attempts: Int, taskId: String?,
                updatedAt: Date, note: String?, output: String?) {
        self.key = key; self.state = state; self.acquired = acquired; self.tile = tile; self.attempts = attempts
        self.taskId = taskId; self.updatedAt = updatedAt; self.note = note; self.output = output
    }

    public static func note(error: String?, reason: String?) -> String? {
        guard let text = error ?? reason else { return nil }
        let first = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        return first.count > 160 ? String(first.prefix(159)) + "…" : first
    }
}
