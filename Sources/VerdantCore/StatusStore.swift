import Foundation

/// A change of state with the fields that change with it. `from` is the state the writer
/// believes the image is in: the store refuses the change when it is not (another writer, or a
/// stale view), and refuses any change the state table does not allow.
public struct Transition: Sendable, Equatable {
    public var imageId: String
    public var stage: Stage
    public var from: TaskState
    public var to: TaskState
    public var taskId: FieldChange<String> = .keep
    public var requestId: FieldChange<String> = .keep
    public var attempts: Int?
    public var error: FieldChange<String> = .keep
    public var output: FieldChange<String> = .keep
    public var notBefore: FieldChange<Date> = .keep
    public var engine: String?
    /// A sentence for the journal: why this happened.
    public var detail: String?

    public init(imageId: String, stage: Stage = .cloudMask, from: TaskState, to: TaskState, detail: String? = nil) {
        self.imageId = imageId; self.stage = stage; self.from = from; self.to = to; self.detail = detail
    }

    public init(_ record: ImageRecord, to: TaskState, detail: String? = nil) {
        self.init(imageId: record.id, stage: record.stage, from: record.state, to: to, detail: detail)
    }
}

public enum FieldChange<Value: Sendable & Equatable>: Sendable, Equatable {
    case keep
    case set(Value)
    case clear

    public func applied(to old: Value?) -> Value? {
        switch self {
        case .keep: return old
        case .set(let v): return v
        case .clear: return nil
        }
    }
}

/// What discovery found about an image before any task exists for it.
public struct DiscoveredImage: Sendable, Equatable {
    public var record: ImageRecord
    public var reason: String?
    public init(record: ImageRecord, reason: String? = nil) { self.record = record; self.reason = reason }
}

public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Persistent status of every image. Implementations write each call atomically and the
/// journal entry with it; readers never block the writer.
public protocol StatusStore: AnyObject, Sendable {
    /// Adds images not seen before (journal DISCOVERED -> their state); leaves known ones alone.
    /// Returns how many were new.
    @discardableResult
    func register(_ images: [DiscoveredImage]) throws -> Int
    /// Applies the transitions in one transaction; all or none. Returns the updated records.
    @discardableResult
    func apply(_ transitions: [Transition]) throws -> [ImageRecord]
    func record(id: String, stage: Stage) throws -> ImageRecord?
    func records(in states: Set<TaskState>, stage: Stage?, limit: Int?) throws -> [ImageRecord]
    /// QUEUED images whose backoff has passed, oldest acquisition first.
    func nextQueued(stage: Stage, limit: Int, now: Date) throws -> [ImageRecord]
    /// Earliest `notBefore` among QUEUED images still waiting, if any.
    func nextRetryTime(stage: Stage) throws -> Date?
    func counts(stage: Stage?) throws -> [TaskState: Int]
    /// The newest journal entries, newest first.
    func journal(limit: Int, imageId: String?) throws -> [JournalEntry]
    func meta(_ key: String) throws -> String?
    func setMeta(_ key: String, _ value: String) throws
}

public extension StatusStore {
    @discardableResult
    func apply(_ transition: Transition) throws -> ImageRecord {
        try apply([transition])[0]
    }
}
