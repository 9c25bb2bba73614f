import Foundation
import Testing
import VerdantCore
import VerdantRaster
import VerdantStore

@Suite("Demo end to end", .serialized)
struct DemoEndToEndTests {
    @Test("verdant demo runs masks, NDVI, gap filling and productivity on the 68-date series: valid COGs, cloudy scene cloudy, clear scenes clear, observed values kept")
    func demoOnSamples() async throws {
        let dir = Fixtures.temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The demo runs the embedded samples beside its parameters file, whatever catalog the file names.
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("samples"),
                                                   withDestinationURL: Fixtures.repositoryRoot.appendingPathComponent("samples"))
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"/nonexistent/catalog.json\""])
        let result = try await VerdantProcess.run(["demo", "-p", parameters.path], in: dir)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("cloudmask: ") && result.stdout.contains("ndvi: ") && result.stdout.contains("productivity: "))

        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/demo/status.sqlite").path, readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        #expect(records.count == 68)
        #expect(records.filter { $0.state == .completed }.count == 68)

        var cloud: [String: Double] = [:]
        for record in records where record.state == .completed {
            let output = try #require(record.output)
            #expect(result.stdout.contains(output))
            let info = try VerdantProcess.gdalinfo(output)
            let structure = (info["metadata"] as? [String: Any])?["IMAGE_STRUCTURE"] as? [String: Any]
            #expect(structure?["LAYOUT"] as? String == "COG", "\(output) is not a COG")
            let wkt = (info["coordinateSystem"] as? [String: Any])?["wkt"] as? String ?? ""
            #expect(wkt.contains("\"EPSG\",32633"), "\(output) lacks its CRS")
            let band = try #require((info["bands"] as? [[String: Any]])?.first)
            #expect((band["noDataValue"] as? NSNumber)?.intValue == 255)
            #expect(band["type"] as? String == "Byte")
            let sidecar = (output as NSString).deletingPathExtension + ".json"
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar))) as? [String: Any])
            #expect(json["system:time_start"] != nil && json["footprint"] != nil && json["parameters"] != nil)
            #expect(json["request_id"] as? String == record.requestId)
            let c = try #require(json["cloud_fraction"] as? Double), k = try #require(json["clear_fraction"] as? Double)
            cloud[String(record.id.prefix(8))] = c / max(1e-9, c + k)
        }
        // seed data README: 2015-08-20 is thick cloud; 2015-07-11, 08-30, 09-09 are clear.
        #expect(cloud["20150820"]! > 0.5)
        for day in ["20150711", "20150830", "20150909"] { #expect(cloud[day]! < 0.1, "\(day): \(cloud[day]!)") }

        // Every mask has its NDVI, on the mask's grid, made after it.
        let ndvi = try store.records(in: Set(TaskState.allCases), stage: .ndvi, limit: nil)
        #expect(ndvi.count == 68)
        #expect(ndvi.filter { $0.state == .completed }.count == 68)
        for record in ndvi where record.state == .completed {
            let output = try #require(record.output)
            #expect(output.contains("/ndvi/\(record.id)/\(record.id).tif"))
            let info = try VerdantProcess.gdalinfo(output)
            let band = try #require((info["bands"] as? [[String: Any]])?.first)
            #expect(band["type"] as? String == "Float32")
            let mask = try #require(records.first { $0.id == record.id }?.output)
            let maskInfo = try VerdantProcess.gdalinfo(mask)
            #expect((info["size"] as? [Int]) == (maskInfo["size"] as? [Int]))
            #expect((info["geoTransform"] as? [Double]) == (maskInfo["geoTransform"] as? [Double]))
            let journal = try store.journal(limit: 100, imageId: record.id).reversed()
            let maskDone = try #require(journal.firstIndex { $0.stage == .cloudMask && $0.to == .completed })
            let ndviStart = try #require(journal.firstIndex { $0.stage == .ndvi && $0.to == .submitting })
            #expect(maskDone < ndviStart)
        }
        // The 10 scenes with bands masked by the cloud model, the 58 NDVI-only items by their asset.
        let fallbacks = try records.filter { record in
            let sidecar = (record.output! as NSString).deletingPathExtension + ".json"
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar))) as? [String: Any]
            return (json?["method_inputs"] as? [String: Any])?["fallback"] != nil
        }
        #expect(fallbacks.count == 58)

        // One block through gap filling and productivity; the dates of the range written.
        let fill = try #require(try store.records(in: Set(TaskState.allCases), stage: .gapFill, limit: nil).first)
        #expect(fill.state == .completed && fill.id == "T33TVL")
        let folder = ((try #require(fill.output)) as NSString).deletingLastPathComponent
        let dated = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix("_T33TVL.tif") }
        #expect(dated.count == 68)   // 2015-07-11 … 2017-12-22, all inside 2015-07-01 … 2017-12-31
        let some = folder + "/" + dated.sorted()[40]
        let bands = try #require(try VerdantProcess.gdalinfo(some)["bands"] as? [[String: Any]])
        #expect(bands.map { $0["description"] as? String } == ["NDVI", "NDVI_final", "quality", "interval90"])
        let reader = try WindowReader(path: some)
        let observed = try reader.rows(0..<reader.grid.height, band: 1), final = try reader.rows(0..<reader.grid.height, band: 2)
        let quality = try reader.rows(0..<reader.grid.height, band: 3)
        var kept = 0
        for i in observed.indices where !observed[i].isNaN {
            #expect(final[i] == observed[i] && quality[i] == -1)
            kept += 1
        }
        #expect(kept > 0)
        #expect(zip(observed, final).contains { $0.0.isNaN && !$0.1.isNaN }, "nothing was filled")

        let maps = try #require(try store.records(in: Set(TaskState.allCases), stage: .productivity, limit: nil).first)
        #expect(maps.state == .completed)
        let season = ((try #require(maps.output)) as NSString).deletingLastPathComponent + "/2016.tif"
        let seasonBands = try #require(try VerdantProcess.gdalinfo(season)["bands"] as? [[String: Any]])
        #expect(seasonBands.count == 17 && seasonBands.first?["description"] as? String == "peak_doy")
    }

    @Test("bad parameters exit with code 2 and name the file, line and key")
    func badParametersExitTwo() async throws {
        let dir = Fixtures.temporaryDirectory("badparams")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: ["nb_task_max": "0"])
        let result = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr.contains("parameters.toml:"))
        #expect(result.stderr.contains("run.nb_task_max"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("output/status.sqlite").path))
    }
}
