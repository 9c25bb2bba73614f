import Foundation

/// A command for a scheduler running in another process, passed through the status store
/// (so it needs no socket and survives until taken).
public struct ControlRequest: Sendable, Equatable {
    public enum Command: String, Sendable, CaseIterable {
        case pause, resume
        /// Cancels the targets (queued, waiting or in flight).
        case cancel
        case cancelAll = "cancel-all"
        /// FAILED or CANCELLED targets start again with a fresh budget of attempts.
        case retry
        /// Every FAILED task starts again.
        case retryFailed = "retry-failed"
        /// Every CANCELLED task starts again.
        case requeueCancelled = "requeue-cancelled"
        /// Waiting targets go on without their FAILED or CANCELLED inputs.
        case release
        /// Polls the engine now instead of at the end of the refresh period (a dashboard's `r`).
        case pollNow = "poll"
    }

    public var seq: Int64
    public var at: Date
    public var command: Command
    /// Task keys (`stage/id`) or bare ids (every stage of that image or block).
    public var targets: [String]

    public init(seq: Int64 = 0, at: Date = Date(), command: Command, targets: [String] = []) {
        self.seq = seq; self.at = at; self.command = command; self.targets = targets
    }
}

/// Implemented by stores that can carry control requests between processes.
public protocol ControlChannel: Sendable {
    func send(_ request: ControlRequest) throws
    /// Requests not taken yet, oldest first, marked taken in the same transaction.
    func takeControlRequests() throws -> [ControlRequest]
    func hasPendingControlRequests() throws -> Bool
}
