import Foundation
import VerdantCore

/// Runs jobs on this machine, `workers` at a time, behind the same `Engine` protocol as Earth
/// Engine. Tasks live in memory: after a crash the engine knows none of them, so the
/// scheduler's reconciliation requeues them with their request ids, and `submit` recognises
/// work already published for the image instead of doing it again.
public final class LocalEngine: Engine, @unchecked Sendable {
    public let name = "local"
    /// A submission only queues a job in memory and answers at once: nothing to overlap.
    public let submissionConcurrency = 1
    public let reportsRequestIds = true
    public let workers: Int
    public let layout: OutputLayout
    let launcher: JobLauncher

    struct Task {
        var status: EngineTaskStatus
        var job: Job
        var cancelRequested = false
        var order: Int
    }

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var tasks: [EngineTaskID: Task] = [:]
    private var byRequest: [String: EngineTaskID] = [:]
    private var pending: [EngineTaskID] = []
    private var pendingHead = 0
    private var nextNumber = 0
    private var stopping = false
    /// Workers running a job right now.
    private var busy = 0
    /// Tasks not yet terminal, kept as a count: quotas are read every cycle, and a run
    /// remembers every task it submitted.
    private var open = 0
    private var threads: [Thread] = []

    public let changes: AsyncStream<Void>?
    private let notify: AsyncStream<Void>.Continuation

    public init(workers: Int, layout: OutputLayout, launcher: JobLauncher) {
        self.workers = max(1, workers)
        self.layout = layout
        self.launcher = launcher
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        changes = stream
        notify = continuation
        layout.removeAbandonedWork()
        for n in 0..<self.workers {
            // Workers hold the engine until `shutdown()` ends them: an engine must be shut down.
            let thread = Thread { self.workLoop() }
            thread.name = "verdant-worker-\(n)"
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
    }

    public func shutdown() async {
        shutdown(timeout: 3)
    }

    /// Cancels running jobs and ends the worker threads (their tasks end CANCELLED). Waits up
    /// to `timeout` seconds for running jobs to stop, so none outlives a clean exit.
    public func shutdown(timeout: Double) {
        condition.lock()
        stopping = true
        for id in tasks.keys where tasks[id]!.status.state == .running { tasks[id]!.cancelRequested = true }
        condition.broadcast()
        let deadline = Date().addingTimeInterval(timeout)
        while busy > 0 && condition.wait(until: deadline) {}
        condition.unlock()
        notify.finish()
    }

    // MARK: Engine

    public func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        locked { enqueue(job, requestId: requestId) }
    }

    private func enqueue(_ job: Job, requestId: String) -> EngineTaskID {
        if let known = byRequest[requestId] { return known }
        nextNumber += 1
        let id = "local-\(getpid())-\(nextNumber)"
        var status = EngineTaskStatus(id: id, state: .pending, requestId: requestId, description: job.description)
        if layout.publishedFingerprint(job.key) == job.paramsHash {
            // Published under the same parameters before a crash kept the store from hearing
            // of it: adopt, don't redo. A result of other parameters is redone (and replaced).
            status.state = .succeeded
            status.output = layout.resultFile(job.key).path
            status.progress = 1
        } else {
            pending.append(id)
            open += 1
            condition.signal()
        }
        tasks[id] = Task(status: status, job: job, order: nextNumber)
        byRequest[requestId] = id
        if status.state == .succeeded { notify.yield() }
        return id
    }

    public func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage {
        locked {
            EngineTaskPage(slicing: tasks.values.sorted { $0.order < $1.order }.map(\.status),
                           pageToken: pageToken, pageSize: pageSize)
        }
    }

    public func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] {
        locked { ids.compactMap { tasks[$0]?.status } }
    }

    public func cancel(_ ids: [EngineTaskID]) async throws {
        if locked({ requestCancel(ids) }) { notify.yield() }
    }

    /// True when a task ended at once (it had not started).
    private func requestCancel(_ ids: [EngineTaskID]) -> Bool {
        var changed = false
        for id in ids {
            guard var task = tasks[id], !task.status.state.isTerminal else { continue }
            if task.status.state == .pending {
                task.status.state = .cancelled
                open -= 1
                task.status.error = "cancelled before it started"
                changed = true
            } else {
                task.status.state = .cancelling
                task.cancelRequested = true
            }
            tasks[id] = task
        }
        return changed
    }

    public func quotas() async throws -> EngineQuota {
        EngineQuota(maxQueuedTasks: nil, concurrentTasks: workers, queuedOrRunning: locked { open })
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    // MARK: workers

    private func workLoop() {
        while let (id, task) = nextPending() {
            let outcome: JobOutcome
            let work: URL
            do {
                work = try layout.makeWorkDirectory(requestId: task.status.requestId ?? id)
            } catch {
                // The output folder, not the image: every other job would fail the same way.
                finish(id, state: .failed, error: "cannot create a work folder: \(JobFailureClassifier.describe(error))",
                       failureKind: .machine, output: nil)
                continue
            }
            outcome = launcher.run(withLocalInputs(task.job), requestId: task.status.requestId ?? id, into: work,
                                   isCancelled: { [weak self] in self?.isCancelRequested(id) ?? true })
            switch outcome {
            case .succeeded:
                do {
                    let publication = try layout.publish(work, key: task.job.key, fingerprint: task.job.paramsHash)
                    let output = layout.resultFile(task.job.key).path
                    let remark: String? = switch publication {
                    case .published: nil
                    case .alreadyPublished: "result already published; this run's copy discarded"
                    case .replacedOtherParameters: "replaced a result made under other parameters"
                    }
                    finish(id, state: .succeeded, error: remark, output: output)
                } catch {
                    finish(id, state: .failed, error: "cannot publish the result: \(JobFailureClassifier.describe(error))",
                           failureKind: .machine, output: nil)
                }
            case .cancelled:
                try? FileManager.default.removeItem(at: work)
                finish(id, state: .cancelled, error: "cancelled while running", output: nil)
            case .failed(let failure):
                try? FileManager.default.removeItem(at: work)
                finish(id, state: .failed, error: failure.message, failureKind: failure.kind, output: nil)
            }
        }
    }

    /// Inputs published in this engine's output folder are read from there, whatever path the
    /// store recorded: an output folder moved (or a store rebuilt) between runs still works.
    func withLocalInputs(_ job: Job) -> Job {
        var job = job
        job.inputs = job.inputs.map { input in
            layout.isPublished(input.key) ? JobInput(key: input.key, output: layout.resultFile(input.key).path) : input
        }
        return job
    }

    private func nextPending() -> (EngineTaskID, Task)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if stopping { return nil }
            while pendingHead < pending.count {
                let id = pending[pendingHead]
                pendingHead += 1
                if pendingHead > 1024 && pendingHead * 2 > pending.count {
                    pending.removeFirst(pendingHead); pendingHead = 0
                }
                if var task = tasks[id], task.status.state == .pending {
                    task.status.state = .running
                    tasks[id] = task
                    busy += 1
                    notify.yield()
                    return (id, task)
                }
            }
            condition.wait()
        }
    }

    private func isCancelRequested(_ id: EngineTaskID) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return tasks[id]?.cancelRequested ?? true
    }

    private func finish(_ id: EngineTaskID, state: EngineTaskState, error: String?, failureKind: FailureKind? = nil,
                        output: String?) {
        condition.lock()
        busy -= 1
        condition.broadcast()
        if var task = tasks[id] {
            if !task.status.state.isTerminal { open -= 1 }
            task.status.state = state
            task.status.error = error
            task.status.failureKind = state == .failed ? failureKind : nil
            task.status.output = output
            task.status.progress = state == .succeeded ? 1 : task.status.progress
            tasks[id] = task
        }
        condition.unlock()
        notify.yield()
    }
}
