import Foundation
import VerdantCore

/// An in-memory engine for scheduler tests and benchmarks (a stand-in kept out of the
/// production modules): it runs nothing, and each poll moves every task one step
/// (PENDING → RUNNING → SUCCEEDED, or FAILED where told). Latency, unclear answers, outages,
/// lost tasks, failing cancels and a queue limit can be injected, as a remote engine shows
/// them. It keeps the figures tests check: peak tasks open, poll batch sizes, submissions.
public final class InstantEngine: Engine, @unchecked Sendable {
    public let name = "instant"
    public let reportsRequestIds = true
    /// Polls a task takes to finish: 1 = succeeded at the first poll.
    public let pollsToFinish: Int
    /// When false, tasks stay RUNNING until cancelled.
    public let finishes: Bool
    /// When false, a finished task is forgotten once a poll has reported it (the benchmark:
    /// 100,000 remembered tasks would be the fake engine's memory, not the scheduler's).
    public let remembersFinished: Bool
    /// Seconds every call takes (a remote engine's round trip).
    public let latency: Double
    public let submissionConcurrency: Int

    public struct Figures: Sendable {
        public var submissions = 0
        public var distinctRequests = 0
        public var peakOpen = 0
        public var pollBatches: [Int] = []
        public var cancelCalls = 0
        public var unclearAnswers = 0
        /// Most submit calls on their way at once.
        public var peakConcurrentSubmits = 0
        /// Request ids submitted again after the engine already had them.
        public var repeatedRequests = 0
        /// Tasks started for a job (task key) that already had one: work done twice.
        public var duplicateJobs = 0
    }

    struct Task {
        var status: EngineTaskStatus
        var job: Job
        var polls = 0
        var order: Int
    }

    private let lock = NSLock()
    private var tasks: [EngineTaskID: Task] = [:]
    private var byRequest: [String: EngineTaskID] = [:]
    private var startedJobs: Set<TaskKey> = []
    private var failuresLeft: [String: (count: Int, kind: FailureKind)] = [:]
    private var figures = Figures()
    private var counter = 0
    /// Tasks not yet terminal, kept as a count: the benchmark submits 100,000 tasks.
    private var open = 0
    private var submitsNow = 0
    private var random: SplitMix
    /// Share of submit calls answered unclearly (transient error); of those, half after the
    /// engine did start the task (the answer was lost on its way back).
    private var unclearRate: Double
    private var outage: (EngineOutage, String)?
    private var cancelFailuresLeft = 0
    private var loseOnPoll: Set<String> = []
    private var queueLimit: Int?
    private var otherProcessesTasks = 0
    private var storage: (used: Int, limit: Int)?

    /// `failures[id] = n`: the first n tasks of that image or block fail (retryably).
    public init(pollsToFinish: Int = 1, finishes: Bool = true, failures: [String: Int] = [:],
                remembersFinished: Bool = true, latency: Double = 0, unclearRate: Double = 0,
                submissionConcurrency: Int = 1, seed: UInt64 = 42) {
        self.pollsToFinish = max(1, pollsToFinish)
        self.finishes = finishes
        self.remembersFinished = remembersFinished
        self.latency = latency
        self.unclearRate = unclearRate
        self.submissionConcurrency = submissionConcurrency
        self.random = SplitMix(seed: seed)
        self.failuresLeft = failures.mapValues { ($0, .retryable) }
    }

    public var currentFigures: Figures { locked { figures } }

    /// The next `count` tasks of `id` fail with `kind`.
    public func fail(_ id: String, times count: Int, kind: FailureKind) { locked { failuresLeft[id] = (count, kind) } }
    /// Every call throws `.unavailable` until `endOutage()`.
    public func startOutage(_ outage: EngineOutage, _ message: String) { locked { self.outage = (outage, message) } }
    public func endOutage() { locked { outage = nil } }
    /// The next `count` cancel calls throw (a transient network error).
    public func failCancels(_ count: Int) { locked { cancelFailuresLeft = count } }
    /// Forgets every task of `id` at each poll, as an engine that keeps losing it would.
    public func keepLosing(_ id: String) { locked { _ = loseOnPoll.insert(id) } }
    /// Accept at most `limit` queued or running tasks, counting `others` of other processes.
    public func limitQueue(to limit: Int, others: Int = 0) { locked { queueLimit = limit; otherProcessesTasks = others } }
    /// Reports `used` of `limit` assets in its quotas (Earth Engine's asset quota).
    public func setStorage(used: Int, limit: Int) { locked { storage = (used, limit) } }
    /// Forgets every task, as an engine that lost them would.
    public func forgetAll() { locked { tasks = [:]; byRequest = [:]; open = 0 } }

    public func status(ofRequest requestId: String) -> EngineTaskStatus? {
        locked { byRequest[requestId].flatMap { tasks[$0]?.status } }
    }

    /// Tasks the engine holds that are not finished, by job id.
    public func openTasks(of id: String) -> Int {
        locked { tasks.values.filter { $0.job.id == id && !$0.status.state.isTerminal }.count }
    }

    private func pause() async throws {
        if latency > 0 { try await Swift.Task.sleep(nanoseconds: UInt64(latency * 1e9)) }
    }

    private func checkOutage() throws {
        if let (outage, message) = locked({ self.outage }) { throw EngineError.unavailable(outage, message) }
    }

    public func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        locked {
            submitsNow += 1
            figures.peakConcurrentSubmits = max(figures.peakConcurrentSubmits, submitsNow)
        }
        defer { locked { submitsNow -= 1 } }
        try await pause()
        try checkOutage()
        let (id, unclear): (EngineTaskID?, Bool) = try locked {
            figures.submissions += 1
            let draw = random.nextUnit()
            let unclear = draw < unclearRate
            if unclear && draw < unclearRate / 2 {
                figures.unclearAnswers += 1
                return (nil, true)  // lost before the engine saw it
            }
            if let known = byRequest[requestId] {
                figures.repeatedRequests += 1
                return (known, unclear)
            }
            if let limit = queueLimit, open + otherProcessesTasks >= limit {
                throw EngineError.unavailable(.queueFull, "Too many tasks already in the queue (\(limit)). Please wait for some of them to complete.")
            }
            counter += 1
            if !startedJobs.insert(job.key).inserted { figures.duplicateJobs += 1 }
            let id = "instant-\(counter)"
            tasks[id] = Task(status: EngineTaskStatus(id: id, state: .pending, requestId: requestId,
                                                      description: job.description), job: job, order: counter)
            byRequest[requestId] = id
            figures.distinctRequests += 1
            open += 1
            figures.peakOpen = max(figures.peakOpen, open)
            if unclear { figures.unclearAnswers += 1 }
            return (id, unclear)
        }
        // The answer was lost on its way back: the caller cannot know the task exists.
        if unclear { throw EngineError.transient("connection reset (injected)") }
        return id!
    }

    public func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage {
        try await pause()
        try checkOutage()
        return locked {
            EngineTaskPage(slicing: tasks.values.sorted { $0.order < $1.order }.map(\.status),
                           pageToken: pageToken, pageSize: pageSize)
        }
    }

    public func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] {
        try await pause()
        try checkOutage()
        return locked {
            figures.pollBatches.append(ids.count)
            return ids.compactMap { id -> EngineTaskStatus? in
                guard var task = tasks[id] else { return nil }
                if loseOnPoll.contains(task.job.id) {
                    tasks[id] = nil
                    if !task.status.state.isTerminal { open -= 1 }
                    return nil
                }
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
            let id = task.job.id
            if let left = failuresLeft[id], left.count > 0 {
                failuresLeft[id] = (left.count - 1, left.kind)
                task.status.state = .failed
                task.status.failureKind = left.kind
                task.status.error = "planned \(left.kind.rawValue) failure (\(left.count - 1) more)"
            } else {
                task.status.state = .succeeded
                task.status.output = "instant://\(task.job.stage.rawValue)/\(id)"
            }
        default:
            break
        }
    }

    public func cancel(_ ids: [EngineTaskID]) async throws {
        try await pause()
        try checkOutage()
        try locked {
            figures.cancelCalls += 1
            if cancelFailuresLeft > 0 {
                cancelFailuresLeft -= 1
                throw EngineError.transient("cancel timed out (injected)")
            }
            for id in ids where tasks[id].map({ !$0.status.state.isTerminal }) == true {
                tasks[id]!.status.state = .cancelling  // still open until a poll ends it
            }
        }
    }

    public func quotas() async throws -> EngineQuota {
        try await pause()
        try checkOutage()
        return locked {
            EngineQuota(maxQueuedTasks: queueLimit, concurrentTasks: nil, queuedOrRunning: open + otherProcessesTasks,
                        assetsUsed: storage?.used, assetsLimit: storage?.limit)
        }
    }

    public func shutdown() async {}

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// A small seeded generator, so injected errors fall on the same calls in every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
