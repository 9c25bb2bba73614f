import Foundation
import Glibc
import VerdantCore
import VerdantStore

/// Everything the screen shows, read from the status store and the log file: never from an
/// engine. `refresh()` is incremental: the journal after the last sequence number seen names
/// the tasks that changed, and only their rows are read again.
public final class DashboardData {
    public let storePath: String
    public let stages: [Stage]
    public private(set) var runState: RunState?
    public private(set) var liveness: RunState.Liveness?
    public private(set) var counts: [Stage: [TaskState: Int]] = [:]
    /// Counts as they were before the latest engine poll: cells that differ are highlighted.
    public private(set) var countsBeforePoll: [Stage: [TaskState: Int]] = [:]
    public var queue = QueueModel()
    /// Tiles × days, rebuilt when rows changed (`mapStale`) and a screen wide enough asks.
    public var map: QueueMap {
        if mapStale { cachedMap = QueueMap(rows: queue.rows); mapStale = false }
        return cachedMap
    }
    private var cachedMap = QueueMap()
    private var mapStale = true
    public private(set) var throughput: Throughput
    public let log: LogTail
    /// Why the store cannot be read (not there yet, unreadable); nil when it can.
    public private(set) var problem: String?
    public private(set) var lastRefresh: Date?
    private var store: SQLiteStatusStore?
    private var lastSeq: Int64 = 0
    private var seenPoll: Date?
    private var loaded = false
    /// Whether the run of this pid holds the store's lock (nil: cannot tell from here).
    private let lockHeld: (Int32) -> Bool?
    /// More changes than this since the last look: everything is read again (cheaper).
    static let reloadThreshold = 20_000

    public init(storePath: String, logPath: String, stages: [Stage], now: Date = Date(), lockHeld: @escaping (Int32) -> Bool?) {
        self.storePath = storePath; self.stages = stages; self.lockHeld = lockHeld
        log = LogTail(path: logPath)
        throughput = Throughput(now: now)
    }

    /// The store, opened once it exists (a dashboard may start before the first run).
    public func openStore() -> SQLiteStatusStore? {
        if let store { return store }
        guard FileManager.default.fileExists(atPath: storePath) else {
            problem = "no status store yet at \(storePath): press s to start a run"
            return nil
        }
        do {
            // Read-only: the dashboard writes only control requests, through another handle.
            store = try SQLiteStatusStore(path: storePath, readOnly: true)
            problem = nil
        } catch {
            problem = "\(storePath): \(error)"
        }
        return store
    }

    /// Reads what changed. Returns whether anything on screen may differ.
    @discardableResult
    public func refresh(now: Date = Date()) -> Bool {
        log.poll()
        lastRefresh = now
        throughput.advance(to: now)
        guard let store = openStore() else { return true }
        do {
            let state = try store.runState()
            if state?.lastPoll != seenPoll {
                countsBeforePoll = counts
                seenPoll = state?.lastPoll
            }
            runState = state
            liveness = state?.liveness(now: now, lockHeld: state.flatMap { $0.host == ProcessInfo.processInfo.hostName ? lockHeld($0.pid) : nil })
            if !loaded {
                try loadAll(store, now: now)
                loaded = true
            } else {
                let entries = try store.journal(after: lastSeq, limit: Self.reloadThreshold)
                if entries.count >= Self.reloadThreshold {
                    try loadAll(store, now: now)
                } else if !entries.isEmpty {
                    lastSeq = entries.last!.seq
                    entries.forEach { throughput.record($0) }
                    var seen = Set<TaskKey>(), keys: [TaskKey] = []
                    for e in entries where seen.insert(e.key).inserted { keys.append(e.key) }
                    let changed = try store.summaries(of: keys)
                    // Counts follow the changed rows: one down for the old state, one up for the new.
                    for row in changed {
                        if let before = queue.summary(of: row.key) { counts[before.key.stage, default: [:]][before.state, default: 0] -= 1 }
                        counts[row.key.stage, default: [:]][row.state, default: 0] += 1
                    }
                    queue.update(changed, at: now)
                    mapStale = true
                }
            }
            queue.expireChanges(before: now.addingTimeInterval(-max(5, runState?.refresh ?? 30)))
            problem = nil
        } catch {
            problem = "\(storePath): \(error)"
        }
        return true
    }

    private func loadAll(_ store: SQLiteStatusStore, now: Date) throws {
        let seq = try store.lastJournalSeq()
        queue.load(try store.summaries())
        mapStale = true
        if lastSeq == 0 {
            // The last hour's finishes, so the sparkline and ETA mean something at once.
            for finish in try store.finishTimes(since: now.addingTimeInterval(-3600), scanning: Self.reloadThreshold) {
                throughput.recordFinish(at: finish)
            }
        }
        lastSeq = seq
        recount()
        if countsBeforePoll.isEmpty { countsBeforePoll = counts }
    }

    private func recount() {
        var c: [Stage: [TaskState: Int]] = [:]
        for row in queue.rows { c[row.key.stage, default: [:]][row.state, default: 0] += 1 }
        counts = c
    }

    public func count(_ states: Set<TaskState>, stage: Stage? = nil) -> Int {
        let perStage = stage.map { [counts[$0] ?? [:]] } ?? Array(counts.values)
        return perStage.reduce(0) { total, c in total + states.reduce(0) { $0 + c[$1, default: 0] } }
    }

    public var total: Int { queue.rows.count }
    public var remaining: Int { total - count(TaskState.final) }
    public var isRunning: Bool { if case .running = liveness { return true } else { return false } }
}
