import Foundation

/// Counts per stage and state at one moment: what progress lines and panes show.
public struct SchedulerSnapshot: Sendable, Equatable {
    public var counts: [Stage: [TaskState: Int]]
    public var paused: Bool
    public var hold: SubmissionHold?
    public var at: Date

    public init(counts: [Stage: [TaskState: Int]], paused: Bool, hold: SubmissionHold? = nil, at: Date) {
        self.counts = counts; self.paused = paused; self.hold = hold; self.at = at
    }

    /// Counts per state, all stages together.
    public var totals: [TaskState: Int] {
        counts.values.reduce(into: [:]) { total, c in for (s, n) in c { total[s, default: 0] += n } }
    }
    public func count(_ state: TaskState) -> Int { totals[state, default: 0] }
    public func count(_ state: TaskState, stage: Stage) -> Int { counts[stage]?[state] ?? 0 }

    public var total: Int { totals.values.reduce(0, +) }
    public var inFlight: Int { TaskState.inFlight.reduce(0) { $0 + count($1) } }
    public var queued: Int { count(.queued) }
    public var waiting: Int { count(.waiting) }
    /// Tasks whose work has ended, whatever the outcome.
    public var finished: Int { TaskState.final.reduce(0) { $0 + count($1) } }
    /// Nothing queued, nothing in flight: what is left waiting is held by failed or cancelled
    /// inputs, which only a person can settle (the scheduler promotes every other waiting task
    /// as soon as its inputs are final).
    public var drained: Bool { queued == 0 && inFlight == 0 }

    /// "COMPLETED 10, OUT_OF_AREA 1": the states that have tasks, in table order.
    public func stateSummary(separator: String = ", ", stage: Stage? = nil) -> String {
        let source = stage.map { counts[$0] ?? [:] } ?? totals
        return TaskState.allCases.compactMap { s in
            let n = source[s, default: 0]
            return n > 0 ? "\(s.rawValue) \(n)" : nil
        }.joined(separator: separator)
    }
}

/// What the scheduler tells its watchers (log, progress line, dashboards). Every event about a
/// task names its stage.
public enum SchedulerEvent: Sendable, Equatable {
    case transition(key: TaskKey, from: TaskState, to: TaskState, detail: String?)
    case cycle(SchedulerSnapshot)
    case paused
    case resumed
    /// Submission held for every task (engine outage, machine error), or nil when lifted.
    case hold(SubmissionHold?)
    case polled(at: Date, next: Date)
    case warning(String)
    case finished(SchedulerSnapshot)
}

/// Fans events out to any number of subscribers in this process. A slow subscriber loses its
/// oldest events (each has its own buffer), never blocks the scheduler or another subscriber.
public final class EventHub<Event: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
    private var nextId = 0
    private var finished = false

    public init() {}

    public func subscribe(bufferingNewest limit: Int = 4096) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(limit))
        lock.lock()
        if finished {
            lock.unlock()
            continuation.finish()
            return stream
        }
        let id = nextId
        nextId += 1
        subscribers[id] = continuation
        lock.unlock()
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    public func publish(_ event: Event) {
        lock.lock()
        let targets = Array(subscribers.values)
        lock.unlock()
        for target in targets { target.yield(event) }
    }

    /// Ends every subscription; later subscribers get an empty stream.
    public func finish() {
        lock.lock()
        finished = true
        let targets = Array(subscribers.values)
        subscribers = [:]
        lock.unlock()
        for target in targets { target.finish() }
    }

    private func remove(_ id: Int) {
        lock.lock()
        subscribers[id] = nil
        lock.unlock()
    }
}
