import ArgumentParser
import Foundation
import VerdantCore
import VerdantStore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the run's state, counts per stage and state, tasks waiting on failed inputs, and the last transitions; safe while a run is going.",
        discussion: "Reads the store without changing it (it may be read-only). Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @Option(name: .shortAndLong, help: "How many of the last transitions to show.")
    var last = 10
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let choice = try DemoFallback.workspace(for: parameters)
        let workspace = choice.workspace
        if choice.isDemo { FileHandle.standardError.write(Data("verdant status: no run of parameters.toml yet; showing the demo's (\(workspace.storePath))\n".utf8)) }
        guard FileManager.default.fileExists(atPath: workspace.storePath) else {
            Failure.printError("\(workspace.storePath): no status store yet (run `verdant run` first)")
            throw ExitStatus.badInput.exitCode
        }
        let store = try Failure.guarded { try workspace.openStore(readOnly: true) }
        let report = try Failure.guarded { try StatusReport(store: store, storePath: workspace.storePath, graph: workspace.graph, last: last) }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report.jsonObject(), options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            report.printText()
        }
    }
}

/// What `verdant status` shows, read once from the store.
struct StatusReport {
    let storePath: String
    let graph: StageGraph
    let counts: [Stage: [TaskState: Int]]
    let runState: RunState?
    let liveness: RunState.Liveness?
    let lockHeld: Bool
    let blocked: [(key: TaskKey, reason: String)]
    let blockedCount: Int
    let failed: [TaskRecord]
    let journal: [JournalEntry]

    init(store: SQLiteStatusStore, storePath: String, graph: StageGraph, last: Int) throws {
        self.storePath = storePath
        self.graph = graph
        counts = try store.counts()
        runState = try store.runState()
        lockHeld = runState.map { RunLock.isHeld(storePath: storePath, byRun: $0.pid) } ?? RunLock.isHeld(storePath: storePath)
        liveness = runState?.liveness(now: Date(), lockHeld: lockHeld)
        var blocked: [(TaskKey, String)] = []
        var blockedCount = 0
        try store.forEachWaitingChunk { chunk, inputs in
            for key in chunk {
                guard let reason = Scheduler.blockedReason(inputs[key] ?? []) else { continue }
                blockedCount += 1
                if blocked.count < 20 { blocked.append((key, reason)) }
            }
        }
        self.blocked = blocked
        self.blockedCount = blockedCount
        failed = try store.records(in: [.failed], stage: nil, limit: 20)
        journal = try store.journal(limit: last, imageId: nil)
    }

    var runLine: String {
        guard let state = runState, let liveness else {
            return lockHeld ? "a verdant run is starting" : "no run yet"
        }
        let iso = ISO8601DateFormatter()
        switch liveness {
        case .running:
            var line = "run active: pid \(state.pid) on \(state.host), since \(iso.string(from: state.startedAt)); in flight \(state.inFlight)/\(state.nbTaskMax)"
            if state.paused { line += "; PAUSED by a person" }
            if let hold = state.hold { line += "; submission HELD (\(hold.cause.rawValue)): \(hold.reason), next probe \(iso.string(from: hold.nextProbe))" }
            if let poll = state.lastPoll { line += "; last engine poll \(iso.string(from: poll))" }
            if let next = state.nextPoll { line += ", next \(iso.string(from: next))" }
            if let quota = state.quota, let max = quota.maxQueuedTasks { line += "; engine queue \(quota.queuedOrRunning)/\(max)" }
            return line
        case .ended(let at):
            return "no run active; the last one (pid \(state.pid)) ended \(at.map { iso.string(from: $0) } ?? "?"): \(state.outcome ?? "?")"
        case .dead(let beat):
            return "the last run (pid \(state.pid) on \(state.host)) DIED: no heartbeat since \(iso.string(from: beat)); `verdant run` resumes its work"
        }
    }

    func printText() {
        print("status store: \(storePath)")
        print(runLine)
        let columns: [TaskState] = [.waiting, .queued, .submitting, .ready, .running, .cancelling, .completed, .failed,
                                    .cancelled, .outOfArea, .excluded, .skipped]
        let stages = graph.stages + counts.keys.filter { !graph.contains($0) }.sorted { $0.rawValue < $1.rawValue }
        let header = "  " + "stage".padding(toLength: 10, withPad: " ", startingAt: 0)
            + columns.map { short($0).leftPadded(8) }.joined() + "total".leftPadded(8)
        print(header)
        for stage in stages {
            let c = counts[stage] ?? [:]
            let row = "  " + stage.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                + columns.map { String(c[$0, default: 0]).leftPadded(8) }.joined()
                + String(c.values.reduce(0, +)).leftPadded(8)
            print(row)
        }
        if blockedCount > 0 {
            print("waiting on failed or cancelled inputs: \(blockedCount)")
            for (key, reason) in blocked { print("  \(key): \(reason)") }
            if blockedCount > blocked.count { print("  … \(blockedCount - blocked.count) more") }
        }
        if !failed.isEmpty {
            print("failed (`verdant retry --failed` starts them again):")
            for record in failed { print("  \(record.key) after \(record.attempts) attempt(s): \(record.error ?? "no message")") }
        }
        if !journal.isEmpty {
            print("last transitions:")
            let format = ISO8601DateFormatter()
            for entry in journal.reversed() {
                print("  \(format.string(from: entry.at))  \(entry.key)  \(entry.from.rawValue) -> \(entry.to.rawValue)\(entry.detail.map { "  (\($0))" } ?? "")")
            }
        }
    }

    func short(_ state: TaskState) -> String {
        switch state {
        case .waiting: return "WAIT"
        case .queued: return "QUEUED"
        case .submitting: return "SUBMIT"
        case .ready: return "READY"
        case .running: return "RUN"
        case .cancelling: return "CANCEL…"
        case .completed: return "DONE"
        case .failed: return "FAILED"
        case .cancelled: return "CANCEL"
        case .outOfArea: return "OUTAREA"
        case .excluded: return "EXCL"
        case .skipped: return "SKIP"
        case .discovered: return "DISC"
        }
    }

    func jsonObject() -> [String: Any] {
        let iso = ISO8601DateFormatter()
        var run: [String: Any] = ["active": liveness == .running]
        if let state = runState {
            run["pid"] = Int(state.pid)
            run["host"] = state.host
            run["started_at"] = iso.string(from: state.startedAt)
            run["heartbeat"] = iso.string(from: state.heartbeat)
            run["paused"] = state.paused
            run["in_flight"] = state.inFlight
            run["nb_task_max"] = state.nbTaskMax
            run["hold"] = state.hold.map { ["cause": $0.cause.rawValue, "reason": $0.reason, "since": iso.string(from: $0.since),
                                            "next_probe": iso.string(from: $0.nextProbe)] as [String: Any] } ?? NSNull()
            run["last_poll"] = state.lastPoll.map { iso.string(from: $0) } ?? NSNull()
            run["next_poll"] = state.nextPoll.map { iso.string(from: $0) } ?? NSNull()
            run["outcome"] = state.outcome ?? NSNull()
            if case .dead = liveness { run["dead"] = true } else { run["dead"] = false }
        }
        var totals: [String: Int] = [:]
        for c in counts.values { for (s, n) in c { totals[s.rawValue, default: 0] += n } }
        return [
            "store": storePath,
            "run_active": liveness == .running,
            "run": run,
            "stages": Dictionary(uniqueKeysWithValues: counts.map { stage, c in
                (stage.rawValue, Dictionary(uniqueKeysWithValues: c.map { ($0.key.rawValue, $0.value) }))
            }),
            "counts": totals,
            "total": totals.values.reduce(0, +),
            "blocked": blocked.map { ["task": $0.key.description, "reason": $0.reason] },
            "blocked_count": blockedCount,
            "failed": failed.map { ["task": $0.key.description, "attempts": $0.attempts, "error": $0.error ?? NSNull()] as [String: Any] },
            "last_transitions": journal.map { entry -> [String: Any] in
                ["seq": entry.seq, "at": iso.string(from: entry.at), "image": entry.imageId,
                 "stage": entry.stage.rawValue, "from": entry.from.rawValue, "to": entry.to.rawValue,
                 "detail": entry.detail ?? NSNull()]
            },
        ]
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
