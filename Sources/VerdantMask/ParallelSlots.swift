import Dispatch

/// Results computed on several threads, each thread writing its own slots, read once all are
/// done (trees of a forest, parts of a prediction, bands of a background).
public final class ParallelSlots<Element: Sendable>: @unchecked Sendable {
    private let queue = DispatchQueue(label: "verdant.parallel-slots")
    private var slots: [Element?]

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    public func set(_ index: Int, _ value: Element) { queue.sync { slots[index] = value } }

    /// Every slot's value. - Precondition: every slot was set.
    public var values: [Element] { queue.sync { slots.map { $0! } } }
}
