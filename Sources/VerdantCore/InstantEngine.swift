import Foundation

/// An in-memory engine for scheduler tests and the bookkeeping benchmark: it runs nothing,
/// and each poll moves every task one step (PENDING → RUNNING → SUCCEEDED, or FAILED where
/// told). It keeps the figures tests check: peak tasks open, poll batch sizes, submissions.
public final class InstantEngine: Engine, @unchecked Sendable {
    public let name = "instant"
    /// Polls a task takes to finish: 1 = succeeded at the first poll.
    public let pollsToFinish: Int
    /// When false, tasks stay RUNNING until cancelled.
    public let finishes: Bool

    public struct Figures: Sendable {
        public var submissions = 0
        public var distinctRequests = 0
        public var peakOpen = 0
        public var pollBatches: [Int] = []
        public var cancelCalls = 0
    }

    struct Task {
        var status: EngineTaskStatus
        var polls = 0
        var order: Int
    }

    private let lock = NSLock()
    private var tasks: [EngineTaskID: Task] = [:]
    private var byRequest: [String: EngineTaskID] = [:]
    private var failuresLeft: [String: Int]
    private var figures = Figures()
    private var counter = 0
    /// Tasks not yet terminal, kept as a count: the benchmark submits 100,000 tasks.
    private var open = 0

    /// `failures[imageId] = n`: the first n tasks of that image fail.
    /// When false, a finished task is forgotten once a poll has reported it (the benchmark:
    /// 100,000 remembered tasks would be the fake engine's memory, not the scheduler's).
    public let remembersFinished: Bool

    public init(pollsToFinish: Int = 1, finishes: Bool = true, failures: [String: Int] = [:], remembersFinished: Bool = true) {
        self.remembersFinished = remembersFinished
        self.pollsToFinish = max(1, pollsToFinish)
        self.finishes = finishes
        self.failuresLeft = failures
    }

    public var currentFigures: Figures { locked { figures } }

    /// Forgets every task, as an engine that lost them would.
    public func forgetAll() { locked { tasks = [:]; byRequest = [:]; open = 0 } }

    public func status(ofRequest requestId: String) -> EngineTaskStatus? {
        locked { byRequest[requestId].flatMap { tasks[$0]?.status } }
    }

    public func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        locked {
            figures.submissions += 1
            if let known = byRequest[requestId] { return known }
            counter += 1
            let id = "instant-\(counter)"
            tasks[id] = Task(status: EngineTaskStatus(id: id, state: .pending, requestId: requestId,
                                                      description: job.description), order: counter)
            byRequest[requestId] = id
            figures.distinctRequests += 1
            open += 1
            figures.peakOpen = max(figures.peakOpen, open)
            return id
        }
    }

    public func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage {
        locked {
            EngineTaskPage(slicing: tasks.values.sorted { $0.order < $1.order }.map(\.status),
                           pageToken: pageToken, pageSize: pageSize)
        }
    }

    public func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] {
        locked {
            figures.pollBatches.append(ids.count)
            return ids.compactMap { id -> EngineTaskStatus? in
                guard var task = tasks[id] else { return nil }
                let wasOpen = !task.status.state.isTerminal
                advance(&task)
                if wasOpen && task.status.state.isTerminal { open -= 1 }
                if task.status.state.isTerminal && !remembersFinished {
                    tasks[id] = nil
                    if let request = task.status.requestId { byRequest[request] = nil }
                } else {
                    tasks[id] = task
                }
                return task.status
            }
        }
    }

    private func advance(_ task: inout Task) {
        switch task.status.state {
        case .cancelling:
            task.status.state = .cancelled
        case .pending, .running:
            guard finishes else { task.status.state = .running; return }
            task.polls += 1
            if task.polls < pollsToFinish { task.status.state = .running; return }
            let image = String(task.status.description.drop { $0 != "_" }.dropFirst())
            if let left = failuresLeft[image], left > 0 {
                failuresLeft[image] = left - 1
                task.status.state = .failed
                task.status.error = "planned failure (\(left - 1) more)"
            } else {
                task.status.state = .succeeded
                task.status.output = "instant://\(image)"
            }
        default:
            break
        }
    }

    public func cancel(_ ids: [EngineTaskID]) async throws {
        locked {
            figures.cancelCalls += 1
            for id in ids where tasks[id].map({ !$0.status.state.isTerminal }) == true {
                tasks[id]!.status.state = .cancelling  // still open until a poll ends it
            }
        }
    }

    public func quotas() async throws -> EngineQuota {
        locked { EngineQuota(maxQueuedTasks: nil, concurrentTasks: nil, queuedOrRunning: open) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
