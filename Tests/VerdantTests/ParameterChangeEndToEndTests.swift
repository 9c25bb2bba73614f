import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantStore

/// Runs after the parameters or the files changed, as a person would make them change.
@Suite("Parameter changes end to end", .serialized)
struct ParameterChangeEndToEndTests {
    func pixelSize(_ path: String) throws -> Double {
        let info = try VerdantProcess.gdalinfo(path)
        let transform = try #require(info["geoTransform"] as? [Double])
        return transform[1]
    }

    func submissions(_ store: SQLiteStatusStore) throws -> Int {
        try store.journal(after: 0, limit: 1_000_000).filter { $0.to == .submitting }.count
    }

    @Test("a changed scale redoes masks and NDVI at the new scale, says so in the log; the same parameters again redo nothing")
    func scaleChangeRedoesOutputs() async throws {
        let dir = Fixtures.temporaryDirectory("scale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        #expect(try await VerdantProcess.run(["run", "-p", parameters.path], in: dir).status == 0)
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let id = "20150711T100008_20150711T100008_T33TVL"
        let mask = try #require(try store.record(TaskKey(.cloudMask, id))?.output)
        #expect(try pixelSize(mask) == 30)
        let before = try submissions(store)

        _ = try VerdantProcess.sampleParameters(in: dir, edits: ["scale": "60"])
        let check = try await VerdantProcess.run(["check", "-p", parameters.path], in: dir)
        #expect(check.stdout.contains("10 redo: made under other parameters"), "\(check.stdout)")
        let second = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try pixelSize(mask) == 60)
        let ndvi = try #require(try store.record(TaskKey(.ndvi, id))?.output)
        #expect(try pixelSize(ndvi) == 60)
        #expect(try submissions(store) == before + 20)
        let log = try String(contentsOf: dir.appendingPathComponent("output/verdant.log"), encoding: .utf8)
        #expect(log.contains("parameters of stage cloudmask changed since the last run: area.scale=30.0 -> area.scale=60.0"), "\(log.suffix(2000))")

        // The same parameters again: nothing is submitted.
        let third = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(third.status == 0)
        #expect(try submissions(store) == before + 20)
    }

    @Test("a store rebuilt over an output folder: masks on disk are SKIPPED and still feed their NDVI")
    func rebuiltStoreFeedsSkippedMasks() async throws {
        let dir = Fixtures.temporaryDirectory("rebuilt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        #expect(try await VerdantProcess.run(["run", "-p", parameters.path], in: dir).status == 0)
        let id = "20150731T100009_20150731T100009_T33TVL"
        let output = dir.appendingPathComponent("output")
        for file in ["status.sqlite"] { try FileManager.default.removeItem(at: output.appendingPathComponent(file)) }
        try FileManager.default.removeItem(at: output.appendingPathComponent("ndvi/\(id)"))
        let again = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        let store = try SQLiteStatusStore(path: output.appendingPathComponent("status.sqlite").path, readOnly: true)
        let mask = try #require(try store.record(TaskKey(.cloudMask, id)))
        #expect(mask.state == .skipped && mask.output?.hasSuffix("cloudmask/\(id)/\(id).tif") == true)
        #expect(try store.record(TaskKey(.ndvi, id))?.state == .completed)
        #expect(try store.counts()[.cloudMask]?[.skipped] == 10)
        #expect(try store.counts()[.ndvi]?[.skipped] == 9)
    }

    @Test("a malformed item fixed afterwards is processed by the next run; a released NDVI comes back when its mask does")
    func fixedItemAndReleasedTask() async throws {
        let dir = Fixtures.temporaryDirectory("fixed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try VerdantProcess.enlargedCatalog(copies: 1, in: dir)
        let folder = catalog.deletingLastPathComponent()
        func edit(_ prefix: String, _ change: (inout [String: Any]) -> Void) throws -> String {
            let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasPrefix(prefix) })
            let url = folder.appendingPathComponent(name)
            var item = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            change(&item)
            try JSONSerialization.data(withJSONObject: item).write(to: url)
            return try #require(item["id"] as? String)
        }
        var datetime = ""
        let broken = try edit("20150830") { item in
            var p = item["properties"] as! [String: Any]
            datetime = p["datetime"] as! String
            p["datetime"] = "soon"
            item["properties"] = p
        }
        var band = ""
        let noBand = try edit("20150909") { item in
            var assets = item["assets"] as! [String: [String: Any]]
            band = assets["B8A"]!["href"] as! String
            assets["B8A"]!["href"] = "/nonexistent/B8A.tif"
            item["assets"] = assets
        }
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(catalog.path)\"", "max_attempts": "2"])
        #expect(try await VerdantProcess.run(["run", "-p", parameters.path], in: dir).status == 1)
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        #expect(try store.record(TaskKey(.cloudMask, broken))?.state == .failed)
        #expect(try store.record(TaskKey(.cloudMask, noBand))?.state == .failed)
        // A person lets the NDVI of the image without B8A go on without its mask: nothing left to read.
        let release = try await VerdantProcess.run(["release", "ndvi/\(noBand)", "-p", parameters.path], in: dir)
        #expect(release.status == 0, "\(release.stderr)")
        #expect(try store.record(TaskKey(.ndvi, noBand))?.state == .excluded)

        // Both fixed: the next run processes them, masks and NDVI.
        _ = try edit("20150830") { item in
            var p = item["properties"] as! [String: Any]
            p["datetime"] = datetime
            item["properties"] = p
        }
        _ = try edit("20150909") { item in
            var assets = item["assets"] as! [String: [String: Any]]
            assets["B8A"]!["href"] = band
            item["assets"] = assets
        }
        let check = try await VerdantProcess.run(["check", "-p", parameters.path], in: dir)
        #expect(check.stdout.contains("then process 4 task(s)"), "\(check.stdout)")
        let again = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        for id in [broken, noBand] {
            #expect(try store.record(TaskKey(.cloudMask, id))?.state == .completed, "\(id)")
            #expect(try store.record(TaskKey(.ndvi, id))?.state == .completed, "\(id)")
        }
    }

    @Test("the land file edited while a run goes changes nothing in that run: every job reads the run's own copy")
    func landEditedDuringRun() async throws {
        let dir = Fixtures.temporaryDirectory("land")
        defer { try? FileManager.default.removeItem(at: dir) }
        let land = dir.appendingPathComponent("land.geojson")
        try FileManager.default.copyItem(at: Fixtures.repositoryRoot.appendingPathComponent("samples/land.geojson"), to: land)
        let catalog = try VerdantProcess.enlargedCatalog(copies: 3, in: dir)
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: [
            "workers": "1", "nb_task_max": "2", "catalog": "\"\(catalog.path)\"", "land_geometry": "\"\(land.path)\""])
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        let run = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
        #expect(await Fixtures.eventually {
            ((try? SQLiteStatusStore(path: storePath, readOnly: true).counts(stage: .cloudMask)[.completed, default: 0]) ?? 0) >= 2
        })
        // A much smaller land area, mid-run.
        try #"{"type":"Polygon","coordinates":[[[14.5,45.8],[14.51,45.8],[14.51,45.81],[14.5,45.81],[14.5,45.8]]]}"#
            .write(to: land, atomically: true, encoding: .utf8)
        #expect(await VerdantProcess.wait(run) == .exited(0))
        let store = try SQLiteStatusStore(path: storePath, readOnly: true)
        var lands: Set<String> = []
        var nodata: [String: Set<Double>] = [:]
        for record in try store.records(in: [.completed], stage: .cloudMask, limit: nil) {
            let sidecar = (try #require(record.output) as NSString).deletingPathExtension + ".json"
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar))) as? [String: Any])
            lands.insert(try #require((json["parameters"] as? [String: Any])?["land_geometry"] as? String))
            // Copies of one scene share their date: same land, same nodata share.
            nodata[String(record.id.prefix(15)), default: []].insert(try #require(json["nodata_fraction"] as? Double))
        }
        #expect(lands.count == 1 && lands.first?.contains("/output/.inputs/land-") == true, "\(lands)")
        #expect(nodata.values.allSatisfy { $0.count == 1 }, "\(nodata)")
    }
}
