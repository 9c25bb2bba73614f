import FakeEarthEngine
import Foundation
import Testing
import VerdantCore
import VerdantStore

/// `verdant run`, `check` and `status` with `engine = "earthengine"`, as a person runs them,
/// against the fake server on loopback.
@Suite("verdant on Earth Engine (the fake server)", .serialized)
struct EarthEngineRunTests {
    /// Two tiles meeting area.geometry (one over the sample land patch, one near Berlin, off
    /// land) and one far outside it, which the listing's filter leaves out.
    static let tiles: [(tile: String, lon: Double, lat: Double)] = [("33TVM", 14.3, 45.6), ("33UUU", 12.5, 52.3), ("34TDL", 20.0, 40.0)]

    struct Setup {
        let dir: URL
        let server: FakeEarthEngine
        let parameters: URL
        /// The parameters' edits of parameters.toml.
        let edits: [String: String]
        var store: String { dir.appendingPathComponent("output/status.sqlite").path }
    }

    static func setUp(images: Int, name: String, edits: [String: String] = [:], tiles: [(tile: String, lon: Double, lat: Double)] = tiles,
                      _ edit: (inout FakeEarthEngine.Configuration) -> Void = { _ in }) async throws -> Setup {
        let dir = Fixtures.temporaryDirectory(name)
        let account = try TestServiceAccount()
        var configuration = FakeEarthEngine.Configuration()
        configuration.projects = ["verdant-test"]
        configuration.serviceAccounts[TestServiceAccount.email] = account.publicPEM
        configuration.algorithms = try AlgorithmCatalog(contentsOf: ExpressionGraphTests.signatures)
        configuration.taskDuration = 0.2
        configuration.maxRunning = 50
        let start = ISO8601DateFormatter().date(from: "2016-03-01T00:00:00Z")!
        configuration.collections["projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED"] =
            FakeImage.series(count: images, start: start, tiles: tiles)
        edit(&configuration)
        let server = try await FakeEarthEngine(configuration)
        let key = try account.keyFile(tokenURI: server.tokenURL, in: dir)
        var all = ["engine": "\"earthengine\"", "mask.method": "\"hollstein\"", "until": "\"cloudmask\"", "refresh": "1",
                   "earthengine.project": "\"verdant-test\"", "credentials": "\"\(key)\"", "api_url": "\"\(server.baseURL)\"",
                   "destination_folder": "\"verdant/masks\""]
        all.merge(edits) { $1 }
        return Setup(dir: dir, server: server, parameters: try VerdantProcess.sampleParameters(in: dir, edits: all), edits: all)
    }

    static func books(_ server: FakeEarthEngine) async throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: await server.books()) as? [String: Any])
    }

    @Test("check lists the collection through the API and says what a run would do; run masks every wanted image once, with faults and an expired token on the way")
    func checkThenRun() async throws {
        let setup = try await Self.setUp(images: 60, name: "ee-run") {
            $0.faults.unavailable = 0.04; $0.faults.internalError = 0.03; $0.faults.tooManyRequests = 0.03
            $0.faults.lostAnswer = 0.1; $0.faults.seed = 5; $0.tokenLifetime = 6
        }
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let check = try await VerdantProcess.run(["check", "-p", setup.parameters.path], in: setup.dir)
        #expect(check.status == 0, "\(check.stderr)")
        // 60 images over three tiles: 40 meet area.geometry, 20 of them the land patch.
        #expect(check.stdout.contains("catalog: Earth Engine collection COPERNICUS/S2_HARMONIZED: 40 entries"), "\(check.stdout)")
        #expect(check.stdout.contains("out of area (land):     20"), "\(check.stdout)")
        #expect(check.stdout.contains("wanted:                 20"), "\(check.stdout)")

        let run = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
        #expect(run.status == 0, "\(run.stderr)")
        let store = try SQLiteStatusStore(path: setup.store, readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        #expect(records.count == 40)
        #expect(records.filter { $0.state == .completed }.count == 20)
        #expect(records.filter { $0.state == .outOfArea }.count == 20)
        for record in records where record.state == .completed {
            #expect(record.output == "projects/verdant-test/assets/verdant/masks/\(record.key.id)")
        }
        let books = try await Self.books(setup.server)
        let writes = try #require(books["writes"] as? [String: Int])
        #expect(writes.count == 20 && writes.values.allSatisfy { $0 == 1 }, "\(writes)")
        let counts = try #require(books["counts"] as? [String: Int])
        #expect((counts["token"] ?? 0) >= 2, "tokens of 6 s, refreshed on the way: \(counts)")

        let status = try await VerdantProcess.run(["status", "-p", setup.parameters.path], in: setup.dir)
        #expect(status.status == 0 && status.stdout.contains("COMPLETED"), "\(status.stdout)")
    }

    @Test("a new store adopts the masks already in the destination (same fingerprint) and excludes those verdant did not make")
    func destinationAdopted() async throws {
        let setup = try await Self.setUp(images: 12, name: "ee-adopt")
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        // The original's mask of the first image on land, without verdant's fingerprint.
        let foreign = FakeImage.series(count: 1, start: ISO8601DateFormatter().date(from: "2016-03-01T00:00:00Z")!, tiles: Self.tiles)[0].index
        await setup.server.addAsset("projects/verdant-test/assets/verdant", type: "FOLDER")
        await setup.server.addAsset("projects/verdant-test/assets/verdant/masks", type: "IMAGE_COLLECTION")
        await setup.server.addAsset("projects/verdant-test/assets/verdant/masks/\(foreign)", type: "IMAGE")
        #expect(try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir).status == 0)
        let first = try SQLiteStatusStore(path: setup.store, readOnly: true).records(in: [.excluded], stage: .cloudMask, limit: nil)
        #expect(first.map(\.key.id) == [foreign] && first.first?.reason?.contains("not made by verdant") == true)
        let firstWrites = try #require(try await Self.books(setup.server)["writes"] as? [String: Int])
        try FileManager.default.removeItem(at: setup.dir.appendingPathComponent("output"))
        let rerun = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let store = try SQLiteStatusStore(path: setup.store, readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        #expect(records.filter { $0.state == .skipped }.count == firstWrites.count, "\(records.map { "\($0.key.id) \($0.state)" })")
        #expect(firstWrites.count == 3 && records.filter { $0.state == .excluded }.map(\.key.id) == [foreign])
        #expect(try #require(try await Self.books(setup.server)["writes"] as? [String: Int]) == firstWrites)
    }

    @Test("export to Drive and Cloud Storage: GeoTIFFs written once each, the original's metadata file kept (footprint, times, fingerprint), and a new store adopts the masks it lists")
    func fileExports() async throws {
        for (target, key, value, prefix) in [("drive", "drive_folder", "verdant-masks", "drive:verdant-masks/"),
                                             ("cloud-storage", "bucket", "verdant-bucket/s2/masks", "gs://verdant-bucket/s2/masks/")] {
            let setup = try await Self.setUp(images: 12, name: "ee-files", edits: ["export_to": "\"\(target)\"", key: "\"\(value)\""])
            defer { try? FileManager.default.removeItem(at: setup.dir) }
            let run = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
            #expect(run.status == 0, "\(run.stderr)")
            let files = try #require(try await Self.books(setup.server)["files"] as? [String: Int])
            #expect(files.count == 4 && files.values.allSatisfy { $0 == 1 } && files.keys.allSatisfy { $0.hasPrefix(prefix) }, "\(files)")
            #expect(try #require(try await Self.books(setup.server)["writes"] as? [String: Int]).isEmpty)
            let metadataURL = setup.dir.appendingPathComponent("output/earthengine-exports.json")
            let metadata = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: metadataURL)) as? [String: [String: Any]])
            #expect(Set(metadata.keys) == Set(files.keys))
            for (file, entry) in metadata {
                let geometry = try #require(entry["geometry"] as? [String: Any], "\(file)")
                #expect(geometry["type"] as? String == "Polygon")
                #expect((entry["system:time_start"] as? NSNumber)?.int64Value ?? 0 > 1_450_000_000_000)
                #expect((entry["verdant_fingerprint"] as? String)?.isEmpty == false)
            }
            try FileManager.default.removeItem(at: setup.dir.appendingPathComponent("output/status.sqlite"))
            let again = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
            #expect(again.status == 0, "\(again.stderr)")
            let store = try SQLiteStatusStore(path: setup.store, readOnly: true)
            let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
            #expect(records.filter { $0.state == .skipped }.count == 4)
            #expect(try #require(try await Self.books(setup.server)["files"] as? [String: Int]) == files)
        }
    }

    @Test("run.until = \"gapfill\": each tile's block exported once after all its masks, reading every mask and nothing else, to the collection beside the masks or to Cloud Storage; with faults on the way")
    func gapFill() async throws {
        for (edits, output, mask) in [
            ([String: String](), "projects/verdant-test/assets/verdant/masks_gapfill/", "projects/verdant-test/assets/verdant/masks/"),
            (["export_to": "\"cloud-storage\"", "bucket": "\"verdant-bucket/s2\""], "gs://verdant-bucket/s2/gapfill/", "gs://verdant-bucket/s2/"),
        ] {
            let setup = try await Self.setUp(images: 60, name: "ee-gapfill", edits: edits.merging(["until": "\"gapfill\"", "gapfill.method": "\"seed\""]) { $1 }) {
                $0.faults.unavailable = 0.05; $0.faults.lostAnswer = 0.1; $0.faults.seed = 9
            }
            defer { try? FileManager.default.removeItem(at: setup.dir) }
            let run = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
            #expect(run.status == 0, "\(run.stderr)")
            let store = try SQLiteStatusStore(path: setup.store, readOnly: true)
            let masks = try store.records(in: [.completed], stage: .cloudMask, limit: nil)
            let blocks = try store.records(in: Set(TaskState.allCases), stage: .gapFill, limit: nil)
            #expect(masks.count == 20)
            #expect(try store.records(in: Set(TaskState.allCases), stage: .ndvi, limit: nil).isEmpty, "NDVI is computed inside the gap filling")
            #expect(Set(blocks.map(\.key.id)) == Set(masks.map { "T\($0.tile)" }) && blocks.allSatisfy { $0.state == .completed },
                    "\(blocks.map { "\($0.key) \($0.state) \($0.error ?? "")" })")
            let books = try await Self.books(setup.server)
            let reads = try #require(books["reads"] as? [String: [String]])
            for block in blocks {
                #expect(block.output == "\(output)\(block.key.id)\(mask.hasPrefix("gs://") ? ".tif" : "")")
                // The fake fails an export whose inputs are missing when it runs: completed
                // means every mask was there.
                let read = try #require(reads.first { $0.key.hasPrefix("gapfill_\(block.key.id)_") }?.value)
                let expected = masks.filter { "T\($0.tile)" == block.key.id }.map { $0.output ?? "" }
                #expect(Set(read) == Set(expected) && expected.allSatisfy { $0.hasPrefix(mask) }, "\(read)")
            }
            if mask.hasPrefix("gs://") {
                let files = try #require(books["files"] as? [String: Int])
                #expect(blocks.allSatisfy { files[$0.output ?? ""] == 1 }, "\(files)")
            } else {
                let writes = try #require(books["writes"] as? [String: Int])
                let properties = try #require(books["properties"] as? [String: [String: String]])
                for block in blocks {
                    #expect(writes[block.output ?? ""] == 1, "\(writes)")
                    #expect(properties[block.output ?? ""]?["verdant_fingerprint"] == block.paramsHash)
                }
                // A new store takes the masks at discovery and the blocks from the destination
                // when their turn comes: nothing is exported again.
                try FileManager.default.removeItem(at: setup.dir.appendingPathComponent("output"))
                let again = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
                #expect(again.status == 0, "\(again.stderr)")
                let second = try SQLiteStatusStore(path: setup.store, readOnly: true)
                #expect(try second.records(in: [.skipped], stage: .cloudMask, limit: nil).count == 20)
                let adopted = try second.records(in: Set(TaskState.allCases), stage: .gapFill, limit: nil)
                #expect(adopted.map(\.key) == blocks.map(\.key) && adopted.allSatisfy { $0.state == .completed && $0.output == blocks[0].output },
                        "\(adopted.map { "\($0.key) \($0.state) \($0.output ?? "")" })")
                #expect(try #require(try await Self.books(setup.server)["writes"] as? [String: Int]) == writes)
            }
            #expect(try #require(books["tasksPerRequestId"] as? [String: Int]).isEmpty)
        }
    }

    @Test("land_geometry as an Earth Engine table: its geometry computed on Earth Engine rules images out of area; the masks are clipped to the table")
    func landTable() async throws {
        let land = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("samples/land.geojson"))) as? [String: Any])
        let geometry = try #require(((land["features"] as? [[String: Any]])?.first)?["geometry"])
        let text = String(decoding: try JSONSerialization.data(withJSONObject: geometry), as: UTF8.self)
        let setup = try await Self.setUp(images: 9, name: "ee-table", edits: ["land_geometry": "\"projects/verdant-test/assets/land\""]) {
            $0.tables["projects/verdant-test/assets/land"] = text
        }
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let check = try await VerdantProcess.run(["check", "-p", setup.parameters.path], in: setup.dir)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("out of area (land):     3") && check.stdout.contains("wanted:                 3"), "\(check.stdout)")
        let run = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
        #expect(run.status == 0, "\(run.stderr)")
        let counts = try #require(try await Self.books(setup.server)["counts"] as? [String: Int])
        #expect(counts["invalid-expression"] == nil && counts["export"] == 3 && (counts["compute"] ?? 0) >= 2, "\(counts)")

        let missing = try VerdantProcess.sampleParameters(in: setup.dir, edits: setup.edits.merging(["land_geometry": "\"projects/verdant-test/assets/nowhere\""]) { $1 })
        let refused = try await VerdantProcess.run(["check", "-p", missing.path], in: setup.dir)
        #expect(refused.status == 2 && refused.stderr.contains("nowhere"), "\(refused.stderr)")
    }

    @Test("the seed model on Earth Engine: neighbours recorded from the listing (a year around the dates), backgrounds, k-means and forest in the graph the fake validates; the per-pixel variant too")
    func seedModel() async throws {
        let setup = try await Self.setUp(images: 40, name: "ee-seed", edits: ["mask.method": "\"seed\""],
                                         tiles: [("33TVM", 14.3, 45.6)])
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let run = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
        #expect(run.status == 0, "\(run.stderr)")
        let books = try await Self.books(setup.server)
        let counts = try #require(books["counts"] as? [String: Int])
        #expect(counts["invalid-expression"] == nil && counts["export"] == 40, "\(counts)")
        let store = try SQLiteStatusStore(path: setup.store, readOnly: true)
        #expect(try store.records(in: [.completed], stage: .cloudMask, limit: nil).count == 40)
        #expect(try store.neighbours(of: ["20160326T101021_20160326T101021_T33TVM"]).values.first?.recent.count == 20)

        let perPixel = try VerdantProcess.sampleParameters(in: setup.dir, edits: setup.edits.merging(["do_clustering": "false"]) { $1 })
        let check = try await VerdantProcess.run(["check", "-p", perPixel.path], in: setup.dir)
        #expect(check.status == 0, "\(check.stderr)")
    }

    @Test("bad Earth Engine parameters exit 2 naming the key or file")
    func badParameters() async throws {
        let setup = try await Self.setUp(images: 3, name: "ee-bad")
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let cases: [([String: String], String)] = [
            (["destination_folder": "\"a//b\""], "earthengine.destination_folder"),
            (["destination_folder": "\"\""], "earthengine.destination_folder"),
            (["mask.method": "\"mask\""], "mask.method"),
            (["until": "\"ndvi\""], "run.until"),
            (["until": "\"productivity\""], "run.until"),
            (["until": "\"gapfill\"", "gapfill.method": "\"linear\""], "gapfill.method"),
            (["until": "\"gapfill\"", "gapfill.method": "\"seed\"", "export_to": "\"drive\"", "drive_folder": "\"masks\""], "earthengine.export_to"),
            (["api_url": "\"ftp://x\""], "earthengine.api_url"),
            (["credentials": "\"\(setup.dir.path)/missing.json\""], "missing.json"),
            (["credentials": "\"\(setup.parameters.path)\""], "earthengine.credentials"),
        ]
        for (edits, needle) in cases {
            let sub = setup.dir.appendingPathComponent(UUID().uuidString)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            let file = try VerdantProcess.sampleParameters(in: sub, edits: setup.edits.merging(edits) { $1 })
            let check = try await VerdantProcess.run(["check", "-p", file.path], in: sub)
            #expect(check.status == 2, "\(edits): \(check.stderr)")
            #expect(check.stderr.contains(needle), "\(edits): \(check.stderr)")
        }
    }

    @Test("kill -9 at random moments of a 500-image run with 12 % injected faults (429, 500, 503, slow, dropped connections, lost answers), run again until done: every image masked once, the block gap-filled once, no duplicate export, no asset written twice")
    func killNineUntilDone() async throws {
        let setup = try await Self.setUp(images: 500, name: "ee-crash", edits: ["nb_task_max": "200", "until": "\"gapfill\"", "gapfill.method": "\"seed\""],
                                         tiles: [("33TVM", 14.3, 45.6)]) {
            $0.faults.unavailable = 0.03; $0.faults.internalError = 0.03; $0.faults.tooManyRequests = 0.02
            $0.faults.slow = 0.02; $0.faults.slowSeconds = 1.5; $0.faults.dropped = 0.02
            $0.faults.lostAnswer = 0.1; $0.faults.seed = 9
            $0.taskDuration = 0.5; $0.maxRunning = 100
        }
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<30 {
            let process = try VerdantProcess.start(["run", "-p", setup.parameters.path], in: setup.dir)
            let delay = Double.random(in: 0.3...3, using: &generator)
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            if let ended = process.reap() {
                if ended == .exited(0) { break }
                continue
            }
            kill(process.pid, SIGKILL)
            await VerdantProcess.wait(process)
            kills += 1
        }
        let last = try await VerdantProcess.run(["run", "-p", setup.parameters.path], in: setup.dir)
        #expect(last.status == 0, "final run: \(last.stderr)")
        #expect(kills >= 3, "the runs ended too fast to be killed (\(kills) kills)")

        let store = try SQLiteStatusStore(path: setup.store, readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        #expect(records.count == 500)
        let journal = try store.journal(after: 0, limit: 1_000_000)
        var endings: [String: Int] = [:]
        for entry in journal where entry.to == .completed && entry.stage == .cloudMask { endings[entry.imageId, default: 0] += 1 }
        #expect(records.allSatisfy { $0.state == .completed }, "\(records.filter { $0.state != .completed }.map { "\($0.key.id) \($0.state)" })")
        #expect(endings.count == 500 && endings.values.allSatisfy { $0 == 1 })
        // The tile's block, gap-filled once after its 500 masks.
        let blocks = try store.records(in: Set(TaskState.allCases), stage: .gapFill, limit: nil)
        #expect(blocks.map(\.key.id) == ["T33TVM"] && blocks.allSatisfy { $0.state == .completed }, "\(blocks.map { "\($0.key) \($0.state) \($0.error ?? "")" })")
        #expect(journal.filter { $0.stage == .gapFill && $0.to == .completed }.count == 1)

        let books = try await Self.books(setup.server)
        let writes = try #require(books["writes"] as? [String: Int])
        #expect(writes.count == 501 && writes.values.allSatisfy { $0 == 1 }, "assets written more than once: \(writes.filter { $0.value > 1 })")
        let states = try #require(books["states"] as? [String: String]), descriptions = try #require(books["descriptions"] as? [String: String])
        var succeeded: [String: Int] = [:]
        // Descriptions end in their request id's last characters: the image is what precedes.
        for (name, state) in states where state == "SUCCEEDED" {
            let description = descriptions[name] ?? ""
            succeeded[String(description[..<(description.lastIndex(of: "_") ?? description.endIndex)]), default: 0] += 1
        }
        #expect(succeeded.count == 501 && succeeded.values.allSatisfy { $0 == 1 }, "duplicate exports: \(succeeded.filter { $0.value > 1 })")
        let counts = try #require(books["counts"] as? [String: Int])
        #expect((counts["lost-answer"] ?? 0) > 0 && (counts["503"] ?? 0) > 0 && (counts["429"] ?? 0) > 0 && (counts["dropped"] ?? 0) > 0, "\(counts)")
        print("Earth Engine crash test: \(kills) kill -9; fake: \(counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
    }
}
