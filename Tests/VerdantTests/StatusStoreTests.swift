import Foundation
import GRDB
import Testing
import VerdantCore
@testable import VerdantStore

/// A store in a folder of its own, removed when the test ends.
final class ScratchStore {
    let folder: URL
    let path: String
    let store: SQLiteStatusStore

    init(file: String = "nested/deeper/status.sqlite") throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("verdant-store-tests-\(UUID().uuidString)")
        path = folder.appendingPathComponent(file).path
        store = try SQLiteStatusStore(path: path)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}

/// Whole seconds, because the store keeps dates to the millisecond.
func day(_ n: Int, plusSeconds seconds: Int = 0) -> Date {
    Date(timeIntervalSince1970: 1_700_000_000 + Double(n * 86_400 + seconds))
}

func discovered(_ id: String, acquired: Date = day(0), state: TaskState = .queued,
                stage: Stage = .cloudMask, notBefore: Date? = nil, reason: String? = nil) -> NewTask {
    NewTask(record: TaskRecord(id: id, stage: stage, acquired: acquired, tile: "31TCJ",
                                        footprint: #"{"type":"Point","coordinates":[1.4,43.6]}"#,
                                        cloudCover: 12.5, source: "stac/\(id).json", state: state,
                                        notBefore: notBefore),
                    reason: reason)
}

/// The shortest legal path from QUEUED to `target` (DISCOVERED excluded: nothing is stored in it).
func pathFromQueued(to target: TaskState) -> [TaskState]? {
    var previous: [TaskState: TaskState] = [:]
    var queue: [TaskState] = [.queued]
    var seen: Set<TaskState> = [.queued]
    while !queue.isEmpty {
        let state = queue.removeFirst()
        if state == target {
            var path = [state]
            while let p = previous[path[0]] { path.insert(p, at: 0) }
            return path
        }
        for next in (TaskState.allowed[state] ?? []).sorted() where seen.insert(next).inserted {
            previous[next] = state
            queue.append(next)
        }
    }
    return nil
}

/// Registers `id` and walks it through legal transitions until it is in `state`.
@discardableResult
func bring(_ id: String, to state: TaskState, in store: SQLiteStatusStore) throws -> TaskRecord {
    if TaskState.discovered.canTransition(to: state) {
        try store.register([discovered(id, state: state)])
        return try #require(try store.record(id: id, stage: .cloudMask))
    }
    let path = try #require(pathFromQueued(to: state), "no path to \(state)")
    try store.register([discovered(id)])
    let steps = zip(path, path.dropFirst()).map { Transition(imageId: id, from: $0, to: $1) }
    return try #require(try store.apply(steps).last)
}

@Suite("SQLiteStatusStore")
struct StatusStoreTests {
    // MARK: Opening and migrations

    @Test func freshPathGetsTablesAndSchemaVersion() throws {
        let scratch = try ScratchStore()
        #expect(FileManager.default.fileExists(atPath: scratch.path))
        #expect(try scratch.store.meta("schema_version") == "4")
        let tables = try scratch.store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(Set(tables).isSuperset(of: ["tasks", "task_inputs", "journal", "meta", "control", "run_state"]))
        #expect(!tables.contains("images"))
        let indexes = try scratch.store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks'")
        }
        #expect(Set(indexes).isSuperset(of: ["tasks_by_state_stage", "tasks_queued_by_acquired",
                                             "tasks_waiting_by_not_before", "tasks_by_id"]))
        let mode = try scratch.store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        #expect(try scratch.store.counts(stage: nil).isEmpty)
        #expect(try scratch.store.journal(limit: 10, imageId: nil).isEmpty)
    }

    @Test func reopeningKeepsData() throws {
        let scratch = try ScratchStore()
        try scratch.store.register([discovered("A", acquired: day(1)), discovered("B", acquired: day(2))])
        try scratch.store.apply(Transition(imageId: "A", from: .queued, to: .submitting))
        try scratch.store.setMeta("engine", "local")

        let reopened = try SQLiteStatusStore(path: scratch.path)
        #expect(try reopened.record(id: "A", stage: .cloudMask)?.state == .submitting)
        #expect(try reopened.record(id: "B", stage: .cloudMask)?.acquired == day(2))
        #expect(try reopened.meta("engine") == "local")
        #expect(try reopened.meta("schema_version") == "4")
        #expect(try reopened.journal(limit: 10, imageId: nil).count == 3)
    }

    @Test func textFileIsRefusedWithItsPath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("notes.txt").path
        let text = String(repeating: "these are notes about clouds, not a database\n", count: 200)
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        for readOnly in [false, true] {
            let error = #expect(throws: StoreError.self) { try SQLiteStatusStore(path: path, readOnly: readOnly) }
            #expect(error?.description.contains(path) == true)
            #expect(error?.description.contains("expected a verdant status store") == true)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test func otherSQLiteDatabaseIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("other.sqlite").path
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "CREATE TABLE invoices (n INTEGER)") }

        let error = #expect(throws: StoreError.self) { try SQLiteStatusStore(path: path) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("other table") == true)
    }

    @Test func newerSchemaIsRefusedAndLeftAlone() throws {
        let scratch = try ScratchStore()
        try scratch.store.register([discovered("A")])
        try scratch.store.setMeta("schema_version", "5")

        let error = #expect(throws: StoreError.self) { try SQLiteStatusStore(path: scratch.path) }
        #expect(error?.description.contains("newer") == true)
        #expect(error?.description.contains(scratch.path) == true)
        #expect(try scratch.store.meta("schema_version") == "5")

        // A migration this code does not know is refused just the same.
        try scratch.store.setMeta("schema_version", "3")
        try scratch.store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v4 from the future')")
        }
        #expect(throws: StoreError.self) { try SQLiteStatusStore(path: scratch.path, readOnly: true) }
    }

    @Test func readOnlyOpensAStoreNoWriterHasOpen() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("status.sqlite").path
        do {
            let writer = try SQLiteStatusStore(path: path)
            try writer.register([discovered("A"), discovered("B", state: .skipped)])
        }
        // The last writer connection has closed and checkpointed: no -wal file is left.
        let reader = try SQLiteStatusStore(path: path, readOnly: true)
        #expect(try reader.counts(stage: nil) == [.queued: 1, .skipped: 1])
        #expect(try reader.nextQueued(stage: .cloudMask, limit: 5, now: day(1)).map(\.id) == ["A"])
    }

    @Test func readOnlyNeedsAnExistingStore() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("verdant-\(UUID().uuidString)/none.sqlite").path
        let error = #expect(throws: StoreError.self) { try SQLiteStatusStore(path: path, readOnly: true) }
        #expect(error?.description.contains(path) == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    // MARK: Journal

    @Test func journalRecordsEveryTransitionInOrder() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        try store.register([discovered("A", reason: "found in catalog"), discovered("B")])
        var submit = Transition(imageId: "A", from: .queued, to: .submitting, detail: "submit")
        submit.requestId = .set("req-1")
        try store.apply(submit)
        try store.apply(Transition(imageId: "A", from: .submitting, to: .running, detail: "engine running"))
        try store.apply(Transition(imageId: "B", from: .queued, to: .excluded, detail: "listed"))
        try store.apply(Transition(imageId: "A", from: .running, to: .failed, detail: "out of memory"))

        let all = try store.journal(limit: 100, imageId: nil)
        #expect(all.count == 6)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.seq > $1.seq }, "not newest first")

        let history = try store.journal(limit: 100, imageId: "A").reversed().map { [$0.from, $0.to] }
        #expect(history == [[.discovered, .queued], [.queued, .submitting], [.submitting, .running],
                            [.running, .failed]])
        let details = try store.journal(limit: 100, imageId: "A").reversed().map(\.detail)
        #expect(details == ["found in catalog", "submit", "engine running", "out of memory"])
        #expect(try store.journal(limit: 2, imageId: nil).map(\.detail) == ["out of memory", "listed"])
        #expect(all.allSatisfy { $0.stage == .cloudMask })
    }

    @Test func journalIsAppendOnly() throws {
        let scratch = try ScratchStore()
        try scratch.store.register([discovered("A")])
        let before = try scratch.store.journal(limit: 10, imageId: nil)
        #expect(throws: DatabaseError.self) {
            try scratch.store.pool.write { db in try db.execute(sql: "UPDATE journal SET detail = 'rewritten'") }
        }
        #expect(throws: DatabaseError.self) {
            try scratch.store.pool.write { db in try db.execute(sql: "DELETE FROM journal") }
        }
        #expect(try scratch.store.journal(limit: 10, imageId: nil) == before)

        try scratch.store.apply(Transition(imageId: "A", from: .queued, to: .cancelled))
        let after = try scratch.store.journal(limit: 10, imageId: nil)
        #expect(after.count == 2)
        #expect(after[0].seq > before[0].seq)
        #expect(after[1] == before[0])
    }

    // MARK: Transitions

    @Test func everyIllegalTransitionIsRefusedAndChangesNothing() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        var refused = 0
        for from in TaskState.allCases {
            for to in TaskState.allCases where !from.canTransition(to: to) {
                let id = "illegal-\(from.rawValue)-\(to.rawValue)"
                // Nothing is stored in DISCOVERED: such a transition is tried against a QUEUED row.
                let before = try bring(id, to: from == .discovered ? .queued : from, in: store)
                let journalBefore = try store.journal(limit: 1_000, imageId: id)

                let error = #expect(throws: IllegalTransition.self) {
                    try store.apply(Transition(imageId: id, from: from, to: to))
                }
                #expect(error == IllegalTransition(key: TaskKey(.cloudMask, id), from: from, to: to))
                #expect(try store.record(id: id, stage: .cloudMask) == before)
                #expect(try store.journal(limit: 1_000, imageId: id) == journalBefore)
                refused += 1
            }
        }
        let legalCount = TaskState.allowed.values.map(\.count).reduce(0, +)
        #expect(refused == TaskState.allCases.count * TaskState.allCases.count - legalCount)
    }

    @Test func everyLegalTransitionIsAccepted() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        for from in TaskState.allCases where from != .discovered {
            for to in TaskState.allowed[from] ?? [] {
                let id = "legal-\(from.rawValue)-\(to.rawValue)"
                let before = try bring(id, to: from, in: store)
                let after = try store.apply(Transition(before, to: to, detail: "check"))
                #expect(after.state == to)
                #expect(try store.record(id: id, stage: .cloudMask) == after)
                let last = try #require(try store.journal(limit: 1, imageId: id).first)
                #expect([last.from, last.to] == [from, to])
                #expect(last.detail == "check")
            }
        }
        // Out of DISCOVERED, the legal targets are what register accepts.
        for to in TaskState.allowed[.discovered] ?? [] {
            #expect(try store.register([discovered("registered-\(to.rawValue)", state: to)]) == 1)
            #expect(try store.record(id: "registered-\(to.rawValue)", stage: .cloudMask)?.state == to)
        }
    }

    @Test func registerRefusesStatesThatCannotFollowDiscovery() throws {
        let scratch = try ScratchStore()
        #expect(throws: IllegalTransition.self) {
            try scratch.store.register([discovered("A"), discovered("B", state: .running)])
        }
        #expect(try scratch.store.record(id: "A", stage: .cloudMask) == nil)
        #expect(try scratch.store.journal(limit: 10, imageId: nil).isEmpty)
    }

    @Test func staleFromIsRefused() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        let before = try bring("A", to: .queued, in: store)
        let error = #expect(throws: StoreError.self) {
            try store.apply(Transition(imageId: "A", from: .submitting, to: .running))
        }
        #expect(error?.description.contains("stale") == true)
        #expect(error?.description.contains("expected SUBMITTING found QUEUED") == true)
        #expect(try store.record(id: "A", stage: .cloudMask) == before)
        #expect(try store.journal(limit: 10, imageId: "A").count == 1)

        let missing = #expect(throws: StoreError.self) {
            try store.apply(Transition(imageId: "nowhere", from: .queued, to: .submitting))
        }
        #expect(missing?.description.contains("nowhere") == true)
    }

    @Test func batchWithOneBadTransitionWritesNothing() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        try store.register(["A", "B", "C"].map { discovered($0) })
        let journalBefore = try store.journal(limit: 100, imageId: nil)

        #expect(throws: StoreError.self) {
            try store.apply([Transition(imageId: "A", from: .queued, to: .submitting),
                             Transition(imageId: "B", from: .queued, to: .submitting),
                             Transition(imageId: "C", from: .running, to: .completed)])
        }
        #expect(throws: IllegalTransition.self) {
            try store.apply([Transition(imageId: "A", from: .queued, to: .submitting),
                             Transition(imageId: "B", from: .queued, to: .completed)])
        }
        #expect(throws: StoreError.self) {
            try store.apply([Transition(imageId: "A", from: .queued, to: .submitting),
                             Transition(imageId: "A", from: .queued, to: .cancelled)])
        }
        for id in ["A", "B", "C"] {
            #expect(try store.record(id: id, stage: .cloudMask)?.state == .queued)
        }
        #expect(try store.journal(limit: 100, imageId: nil) == journalBefore)
    }

    @Test func batchSeesItsEarlierTransitions() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        try store.register([discovered("A"), discovered("B")])
        var retry = Transition(imageId: "A", from: .failed, to: .queued, detail: "retry")
        retry.notBefore = .set(day(5))
        let updated = try store.apply([
            Transition(imageId: "A", from: .queued, to: .submitting),
            Transition(imageId: "B", from: .queued, to: .cancelled),
            Transition(imageId: "A", from: .submitting, to: .failed),
            retry,
        ])
        #expect(updated.map(\.id) == ["A", "B", "A", "A"])
        #expect(updated.map(\.state) == [.submitting, .cancelled, .failed, .queued])
        #expect(updated[3].notBefore == day(5))
        #expect(try store.record(id: "A", stage: .cloudMask) == updated[3])
        #expect(try store.journal(limit: 100, imageId: "A").count == 4)
    }

    @Test func fieldChangesKeepSetAndClear() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        try store.register([discovered("A")])

        var submit = Transition(imageId: "A", from: .queued, to: .submitting)
        submit.requestId = .set("req-1"); submit.attempts = 1; submit.engine = "local"
        submit.notBefore = .set(day(3))
        var running = Transition(imageId: "A", from: .submitting, to: .running)
        running.taskId = .set("task-9")
        var failed = Transition(imageId: "A", from: .running, to: .failed)
        failed.error = .set("no data"); failed.output = .set("/out/A.tif")
        var requeue = Transition(imageId: "A", from: .failed, to: .queued)
        requeue.taskId = .clear; requeue.error = .clear; requeue.notBefore = .clear

        let r = try store.apply([submit, running, failed, requeue])
        #expect(r[0].requestId == "req-1" && r[0].attempts == 1 && r[0].engine == "local")
        #expect(r[0].notBefore == day(3))
        #expect(r[1].taskId == "task-9" && r[1].requestId == "req-1" && r[1].notBefore == day(3))
        #expect(r[2].error == "no data" && r[2].output == "/out/A.tif" && r[2].taskId == "task-9")
        #expect(r[3].taskId == nil && r[3].error == nil && r[3].notBefore == nil)
        #expect(r[3].requestId == "req-1" && r[3].output == "/out/A.tif")
        #expect(r[3].attempts == 1 && r[3].engine == "local")
        #expect(r[3].acquired == day(0) && r[3].tile == "31TCJ" && r[3].cloudCover == 12.5)
        #expect(try store.record(id: "A", stage: .cloudMask) == r[3])
    }

    // MARK: Registration and queries

    @Test func registerIsIdempotent() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        #expect(try store.register(["A", "B", "C"].map { discovered($0) }) == 3)
        try store.apply(Transition(imageId: "A", from: .queued, to: .submitting))
        let a = try store.record(id: "A", stage: .cloudMask)

        #expect(try store.register(["A", "B", "C", "D", "D"].map { discovered($0, acquired: day(9)) }) == 1)
        #expect(try store.register([]) == 0)
        #expect(try store.record(id: "A", stage: .cloudMask) == a)
        #expect(try store.record(id: "B", stage: .cloudMask)?.acquired == day(0))
        #expect(try store.record(id: "D", stage: .cloudMask)?.acquired == day(9))
        let discoveries = try store.journal(limit: 100, imageId: nil).filter { $0.from == .discovered }
        #expect(discoveries.map(\.imageId).sorted() == ["A", "B", "C", "D"])
    }

    @Test func nextQueuedRespectsBackoffAndAcquisitionOrder() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        let now = day(10)
        try store.register([
            discovered("late", acquired: day(4)),
            discovered("early", acquired: day(1)),
            discovered("waiting", acquired: day(0), notBefore: day(10, plusSeconds: 60)),
            discovered("waitedEnough", acquired: day(3), notBefore: day(9)),
            discovered("dueNow", acquired: day(2), notBefore: now),
            discovered("tieB", acquired: day(5)),
            discovered("tieA", acquired: day(5)),
            discovered("excluded", acquired: day(0), state: .excluded),
        ])
        let next = try store.nextQueued(stage: .cloudMask, limit: 10, now: now)
        #expect(next.map(\.id) == ["early", "dueNow", "waitedEnough", "late", "tieA", "tieB"])
        #expect(try store.nextQueued(stage: .cloudMask, limit: 2, now: now).map(\.id) == ["early", "dueNow"])
        #expect(try store.nextQueued(stage: .cloudMask, limit: 0, now: now).isEmpty)
        let later = try store.nextQueued(stage: .cloudMask, limit: 10, now: day(11))
        #expect(later.first?.id == "waiting")
        #expect(later.count == 7)
    }

    @Test func nextRetryTimeIsTheEarliestWaitingBackoff() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        let now = day(10)
        #expect(try store.nextRetryTime(now: now) == nil)
        try store.register([
            discovered("past", notBefore: day(9)),
            discovered("exactlyNow", notBefore: now),
            discovered("soon", notBefore: day(10, plusSeconds: 30)),
            discovered("later", notBefore: day(11)),
            discovered("noBackoff"),
        ])
        #expect(try store.nextRetryTime(now: now) == day(10, plusSeconds: 30))
        #expect(try store.nextRetryTime(now: day(10, plusSeconds: 30)) == day(11))
        #expect(try store.nextRetryTime(now: day(12)) == nil)

        // Only QUEUED images wait.
        try store.apply(Transition(imageId: "soon", from: .queued, to: .cancelled))
        #expect(try store.nextRetryTime(now: now) == day(11))
        // Without a clock argument the current time is used: these backoffs are all in the past.
        #expect(try store.nextRetryTime(now: Date()) == nil)
    }

    @Test func countsGroupByState() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        try store.register((0..<5).map { discovered("q\($0)") }
                           + [discovered("x", state: .excluded), discovered("o", state: .outOfArea)])
        try store.apply([Transition(imageId: "q0", from: .queued, to: .submitting),
                         Transition(imageId: "q1", from: .queued, to: .submitting),
                         Transition(imageId: "q1", from: .submitting, to: .running)])
        let expected: [TaskState: Int] = [.queued: 3, .submitting: 1, .running: 1, .excluded: 1, .outOfArea: 1]
        #expect(try store.counts(stage: .cloudMask) == expected)
        #expect(try store.counts(stage: nil) == expected)
    }

    @Test func recordsFiltersByStateInAcquisitionOrder() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        try store.register([discovered("c", acquired: day(3)), discovered("a", acquired: day(1)),
                            discovered("b", acquired: day(2), state: .skipped),
                            discovered("d", acquired: day(0), state: .excluded)])
        #expect(try store.records(in: [.queued, .skipped], stage: .cloudMask, limit: nil).map(\.id) == ["a", "b", "c"])
        #expect(try store.records(in: [.queued, .skipped], stage: nil, limit: 2).map(\.id) == ["a", "b"])
        #expect(try store.records(in: [], stage: nil, limit: nil).isEmpty)
        #expect(try store.records(in: Set(TaskState.allCases), stage: nil, limit: nil).count == 4)
        #expect(try store.record(id: "zz", stage: .cloudMask) == nil)
    }

    // MARK: Dates

    @Test func storedDatesMatchGRDBsFormat() {
        let seconds: [Double] = [0, -1, -86_400.5, 951_782_400 /* 2000-02-29 */, 1_700_000_000.9999,
                                 1_733_011_199.123_456, 4_102_444_800 /* 2100-01-01 */, 1_600_000_000.0005]
        for t in seconds {
            let date = Date(timeIntervalSince1970: t)
            #expect(StoredDate.text(date) == String.fromDatabaseValue(date.databaseValue), "at \(t)")
        }
        #expect(StoredDate.text(day(0, plusSeconds: 3_723)) == "2023-11-14 23:15:23.000")
    }

    // MARK: Readers beside the writer

    @Test func readOnlyStoreSeesCommittedWritesWhileWriterWrites() async throws {
        let scratch = try ScratchStore()
        let writer = scratch.store
        let ids = (0..<400).map { String(format: "img%04d", $0) }
        try writer.register(ids.map { discovered($0) })

        let reader = try SQLiteStatusStore(path: scratch.path, readOnly: true)
        #expect(try reader.counts(stage: .cloudMask) == [.queued: 400])
        #expect(throws: StoreError.self) { try reader.setMeta("engine", "local") }
        #expect(throws: StoreError.self) { try reader.register([discovered("new")]) }

        let writing = Task.detached {
            for chunk in stride(from: 0, to: ids.count, by: 10) {
                try writer.apply(ids[chunk..<chunk + 10].map { Transition(imageId: $0, from: .queued, to: .submitting) })
            }
        }
        var seen: [Int] = []
        for _ in 0..<200 {
            let submitting = try reader.counts(stage: .cloudMask)[.submitting] ?? 0
            seen.append(submitting)
            #expect(submitting % 10 == 0, "a reader saw half a transaction: \(submitting)")
            if submitting == ids.count { break }
            try await Task.sleep(for: .milliseconds(1))
        }
        try await writing.value
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(try reader.counts(stage: .cloudMask) == [.submitting: 400])
        #expect(try reader.journal(limit: 1, imageId: nil).first?.imageId == "img0399")
        #expect(try SQLiteStatusStore(path: scratch.path, readOnly: true).meta("schema_version") == "4")
    }

    // MARK: Stages, inputs, run state

    @Test func aVersion2StoreIsBroughtForwardKeepingEveryRow() throws {
        let folder = Fixtures.temporaryDirectory("v2")
        let path = folder.appendingPathComponent("status.sqlite").path
        do {
            // A store as the foundation left it: schema v2, one image half way, a pending request.
            let pool = try DatabasePool(path: path)
            try StoreSchema.migrator.migrate(pool, upTo: "v2 control requests")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO images (id, stage, acquired, tile, footprint, source, state, request_id, attempts, updated_at)
                    VALUES ('A', 'cloudmask', '2017-01-01 00:00:00.000', '33TVL', '{}', 'a.json', 'COMPLETED', 'r1', 2, '2017-01-02 00:00:00.000');
                    INSERT INTO journal (at, image_id, stage, from_state, to_state) VALUES ('2017-01-02 00:00:00.000', 'A', 'cloudmask', 'RUNNING', 'COMPLETED');
                    INSERT INTO control (at, command, image_ids) VALUES ('2017-01-02 00:00:00.000', 'cancel', 'A');
                    """)
            }
            try pool.close()
        }
        let store = try SQLiteStatusStore(path: path)
        #expect(try store.meta("schema_version") == "4")
        let a = try #require(try store.record(TaskKey(.cloudMask, "A")))
        #expect(a.state == .completed && a.attempts == 2 && a.submissions == 2 && a.requestId == "r1")
        // No fingerprint: the next run counts its output as made under other parameters.
        #expect(a.paramsHash == nil)
        #expect(try store.journal(limit: 10, imageId: "A").count == 1)
        #expect(try store.takeControlRequests().map(\.targets) == [["A"]])
    }

    @Test func inputsDependentsAndWaivers() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        try store.register([discovered("A"), discovered("B")])
        let block = NewTask(record: TaskRecord(id: "T33TVL", stage: .gapFill, acquired: day(0), tile: "33TVL", footprint: "{}",
                                               cloudCover: nil, source: "33TVL", state: .waiting),
                            inputs: [TaskKey(.cloudMask, "A"), TaskKey(.cloudMask, "B")])
        try store.register([block])
        let key = TaskKey(.gapFill, "T33TVL")
        #expect(try store.dependents(of: [TaskKey(.cloudMask, "A")], in: [.waiting]) == [key])
        #expect(try store.dependents(of: [TaskKey(.cloudMask, "A")], in: [.queued]).isEmpty)
        try store.apply([Transition(imageId: "A", from: .queued, to: .cancelled)])
        try store.waive([TaskKey(.cloudMask, "A")], of: key, reason: "test", at: day(1))
        let inputs = try #require(try store.inputs(of: [key])[key])
        #expect(inputs.count == 2)
        #expect(inputs.first { $0.key.id == "A" }?.waived == true && inputs.first { $0.key.id == "A" }?.state == .cancelled)
        #expect(inputs.first { $0.key.id == "B" }?.waived == false)
        // Replacing the list keeps the waiver of a kept input.
        try store.replaceInputs(of: key, with: [TaskKey(.cloudMask, "A")])
        #expect(try store.inputs(of: [key])[key]?.map(\.waived) == [true])
    }

    @Test func counts_refs_and_runStateRoundTrip() throws {
        let scratch = try ScratchStore()
        let store = scratch.store
        try store.register([discovered("A"), discovered("B", state: .waiting, stage: .ndvi)])
        #expect(try store.counts() == [.cloudMask: [.queued: 1], .ndvi: [.waiting: 1]])
        #expect(try store.count(in: [.queued, .waiting]) == 2)
        #expect(try store.refs(in: [.waiting], stage: nil).map(\.key) == [TaskKey(.ndvi, "B")])
        #expect(try store.runState() == nil)
        let state = RunState(active: true, pid: 7, host: "h", startedAt: day(1), heartbeat: day(1, plusSeconds: 5), engine: "local",
                             parametersPath: "/p.toml", nbTaskMax: 30, refresh: 30,
                             hold: SubmissionHold(cause: .machine, reason: "disk full", since: day(1), nextProbe: day(2)),
                             quota: EngineQuota(maxQueuedTasks: 3000, concurrentTasks: nil, queuedOrRunning: 12))
        try store.saveRunState(state)
        #expect(try SQLiteStatusStore(path: scratch.path, readOnly: true).runState() == state)
    }

    @Test func afterFinishTheFileAloneHoldsTheStatus() throws {
        let scratch = try ScratchStore()
        try scratch.store.register((0..<50).map { discovered("img\($0)") })
        try scratch.store.apply((0..<50).map { Transition(imageId: "img\($0)", from: .queued, to: .submitting) })
        try scratch.store.finish()
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "-wal"))
        // Copying the one file copies the status.
        let copy = Fixtures.temporaryDirectory("copy").appendingPathComponent("copied.sqlite").path
        try FileManager.default.copyItem(atPath: scratch.path, toPath: copy)
        let copied = try SQLiteStatusStore(path: copy, readOnly: true)
        #expect(try copied.counts(stage: nil) == [.submitting: 50])
        #expect(try copied.journal(limit: 1000, imageId: nil).count == 100)
    }
}
