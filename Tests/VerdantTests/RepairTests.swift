import Foundation
import Testing
import VerdantCore
import VerdantRepair
import VerdantStore
import VerdantTesting

@Suite("Repair: each class found for real and fixed")
struct RepairTests {
    @Test("in flight but unknown to the engine: requeued with the request id, COMPLETED where a valid output is there, CANCELLED where a cancel was asked; stuck SUBMITTING back to QUEUED")
    func inFlightUnknownAndStuckSubmitting() async throws {
        let f = try RepairFixture(count: 5)
        defer { f.remove() }
        try f.move(f.key(0), through: [.submitting, .running], taskId: "lost-0", requestId: "vd-r0")
        try f.move(f.key(1), through: [.submitting, .ready], taskId: "lost-1", requestId: "vd-r1")
        try f.move(f.key(2), through: [.submitting, .running], taskId: "lost-2", requestId: "vd-r2")
        try f.publish(f.key(2))
        try f.move(f.key(3), through: [.submitting, .running, .cancelling], taskId: "lost-3", requestId: "vd-r3")
        try f.move(f.key(4), through: [.submitting], requestId: "vd-r4")
        // The engine of a run that died: it knows none of them.
        let engine = InstantEngine()
        let plan = try Repair.inspect(store: f.store, context: f.context(try await engine.listAll()))
        #expect(plan.finding(.inFlightUnknown)?.count == 4)
        #expect(plan.finding(.stuckSubmitting)?.count == 1)
        #expect(plan.changes().count == 5)

        let result = try await Repair.apply(plan, store: f.store, engine: engine, backupTo: f.backupPath)
        #expect(result.transitions == 5)
        let requeued = try #require(try f.store.record(f.key(0)))
        #expect(requeued.state == .queued)
        #expect(requeued.requestId == "vd-r0")
        #expect(requeued.taskId == nil)
        #expect(try f.state(f.key(1)) == .queued)
        let completed = try #require(try f.store.record(f.key(2)))
        #expect(completed.state == .completed)
        #expect(completed.output == f.layout.resultFile(f.key(2)).path)
        #expect(completed.paramsHash == f.fingerprints[.cloudMask])
        #expect(try f.state(f.key(3)) == .cancelled)
        let stuck = try #require(try f.store.record(f.key(4)))
        #expect(stuck.state == .queued)
        #expect(stuck.requestId == "vd-r4")
        #expect(try f.journal(f.key(0)).last?.detail?.hasPrefix("repair in-flight-unknown: the engine does not know this task") == true)
        #expect(try f.journal(f.key(4)).last?.detail?.hasPrefix("repair stuck-submitting:") == true)

        // The backup holds the store as it was before.
        let backup = try SQLiteStatusStore(path: try #require(result.backup), readOnly: true)
        #expect(try backup.record(f.key(0))?.state == .running)
        #expect(try backup.record(f.key(4))?.state == .submitting)
        // What is left: the NDVI waiting on the mask a person cancelled.
        let again = try Repair.inspect(store: f.store, context: f.context(try await engine.listAll()))
        #expect(again.findings.map(\.kind) == [.waitingOnFailed])
        #expect(again.finding(.waitingOnFailed)?.examples.first?.hasPrefix(f.key(3, .ndvi).description) == true)
    }

    @Test("orphans: open engine tasks of ours that no row follows are cancelled; other programs' tasks are left alone")
    func orphansCancelled() async throws {
        let f = try RepairFixture(count: 2)
        defer { f.remove() }
        let engine = InstantEngine(finishes: false)
        // A task for an image the store does not have, one for a QUEUED row (a run that died
        // after the engine took it but before the store heard), and somebody else's.
        let unknown = try await engine.submit(Job(id: "20990101T000000_20990101T000000_T00XXX", stage: .cloudMask, source: "x"),
                                              requestId: "vd-cloudmask-aaaa-1")
        let behind = try await engine.submit(Job(id: Fixtures.imageId(0), stage: .cloudMask, source: "x"), requestId: "vd-cloudmask-bbbb-1")
        let foreign = try await engine.submit(Job(id: "export", stage: Stage("someone"), source: "x"), requestId: "other-1")
        let plan = try Repair.inspect(store: f.store, context: f.context(try await engine.listAll()))
        let orphans = try #require(plan.finding(.orphan))
        #expect(orphans.count == 2)
        #expect(Set(plan.cancels.map(\.id)) == [unknown, behind])

        let result = try await Repair.apply(plan, store: f.store, engine: engine, backupTo: f.backupPath)
        #expect(Set(result.cancelled) == [unknown, behind])
        #expect(engine.status(ofRequest: "vd-cloudmask-aaaa-1")?.state == .cancelling)
        #expect(engine.status(ofRequest: "vd-cloudmask-bbbb-1")?.state == .cancelling)
        #expect(engine.status(ofRequest: "other-1")?.state == .pending)
        #expect(try f.state(f.key(0)) == .queued)
        _ = foreign
    }

    @Test("two engine tasks for one task: the followed one is kept and the other cancelled; a succeeded one wins and the row completes with it")
    func duplicatesSettled() async throws {
        let f = try RepairFixture(count: 2)
        defer { f.remove() }
        let engine = InstantEngine(finishes: true)
        let job0 = Job(id: Fixtures.imageId(0), stage: .cloudMask, source: "x")
        let followed = try await engine.submit(job0, requestId: "vd-cloudmask-a-1")
        let extra = try await engine.submit(job0, requestId: "vd-cloudmask-a-2")
        try f.move(f.key(0), through: [.submitting, .ready], taskId: followed, requestId: "vd-cloudmask-a-1")

        let job1 = Job(id: Fixtures.imageId(1), stage: .cloudMask, source: "x")
        let succeeded = try await engine.submit(job1, requestId: "vd-cloudmask-b-1")
        _ = try await engine.poll([succeeded])  // ends it: SUCCEEDED
        let open = try await engine.submit(job1, requestId: "vd-cloudmask-b-2")
        try f.move(f.key(1), through: [.submitting, .ready], taskId: open, requestId: "vd-cloudmask-b-2")
        try f.publish(f.key(1))

        let plan = try Repair.inspect(store: f.store, context: f.context(try await engine.listAll()))
        #expect(plan.finding(.duplicate)?.count == 2)
        #expect(Set(plan.cancels.map(\.id)) == [extra, open])
        _ = try await Repair.apply(plan, store: f.store, engine: engine, backupTo: f.backupPath)
        #expect(engine.status(ofRequest: "vd-cloudmask-a-2")?.state == .cancelling)
        #expect(engine.status(ofRequest: "vd-cloudmask-a-1")?.state == .pending)
        #expect(try f.store.record(f.key(0))?.taskId == followed)
        let done = try #require(try f.store.record(f.key(1)))
        #expect(done.state == .completed)
        #expect(done.taskId == succeeded)
        #expect(try f.journal(f.key(1)).last?.detail?.hasPrefix("repair duplicate: follows engine task \(succeeded)") == true)
    }

    @Test("COMPLETED or SKIPPED without a valid output (missing, other parameters, not a raster): started again with a new request id")
    func completedWithoutOutputStartsAgain() async throws {
        let f = try RepairFixture(count: 4)
        defer { f.remove() }
        for n in 0..<4 { try f.move(f.key(n), through: [.submitting, .running, .completed], taskId: "t\(n)", requestId: "vd-\(n)") }
        try f.publish(f.key(1), fingerprint: "fp-of-other-parameters")
        try f.publish(f.key(2))
        try Data("not a tiff".utf8).write(to: f.layout.resultFile(f.key(2)))
        try f.publish(f.key(3))
        let plan = try Repair.inspect(store: f.store, context: f.context([]))
        let finding = try #require(plan.finding(.completedWithoutOutput))
        #expect(finding.count == 3)
        _ = try await Repair.apply(plan, store: f.store, engine: nil, backupTo: f.backupPath)
        for n in 0..<3 {
            let record = try #require(try f.store.record(f.key(n)))
            #expect(record.state == .queued)
            #expect(record.requestId == nil)
            #expect(record.attempts == 0)
        }
        #expect(try f.journal(f.key(0)).last?.detail == "repair completed-without-output: output missing")
        #expect(try f.journal(f.key(1)).last?.detail?.contains("other parameters") == true)
        #expect(try f.journal(f.key(2)).last?.detail?.contains("does not open") == true)
        #expect(try f.state(f.key(3)) == .completed)
    }

    @Test("a valid output not recorded as done: SKIPPED, through QUEUED from FAILED or CANCELLED (two legal steps in one transaction)")
    func outputWithoutRecordSkipped() async throws {
        let f = try RepairFixture(count: 4)
        defer { f.remove() }
        try f.move(f.key(1), through: [.submitting, .running, .failed], taskId: "t1", requestId: "vd-1")
        try f.move(f.key(2), through: [.cancelled])
        for n in 0..<3 { try f.publish(f.key(n)) }
        let plan = try Repair.inspect(store: f.store, context: f.context([]))
        #expect(plan.finding(.outputWithoutRecord)?.count == 3)
        // FAILED and CANCELLED are not counted as blocking the NDVI waiting on them: settled first.
        #expect(plan.finding(.waitingOnFailed) == nil)
        _ = try await Repair.apply(plan, store: f.store, engine: nil, backupTo: f.backupPath)
        for n in 0..<3 {
            let record = try #require(try f.store.record(f.key(n)))
            #expect(record.state == .skipped)
            #expect(record.output == f.layout.resultFile(f.key(n)).path)
            #expect(record.paramsHash == f.fingerprints[.cloudMask])
        }
        let steps = try f.journal(f.key(1)).suffix(2).map { "\($0.from.rawValue)->\($0.to.rawValue)" }
        #expect(steps == ["FAILED->QUEUED", "QUEUED->SKIPPED"])
        #expect(try f.state(f.key(3)) == .queued)
    }

    @Test("waiting on failed inputs: the default retries the input; the alternative releases the waiting task")
    func waitingOnFailedRetryOrRelease() async throws {
        let f = try RepairFixture(count: 2)
        defer { f.remove() }
        try f.move(f.key(0), through: [.submitting, .running, .failed], taskId: "t0", requestId: "vd-0")
        try f.move(f.key(1), through: [.cancelled])
        let plan = try Repair.inspect(store: f.store, context: f.context([]))
        let finding = try #require(plan.finding(.waitingOnFailed))
        #expect(finding.count == 2)
        #expect(finding.options.count == 3)

        var retry = plan
        retry.choose(.waitingOnFailed, option: 0)
        #expect(Set(retry.changes().map(\.subject)) == [f.key(0).description, f.key(1).description])
        var release = plan
        release.choose(.waitingOnFailed, option: 1)
        _ = try await Repair.apply(release, store: f.store, engine: nil, backupTo: f.backupPath)
        let ndvi = f.key(0, .ndvi)
        #expect(try f.state(ndvi) == .excluded)
        #expect(try f.store.inputs(of: [ndvi])[ndvi]?.first?.waived == true)
        #expect(try f.state(f.key(0)) == .failed)

        // The same store state again, retried this time.
        let g = try RepairFixture(count: 1)
        defer { g.remove() }
        try g.move(g.key(0), through: [.submitting, .running, .failed], taskId: "t0", requestId: "vd-0")
        _ = try await Repair.apply(try Repair.inspect(store: g.store, context: g.context([])), store: g.store, engine: nil,
                                   backupTo: g.backupPath)
        let retried = try #require(try g.store.record(g.key(0)))
        #expect(retried.state == .queued)
        #expect(retried.requestId == nil)
        #expect(try g.state(g.key(0, .ndvi)) == .waiting)
    }

    @Test("the original's remedies: cancel every running task then requeue; wait for them, then record how they ended")
    func remedies() async throws {
        let f = try RepairFixture(count: 3)
        defer { f.remove() }
        let engine = InstantEngine(finishes: false)
        for n in 0..<2 {
            let id = try await engine.submit(Job(id: Fixtures.imageId(n), stage: .cloudMask, source: "x"), requestId: "vd-\(n)")
            try f.move(f.key(n), through: [.submitting, .running], taskId: id, requestId: "vd-\(n)")
        }
        let plan = try Repair.inspect(store: f.store, context: f.context(try await engine.listAll(), remedy: .cancelAllThenRequeue))
        #expect(plan.finding(.remedy)?.options.first?.fixes.count == 2)
        _ = try await Repair.apply(plan, store: f.store, engine: engine, backupTo: f.backupPath)
        for n in 0..<2 {
            #expect(engine.status(ofRequest: "vd-\(n)")?.state == .cancelling)
            let record = try #require(try f.store.record(f.key(n)))
            #expect(record.state == .queued)
            #expect(record.requestId == nil)  // a new request: the old one names a cancelled task
        }

        let g = try RepairFixture(count: 3)
        defer { g.remove() }
        let finishing = InstantEngine(pollsToFinish: 2)
        finishing.fail(Fixtures.imageId(1), times: 1, kind: .permanent)
        var ids: [String] = []
        for n in 0..<2 {
            let id = try await finishing.submit(Job(id: Fixtures.imageId(n), stage: .cloudMask, source: "x"), requestId: "vd-\(n)")
            try g.move(g.key(n), through: [.submitting, .running], taskId: id, requestId: "vd-\(n)")
            ids.append(id)
        }
        try g.move(g.key(2), through: [.submitting, .running], taskId: "forgotten", requestId: "vd-2")
        let left = try await Repair.waitForEngineTasks(ids, engine: finishing, interval: 0.01, timeout: 30)
        #expect(left == 0)
        let waited = try Repair.inspect(store: g.store, context: g.context(try await finishing.listAll(), remedy: .waitThenComplete))
        _ = try await Repair.apply(waited, store: g.store, engine: finishing, backupTo: g.backupPath)
        #expect(try g.state(g.key(0)) == .completed)
        #expect(try g.store.record(g.key(1))?.error?.contains("planned") == true)
        #expect(try g.state(g.key(1)) == .failed)
        #expect(try g.state(g.key(2)) == .queued)
    }

    @Test("one transaction: a task moved since the inspection refuses the whole repair and nothing is written")
    func staleRepairWritesNothing() async throws {
        let f = try RepairFixture(count: 3)
        defer { f.remove() }
        for n in 0..<3 { try f.move(f.key(n), through: [.submitting, .running], taskId: "t\(n)", requestId: "vd-\(n)") }
        let plan = try Repair.inspect(store: f.store, context: f.context([]))
        #expect(plan.finding(.inFlightUnknown)?.count == 3)
        try f.move(f.key(2), through: [.completed])
        let before = try f.store.journal(limit: 1, imageId: nil).first?.seq
        await #expect(throws: StoreError.self) {
            try await Repair.apply(plan, store: f.store, engine: nil, backupTo: f.backupPath)
        }
        #expect(try f.state(f.key(0)) == .running)
        #expect(try f.state(f.key(1)) == .running)
        #expect(try f.store.journal(limit: 1, imageId: nil).first?.seq == before)
    }

    @Test("without the engine's list (another run owns it) the engine classes are not looked for, and say so")
    func noEngineListIsANote() throws {
        let f = try RepairFixture(count: 1)
        defer { f.remove() }
        try f.move(f.key(0), through: [.submitting, .running], taskId: "t0", requestId: "vd-0")
        let plan = try Repair.inspect(store: f.store, context: f.context(nil))
        #expect(plan.isEmpty)
        #expect(plan.notes.contains { $0.contains("cannot be read") })
    }
}
