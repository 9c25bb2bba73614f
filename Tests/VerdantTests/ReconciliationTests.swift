import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantStore

/// Area tests by predicate: discovery's own logic, apart from GDAL (the end-to-end tests run
/// the real GDAL tests on the samples).
struct PredicateAreaTests: AreaTests {
    var geometry: @Sendable (String) -> Bool = { _ in true }
    var land: @Sendable (String) -> Bool = { _ in true }
    func meetsGeometry(_ footprint: String) throws -> Bool { geometry(footprint) }
    func meetsLand(_ footprint: String) throws -> Bool { land(footprint) }
}

@Suite("Runs follow the parameters")
struct ReconciliationTests {
    static let catalogPath = Fixtures.repositoryRoot.appendingPathComponent("samples/catalog/catalog.json").path

    /// Six images, one a day from 2017-01-01, footprints naming their number.
    func images(_ count: Int = 6) -> [CatalogImage] {
        (0..<count).map { n in
            CatalogImage(id: Fixtures.imageId(n), acquired: Fixtures.start.addingTimeInterval(Double(n) * 86400),
                         end: Fixtures.start.addingTimeInterval(Double(n) * 86400), tile: n % 2 == 0 ? "33TVL" : "33UUU",
                         footprint: "fp-\(n)", cloudCover: nil, source: "item-\(n).json")
        }
    }

    func parameters(from: String = "2017-01-01", to: String = "2017-01-06", exclude: [String] = []) -> Parameters {
        var p = Parameters()
        p.dates.start = CalendarDate(iso: from)!
        p.dates.end = CalendarDate(iso: to)!
        p.dates.nbDaysBefore = 0
        p.dates.nbDaysAfter = 0
        p.area.imageToExclude = exclude
        return p
    }

    struct Setup {
        var parameters: Parameters
        var area = PredicateAreaTests()
        var fingerprints: [Stage: String] = [.cloudMask: "fp-mask", .ndvi: "fp-ndvi"]
        var published: [TaskKey: String] = [:]
        var publishedOutputs: [TaskKey: String] = [:]
        var maxAttempts = 3
        var graph: StageGraph = .local
        var listing: [CatalogImage]
        var failures: [CatalogFailure] = []
    }

    func plan(_ s: Setup, store: SQLiteStatusStore?) throws -> ReconciliationPlan {
        let discovery = Discovery(parameters: s.parameters, area: s.area)
        let found = try discovery.discover(CatalogListing(source: "test", images: s.listing, failures: s.failures))
        let published = s.published, outputs = s.publishedOutputs
        let context = ReconciliationPlan.Context(
            graph: s.graph, fingerprints: s.fingerprints, maxAttempts: s.maxAttempts,
            stored: try store?.refs(in: Set(TaskState.allCases), stage: nil) ?? [],
            publishedFingerprint: { published[$0] }, publishedOutput: { outputs[$0] },
            storedInputs: { try store?.inputKeys(of: $0) ?? [] })
        return try ReconciliationPlan(found, discovery: discovery, context: context)
    }

    /// Applies a plan as `verdant run` does.
    func apply(_ plan: ReconciliationPlan, to store: SQLiteStatusStore) throws {
        try store.apply(plan, clearingWaiversOf: [], at: Date())
    }

    func state(_ store: SQLiteStatusStore, _ stage: Stage, _ n: Int) throws -> TaskRecord {
        try #require(try store.record(TaskKey(stage, Fixtures.imageId(n))))
    }

    func newStore() throws -> SQLiteStatusStore {
        try SQLiteStatusStore(path: Fixtures.temporaryDirectory("plan").appendingPathComponent("status.sqlite").path)
    }

    @Test("discovery gives each image its verdict: dates, area.geometry, exclusions, land")
    func verdicts() throws {
        var p = parameters(to: "2017-01-05", exclude: [Fixtures.imageId(1)])
        p.dates.nbDaysAfter = 0
        let area = PredicateAreaTests(geometry: { $0 != "fp-2" }, land: { $0 != "fp-3" })
        let discovery = Discovery(parameters: p, area: area, exportedIds: [Fixtures.imageId(4)])
        let found = try discovery.discover(CatalogListing(source: "test", images: images()))
        #expect(found.outsideDates == 1)      // image 5, 2017-01-06
        #expect(found.outsideGeometry == 1)   // image 2
        #expect(found.excluded == 2)          // 1 listed, 4 exported
        #expect(found.outOfArea == 1)         // image 3
        #expect(found.wanted == 1)            // image 0
        #expect(found.images[4].verdict == .excluded("listed in run.exported_json"))
    }

    @Test("narrowed dates take queued and waiting tasks out of the queue with the reason; widened, they come back")
    func narrowedDates() throws {
        let store = try newStore()
        var setup = Setup(parameters: parameters(), listing: images())
        try apply(try plan(setup, store: store), to: store)
        #expect(try store.counts()[.cloudMask]?[.queued] == 6)
        #expect(try store.counts()[.ndvi]?[.waiting] == 6)

        setup.parameters = parameters(to: "2017-01-03")  // images 3, 4, 5 now outside
        let narrowed = try plan(setup, store: store)
        #expect(narrowed.summary.changed(.leave) == 6)
        #expect(narrowed.summary.leaveReasons.keys.allSatisfy { $0.contains("outside the dates") })
        try apply(narrowed, to: store)
        let gone = try state(store, .cloudMask, 4)
        #expect(gone.state == .excluded && gone.reason?.contains("outside the dates 2017-01-01…2017-01-03") == true)
        #expect(try state(store, .ndvi, 4).state == .excluded)
        // What a run processes now: exactly the images in the range.
        #expect(try store.counts()[.cloudMask]?[.queued] == 3)
        #expect(try store.counts()[.ndvi]?[.waiting] == 3)
        // Nothing more to change on the next start.
        #expect(try plan(setup, store: store).transitions.isEmpty)

        setup.parameters = parameters()
        let widened = try plan(setup, store: store)
        #expect(widened.summary.changed(.back) == 6)
        try apply(widened, to: store)
        #expect(try state(store, .cloudMask, 4).state == .queued)
        #expect(try state(store, .ndvi, 4).state == .waiting)
        #expect(try state(store, .cloudMask, 4).reason == nil)
    }

    @Test("exclusions follow the parameters both ways; land changes move images out of and back into the area")
    func exclusionsAndLand() throws {
        let store = try newStore()
        var setup = Setup(parameters: parameters(), listing: images(3))
        try apply(try plan(setup, store: store), to: store)
        setup.parameters = parameters(exclude: [Fixtures.imageId(0)])
        setup.area = PredicateAreaTests(land: { $0 != "fp-1" })
        try apply(try plan(setup, store: store), to: store)
        #expect(try state(store, .cloudMask, 0).state == .excluded)
        #expect(try state(store, .cloudMask, 0).reason == "listed in area.image_to_exclude")
        #expect(try state(store, .cloudMask, 1).state == .outOfArea)
        #expect(try state(store, .ndvi, 1).state == .outOfArea)
        setup.parameters = parameters()
        setup.area = PredicateAreaTests()
        try apply(try plan(setup, store: store), to: store)
        #expect(try state(store, .cloudMask, 0).state == .queued)
        #expect(try state(store, .cloudMask, 1).state == .queued)
        #expect(try state(store, .ndvi, 1).state == .waiting)
    }

    @Test("outputs made under other parameters are redone with new request ids; done work outside the new range stays done")
    func outdatedOutputs() throws {
        let store = try newStore()
        var setup = Setup(parameters: parameters(), listing: images(2))
        try apply(try plan(setup, store: store), to: store)
        for n in 0..<2 {
            for (stage, from) in [(Stage.cloudMask, TaskState.queued)] {
                var t = Transition(key: TaskKey(stage, Fixtures.imageId(n)), from: from, to: .submitting)
                t.requestId = .set("old-\(n)"); t.attempts = 1; t.submissions = 1; t.paramsHash = .set("fp-mask")
                try store.apply([t, {
                    var done = Transition(key: TaskKey(stage, Fixtures.imageId(n)), from: .submitting, to: .completed)
                    done.output = .set("/out/\(n).tif"); return done
                }()])
            }
        }
        setup.fingerprints[.cloudMask] = "fp-mask-scale-20"
        let changed = try plan(setup, store: store)
        #expect(changed.summary.changed(.outdated) == 2)
        try apply(changed, to: store)
        let redo = try state(store, .cloudMask, 0)
        #expect(redo.state == .queued && redo.requestId == nil && redo.attempts == 0 && redo.submissions == 1)
        // Dates narrowed to exclude image 1: its completed mask is not taken out of the record.
        setup.parameters = parameters(to: "2017-01-01")
        setup.fingerprints[.cloudMask] = "fp-mask"
        let store2 = try newStore()
        try apply(try plan(Setup(parameters: parameters(), listing: images(2)), store: store2), to: store2)
        var t = Transition(key: TaskKey(.cloudMask, Fixtures.imageId(1)), from: .queued, to: .submitting)
        t.paramsHash = .set("fp-mask")
        try store2.apply([t, Transition(key: TaskKey(.cloudMask, Fixtures.imageId(1)), from: .submitting, to: .completed)])
        try apply(try plan(setup, store: store2), to: store2)
        #expect(try state(store2, .cloudMask, 1).state == .completed)
        #expect(try state(store2, .ndvi, 1).state == .excluded)
    }

    @Test("a rerun tries failed tasks with attempts left; a raised max_attempts gives the rest; at the limit they stay failed")
    func failedBelowMaxAttempts() throws {
        let store = try newStore()
        var setup = Setup(parameters: parameters(), maxAttempts: 2, listing: images(2))
        try apply(try plan(setup, store: store), to: store)
        for (n, attempts) in [(0, 1), (1, 2)] {
            var submit = Transition(key: TaskKey(.cloudMask, Fixtures.imageId(n)), from: .queued, to: .submitting)
            submit.attempts = attempts; submit.paramsHash = .set("fp-mask"); submit.requestId = .set("r\(n)")
            var fail = Transition(key: TaskKey(.cloudMask, Fixtures.imageId(n)), from: .submitting, to: .failed)
            fail.error = .set("boom")
            try store.apply([submit, fail])
        }
        try apply(try plan(setup, store: store), to: store)
        let retried = try state(store, .cloudMask, 0)
        #expect(retried.state == .queued && retried.attempts == 1 && retried.requestId == nil)
        #expect(try state(store, .cloudMask, 1).state == .failed)
        setup.maxAttempts = 5
        let raised = try plan(setup, store: store)
        #expect(raised.summary.changed(.retry) == 1)
        try apply(raised, to: store)
        #expect(try state(store, .cloudMask, 1).state == .queued)
        #expect(try state(store, .cloudMask, 1).attempts == 2)
    }

    @Test("an output already on disk: under the same fingerprint SKIPPED, under another redone and said")
    func publishedOutputs() throws {
        let store = try newStore()
        var setup = Setup(parameters: parameters(), listing: images(2))
        setup.published = [TaskKey(.cloudMask, Fixtures.imageId(0)): "fp-mask", TaskKey(.cloudMask, Fixtures.imageId(1)): "older"]
        let first = try plan(setup, store: store)
        #expect(first.summary.outputsUnderOtherParameters == 1)
        #expect(first.notes.contains { $0.contains(Fixtures.imageId(1)) && $0.contains("other parameters") })
        try apply(first, to: store)
        let skipped = try state(store, .cloudMask, 0)
        #expect(skipped.state == .skipped && skipped.paramsHash == "fp-mask")
        #expect(try state(store, .cloudMask, 1).state == .queued)
    }

    @Test("an unreadable catalog entry fails that image alone, visibly; without an id it is reported")
    func catalogFailures() throws {
        let store = try newStore()
        var setup = Setup(parameters: parameters(), listing: images(2))
        setup.failures = [
            CatalogFailure(id: "20170103T100000_20170103T100000_T33TVL", acquired: nil, location: "catalog.json links[2] -> bad.json",
                           problem: "expected properties.datetime as an RFC 3339 date-time"),
            CatalogFailure(id: nil, acquired: nil, location: "catalog.json links[3] -> broken.json", problem: "expected JSON"),
        ]
        let p = try plan(setup, store: store)
        #expect(p.summary.catalogFailures == 2)
        #expect(p.notes.filter { $0.hasPrefix("catalog:") }.count == 2)
        try apply(p, to: store)
        let bad = try #require(try store.record(TaskKey(.cloudMask, "20170103T100000_20170103T100000_T33TVL")))
        #expect(bad.state == .failed && bad.error?.contains("properties.datetime") == true)
        #expect(try store.counts()[.cloudMask]?[.queued] == 2)
        // Still unreadable at the next start: left as it is.
        #expect(try plan(setup, store: store).transitions.isEmpty)
    }

    @Test("block tasks: one per tile reading every image's NDVI; a new image changes the inputs and redoes a done block")
    func blocks() throws {
        let graph = StageGraphTests.withBlocks
        let store = try newStore()
        var setup = Setup(parameters: parameters(), fingerprints: [.cloudMask: "a", .ndvi: "b", .gapFill: "c"],
                          graph: graph, listing: images(4))
        try apply(try plan(setup, store: store), to: store)
        let block = TaskKey(.gapFill, "T33TVL")
        #expect(try store.inputKeys(of: block).sorted() == [TaskKey(.ndvi, Fixtures.imageId(0)), TaskKey(.ndvi, Fixtures.imageId(2))])
        var t = Transition(key: block, from: .waiting, to: .queued)
        try store.apply(t)
        t = Transition(key: block, from: .queued, to: .submitting); t.paramsHash = .set("c")
        try store.apply([t, Transition(key: block, from: .submitting, to: .completed)])
        setup.listing = images(5)  // image 4 joins tile 33TVL
        let grown = try plan(setup, store: store)
        #expect(grown.summary.changed(.inputs) == 1)
        try apply(grown, to: store)
        #expect(try store.inputKeys(of: block).count == 3)
        #expect(try store.record(block)?.state == .waiting)
    }
}
