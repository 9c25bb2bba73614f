import Foundation

/// A command for a scheduler running in another process, passed through the status store
/// (so it needs no socket and survives until taken).
public struct ControlRequest: Sendable, Equatable {
    public enum Command: String, Sendable {
        case pause, resume, cancel
        case cancelAll = "cancel-all"
    }

    public var seq: Int64
    public var at: Date
    public var command: Command
    public var imageIds: [String]

    public init(seq: Int64 = 0, at: Date = Date(), command: Command, imageIds: [String] = []) {
        self.seq = seq; self.at = at; self.command = command; self.imageIds = imageIds
    }
}

/// Implemented by stores that can carry control requests between processes.
public protocol ControlChannel: Sendable {
    func send(_ request: ControlRequest) throws
    /// Requests not taken yet, oldest first, marked taken in the same transaction.
    func takeControlRequests() throws -> [ControlRequest]
    func hasPendingControlRequests() throws -> Bool
}
