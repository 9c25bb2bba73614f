import Foundation
import Testing
import VerdantCore
import VerdantStore
import VerdantTesting

/// Stages that wait on each other: masks -> NDVI per image, and a block stage (one task per
/// tile over the date range) reading every image's NDVI.
@Suite("Stage graph")
struct StageGraphTests {
    static let withBlocks = StageGraph([
        StageSpec(.cloudMask, unit: .image),
        StageSpec(.ndvi, unit: .image, inputs: [.cloudMask]),
        StageSpec(.gapFill, unit: .block, inputs: [.ndvi]),
    ])

    /// A stage's version salts its fingerprint and, through it, every stage after it: masks of
    /// an older verdant (version 1: the footprint's grid) are redone, and so is what reads them.
    @Test func aStageVersionChangesItsFingerprintAndThoseDownstream() {
        let p = Parameters()
        let current = StageFingerprint.all(p, graph: .pipeline(until: .productivity), landDigest: "land")
        var older = StageGraph.pipeline(until: .productivity).specs
        older[0].version = 1
        let before = StageFingerprint.all(p, graph: StageGraph(older), landDigest: "land")
        #expect(StageGraph.pipeline(until: .productivity).specs[0].version == 2)
        for stage in [Stage.cloudMask, .ndvi, .gapFill, .productivity] {
            #expect(current[stage]?.digest != before[stage]?.digest, "\(stage)")
        }
        // Earth Engine's masks did not change: their version stays.
        #expect(StageGraph.earthEngine(until: .productivity).specs[0].version == 1)
    }

    func state(_ store: SQLiteStatusStore, _ stage: Stage, _ id: String) throws -> TaskState? {
        try store.record(TaskKey(stage, id))?.state
    }

    /// Every task started (SUBMITTING) only after each of its inputs was final.
    func expectNoStageStartedEarly(_ store: SQLiteStatusStore) throws {
        let journal = try store.journal(after: 0, limit: 1_000_000)
        var finalAt: [TaskKey: Int64] = [:]
        var inputs: [TaskKey: [TaskInput]] = [:]
        for entry in journal where entry.to.isFinal { finalAt[entry.key] = finalAt[entry.key] ?? entry.seq }
        for entry in journal where entry.to == .submitting {
            if inputs[entry.key] == nil { inputs[entry.key] = try store.inputs(of: [entry.key])[entry.key] ?? [] }
            for input in inputs[entry.key]! {
                let settled = try #require(finalAt[input.key], "\(entry.key) started but its input \(input.key) never ended")
                #expect(settled < entry.seq, "\(entry.key) started before \(input.key) was final")
            }
        }
    }

    @Test("NDVI waits for its mask; nb_task_max counts the tasks of all stages together")
    func ndviWaitsForMask() async throws {
        let (store, _) = try Fixtures.graphStore(count: 6)
        let engine = InstantEngine(pollsToFinish: 2)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(max: 3))
        try await scheduler.cycle()
        #expect(try store.counts()[.ndvi]?[.waiting] == 6)
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed, stage: .cloudMask) == 6)
        #expect(last.count(.completed, stage: .ndvi) == 6)
        #expect(engine.currentFigures.peakOpen <= 3)
        try expectNoStageStartedEarly(store)
    }

    @Test("each NDVI job gets its mask's output as input")
    func jobsGetInputOutputs() async throws {
        let (store, _) = try Fixtures.graphStore(count: 2)
        _ = try await withDeadline(60) { try await Scheduler(store: store, engine: InstantEngine(), settings: Fixtures.settings(max: 4)).run() }
        let ndvi = try #require(try store.record(TaskKey(.ndvi, Fixtures.imageId(1))))
        #expect(ndvi.output == "instant://ndvi/\(Fixtures.imageId(1))")
        let inputs = try #require(try store.inputs(of: [ndvi.key])[ndvi.key])
        #expect(inputs.map(\.key) == [TaskKey(.cloudMask, Fixtures.imageId(1))])
        #expect(inputs[0].output == "instant://cloudmask/\(Fixtures.imageId(1))")
    }

    @Test("a failed input keeps its downstream task waiting with the reason; retrying the input lets it run")
    func failedInputBlocksUntilRetried() async throws {
        let (store, _) = try Fixtures.graphStore(count: 3)
        let bad = Fixtures.imageId(1)
        let engine = InstantEngine()
        engine.fail(bad, times: 1, kind: .permanent)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(max: 3))
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.drained)
        #expect(try state(store, .cloudMask, bad) == .failed)
        #expect(try state(store, .ndvi, bad) == .waiting)
        let key = TaskKey(.ndvi, bad)
        let reason = try #require(Scheduler.blockedReason(try store.inputs(of: [key])[key] ?? []))
        #expect(reason.contains("cloudmask/\(bad) FAILED") && reason.contains("planned permanent failure"))
        #expect(reason.contains("verdant retry") && reason.contains("verdant release"))
        // The input fixed and retried: the downstream task runs.
        #expect(try await scheduler.retry(targets: ["cloudmask/\(bad)"]) == 1)
        let again = try await withDeadline(60) { try await scheduler.run() }
        #expect(again.count(.completed) == 6)
        try expectNoStageStartedEarly(store)
    }

    @Test("a person lets a waiting task go on without its failed input; with nothing left to read it ends EXCLUDED")
    func releaseWithoutFailedInput() async throws {
        let (store, _) = try Fixtures.graphStore(count: 4, graph: Self.withBlocks)
        let bad = Fixtures.imageId(2)
        let engine = InstantEngine()
        engine.fail(bad, times: 9, kind: .permanent)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(graph: Self.withBlocks, max: 4))
        _ = try await withDeadline(60) { try await scheduler.run() }
        // The block waits on the failed image's NDVI, which waits on its failed mask.
        #expect(try state(store, .gapFill, "T33TVL") == .waiting)
        #expect(try state(store, .ndvi, bad) == .waiting)
        #expect(try await scheduler.release(targets: ["ndvi/\(bad)"]) == 1)
        #expect(try state(store, .ndvi, bad) == .excluded)
        // The NDVI left the block's inputs (excluded = not an input): the block runs on the rest.
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(try state(store, .gapFill, "T33TVL") == .completed)
        #expect(last.count(.completed, stage: .ndvi) == 3)
        let block = TaskKey(.gapFill, "T33TVL")
        let inputs = try #require(try store.inputs(of: [block])[block])
        #expect(inputs.count == 4)
        try expectNoStageStartedEarly(store)
    }

    @Test("a block task waits until every image of its block is final; out-of-area images are not inputs")
    func blockWaitsForAllImages() async throws {
        let (store, _) = try Fixtures.graphStore(count: 6, graph: Self.withBlocks, tiles: ["33TVL", "33UUU"])
        // Image 4 (tile 33TVL) is out of area: not an input of its block.
        for stage in [Stage.cloudMask, .ndvi] {
            let from: TaskState = stage == .cloudMask ? .queued : .waiting
            try store.apply(Transition(key: TaskKey(stage, Fixtures.imageId(4)), from: from, to: .outOfArea))
        }
        let engine = InstantEngine(pollsToFinish: 3)
        let scheduler = Scheduler(store: store, engine: engine, settings: Fixtures.settings(graph: Self.withBlocks, max: 2))
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed, stage: .gapFill) == 2)
        #expect(last.count(.completed, stage: .ndvi) == 5)
        try expectNoStageStartedEarly(store)
    }

    @Test("cancelling an image cancels every stage of it; requeue-cancelled brings them back in order")
    func cancelAndRequeueAcrossStages() async throws {
        let (store, _) = try Fixtures.graphStore(count: 2)
        let scheduler = Scheduler(store: store, engine: InstantEngine(), settings: Fixtures.settings(max: 2))
        #expect(try await scheduler.cancel(targets: [Fixtures.imageId(0)]) == 2)
        #expect(try state(store, .ndvi, Fixtures.imageId(0)) == .cancelled)
        _ = try await withDeadline(60) { try await scheduler.run() }
        #expect(try await scheduler.retryAll(in: .cancelled) == 2)
        #expect(try state(store, .ndvi, Fixtures.imageId(0)) == .waiting)
        let last = try await withDeadline(60) { try await scheduler.run() }
        #expect(last.count(.completed) == 4)
        try expectNoStageStartedEarly(store)
    }

    @Test("a graph refuses a stage reading a stage declared after it")
    func graphOrder() {
        let good = StageGraph.local
        #expect(good.rank(.ndvi) > good.rank(.cloudMask))
        #expect(good.imageStages == [.cloudMask, .ndvi])
        #expect(TaskKey(text: "ndvi/abc") == TaskKey(.ndvi, "abc"))
        #expect(TaskKey(text: "abc") == nil)
    }
}
