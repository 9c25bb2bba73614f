import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantRaster
import VerdantStore

@Suite("SAFE products through GDAL's SENTINEL2 driver", .serialized)
struct SafeCatalogTests {
    /// An ItemCollection of sample items (hrefs made absolute): the local run to compare with.
    static func itemCollection(_ ids: [String], in dir: URL) throws -> URL {
        let features = try ids.map { id -> [String: Any] in
            var object = try SampleCatalog.json(id)
            var assets = object["assets"] as! [String: [String: Any]]
            for (key, var asset) in assets {
                asset["href"] = SampleCatalog.itemDirectory(id).appendingPathComponent((asset["href"] as! String).replacingOccurrences(of: "./", with: "")).path
                assets[key] = asset
            }
            object["assets"] = assets
            return object
        }
        let url = dir.appendingPathComponent("items.json")
        try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features]).write(to: url)
        return url
    }

    static func masks(_ dir: URL) throws -> [String: RasterInfo] {
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        var result: [String: RasterInfo] = [:]
        for record in try store.records(in: [.completed], stage: .cloudMask, limit: nil) {
            result[record.id] = try RasterInfo.read(path: try #require(record.output))
        }
        return result
    }

    @Test("SAFE products, as folders and zipped, at baselines 02.04 and 04.00 (DN + 1000, offsets declared), give the masks of the local run")
    func safeMatchesLocal() async throws {
        let dir = Fixtures.temporaryDirectory("safe-l1c")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ids = [SampleCatalog.clearIDs[0], SampleCatalog.cloudyID, SampleCatalog.clearIDs[1]]
        let products = dir.appendingPathComponent("products")
        try await VerdantProcess.offload {
            _ = try SafeProductBuilder(id: ids[0]).build(in: products)
            _ = try SafeProductBuilder.zip(try SafeProductBuilder(id: ids[1]).build(in: products))
            _ = try SafeProductBuilder(id: ids[2], baseline: "04.00").build(in: products)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: products.path)
        #expect(names.filter { $0.hasSuffix(".zip") }.count == 1 && names.filter { $0.hasSuffix(".SAFE") }.count == 2, "\(names)")

        let local = dir.appendingPathComponent("local"), safe = dir.appendingPathComponent("safe")
        for folder in [local, safe] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let edits = ["until": "\"cloudmask\"", "mask.method": "\"hollstein\""]
        let localParameters = try VerdantProcess.sampleParameters(in: local, edits: edits.merging(
            ["catalog": "\"\(try Self.itemCollection(ids, in: local).path)\""]) { $1 })
        let localRun = try await VerdantProcess.run(["run", "-p", localParameters.path], in: local)
        #expect(localRun.status == 0, "\(localRun.stderr)")

        let safeParameters = try VerdantProcess.sampleParameters(in: safe, edits: edits.merging(["catalog": "\"\(products.path)\""]) { $1 })
        let check = try await VerdantProcess.run(["check", "-p", safeParameters.path], in: safe)
        #expect(check.status == 0 && check.stdout.contains("catalog: folder of SAFE products \(products.path) (band table safe-msil1c): 3 entries"), "\(check.stdout)\(check.stderr)")
        let safeRun = try await VerdantProcess.run(["run", "-p", safeParameters.path], in: safe)
        #expect(safeRun.status == 0, "\(safeRun.stderr)")

        let expected = try Self.masks(local), found = try Self.masks(safe)
        #expect(expected.count == 3 && found.keys.sorted() == expected.keys.sorted(), "\(found.keys.sorted())")
        for (id, mask) in expected {
            let other = try #require(found[id])
            #expect(mask.grid == other.grid, "mask \(id): grid differs")
            let differing = zip(mask.values, other.values).filter { $0 != $1 }.count
            #expect(differing == 0, "mask \(id): \(differing) of \(mask.values.count) pixels differ")
        }
        // The cloudy scene is cloudy in both: the comparison is not of empty masks.
        let cloudy = try #require(found[SampleCatalog.cloudyID])
        #expect(cloudy.values.filter { $0 == 1 }.count > cloudy.values.count / 2)
        // Jobs read the granule's JPEG 2000 files, inside the zip through /vsizip/.
        let zipped = try StacCatalog.loadItem(path: safe.appendingPathComponent("output/safe/items/\(ids[1]).json").path, coefNormalisation: 10000)
        #expect(zipped.bands.count == 13 && zipped.bands.values.allSatisfy { $0.path.hasPrefix("/vsizip/") && $0.path.hasSuffix(".jp2") },
                "\(zipped.bands.values.map(\.path))")
        // Baseline 04.00: the offsets come from the product's XML (declared), not from the rule.
        let recent = try StacCatalog.loadItem(path: safe.appendingPathComponent("output/safe/items/\(ids[2]).json").path, coefNormalisation: 10000)
        #expect(recent.bands.count == 13 && recent.bands.values.allSatisfy { $0.offsetDeclared && abs($0.offset + 0.1) < 1e-12 })
        #expect(zipped.bands.values.allSatisfy { !$0.offsetDeclared })
    }

    @Test("Level-2A SAFE: the SCL band serves the scl method, MSK_CLDPRB the probability method (0 % is a value, not nodata); check refuses the models made for top-of-atmosphere reflectance")
    func levelTwoA() async throws {
        let dir = Fixtures.temporaryDirectory("safe-l2a")
        defer { try? FileManager.default.removeItem(at: dir) }
        let products = dir.appendingPathComponent("products")
        let id = SampleCatalog.clearIDs[2]
        // Cloud (class 9, probability 80 %) over the northern half, vegetation (4, 0 %) below.
        var l2a = SafeProductBuilder(id: id, level: .l2a, baseline: "04.00", sceneClass: { row, _, rows in row < rows / 2 ? 9 : 4 })
        l2a.cloudProbability = { row, _, rows in row < rows / 2 ? 80 : 0 }
        let builder = l2a
        try await VerdantProcess.offload { _ = try SafeProductBuilder.zip(try builder.build(in: products)) }

        let refused = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(products.path)\"", "until": "\"cloudmask\"",
                                                                           "mask.method": "\"hollstein\""])
        let check = try await VerdantProcess.run(["check", "-p", refused.path], in: dir)
        #expect(check.status == 2 && check.stderr.contains("mask.method") && check.stderr.contains("safe-msil2a")
                && check.stderr.contains("Level-2A") && check.stderr.contains("\"scl\""), "\(check.stdout)\(check.stderr)")

        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(products.path)\"", "until": "\"cloudmask\"",
                                                                              "mask.method": "\"scl\"", "scl_classes": "[8, 9, 10]"])
        let run = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        try expectNorthCloudySouthClear(try #require(try Self.masks(dir)[id]), "scl")
        // The probability layer, 0–100: threshold 40. A clear pixel's 0 % must stay a value.
        let probability = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(products.path)\"", "until": "\"cloudmask\"",
                                                                               "mask.method": "\"probability\"", "probability_threshold": "40"])
        let second = try await VerdantProcess.run(["run", "-p", probability.path], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        try expectNorthCloudySouthClear(try #require(try Self.masks(dir)[id]), "probability")
        // …made by the probability method from MSK_CLDPRB, not left over from the scl run.
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let output = try #require(try store.records(in: [.completed], stage: .cloudMask, limit: nil).first { $0.id == id }?.output)
        let sidecar = try String(contentsOfFile: (output as NSString).deletingPathExtension + ".json", encoding: .utf8)
        #expect(sidecar.contains("\"probability\"") && sidecar.contains("MSK_CLDPRB_20m"), "\(sidecar)")
        // Bands and offsets as the product declares them, SCL among the other assets.
        let item = try StacCatalog.loadItem(path: dir.appendingPathComponent("output/safe/items/\(id).json").path, coefNormalisation: 10000)
        #expect(item.bandTable == "safe-msil2a" && item.bands.count == 12 && item.otherAssets["scl"] != nil)
        #expect(item.bands["B2"].map { $0.offsetDeclared && abs($0.offset + 0.1) < 1e-12 && $0.path.hasSuffix("_B02_10m.jp2") } == true)
    }

    /// Rows clear of the boundary (a 30 m cell there takes the class most of its pixels have),
    /// where the footprint and land leave data (255 elsewhere): cloud north, clear south.
    func expectNorthCloudySouthClear(_ mask: RasterInfo, _ method: String) throws {
        let rows = mask.height, columns = mask.width
        let north = (0..<(rows / 2 - 1) * columns).map { mask.values[$0] }.filter { $0 != 255 }
        let south = ((rows / 2 + 1) * columns..<rows * columns).map { mask.values[$0] }.filter { $0 != 255 }
        #expect(north.count > columns && north.allSatisfy { $0 == 1 }, "\(method) north: \(north.filter { $0 != 1 }.count) of \(north.count) not cloud")
        #expect(south.count > columns && south.allSatisfy { $0 == 0 }, "\(method) south: \(south.filter { $0 != 0 }.count) of \(south.count) not clear")
    }

    @Test("an unreadable product is listed as such, naming it; a zip beside its folder is left out as the same granule; a granule without a band file fails its image naming the band (never a QI_DATA mask); the others run")
    func brokenProducts() async throws {
        let dir = Fixtures.temporaryDirectory("safe-broken")
        defer { try? FileManager.default.removeItem(at: dir) }
        let products = dir.appendingPathComponent("products")
        let (good, partial) = (SampleCatalog.clearIDs[0], SampleCatalog.clearIDs[1])
        let missingBand = try await VerdantProcess.offload { () -> URL in
            _ = try SafeProductBuilder(id: good).build(in: products)
            let product = try SafeProductBuilder(id: partial).build(in: products)
            let broken = products.appendingPathComponent("S2A_MSIL1C_20990101T000000_N0204_R122_T33TVL_20990101T000000.SAFE")
            try FileManager.default.createDirectory(at: broken.appendingPathComponent("GRANULE"), withIntermediateDirectories: true)
            try "<not xml".write(to: broken.appendingPathComponent("MTD_MSIL1C.xml"), atomically: true, encoding: .utf8)
            try Data("PK not a zip".utf8).write(to: products.appendingPathComponent("S2B_MSIL1C_cut.zip"))
            let images = product.appendingPathComponent("GRANULE").appendingPathComponent(SafeProductBuilder(id: partial).granuleName)
                .appendingPathComponent("IMG_DATA")
            let file = try #require(try FileManager.default.contentsOfDirectory(atPath: images.path).first { $0.hasSuffix("_B03.jp2") })
            // QI_DATA's masks end in band codes too: never a band.
            let quality = images.deletingLastPathComponent().appendingPathComponent("QI_DATA")
            try FileManager.default.createDirectory(at: quality, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: images.appendingPathComponent(file), to: quality.appendingPathComponent("MSK_QUALIT_B03.jp2"))
            try FileManager.default.removeItem(at: images.appendingPathComponent(file))
            // The good product zipped beside its folder: the same granule twice.
            let twin = try SafeProductBuilder.zip(try SafeProductBuilder(id: good).build(in: dir.appendingPathComponent("twin")))
            try FileManager.default.moveItem(at: twin, to: products.appendingPathComponent(twin.lastPathComponent))
            return images.appendingPathComponent(file)
        }
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(products.path)\"", "until": "\"cloudmask\"",
                                                                              "mask.method": "\"hollstein\"", "max_attempts": "1"])
        let check = try await VerdantProcess.run(["check", "-p", parameters.path], in: dir)
        #expect(check.stdout.contains("S2B_MSIL1C_cut.zip") && check.stdout.contains("20990101T000000"), "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("the same granule (\(good))"), "\(check.stdout)")
        let run = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(run.status == 1, "a failed image makes exit code 1: \(run.stderr)")
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        #expect(records.first { $0.id == good }?.state == .completed, "\(records.map { "\($0.id) \($0.state)" })")
        let failed = try #require(records.first { $0.id == partial })
        #expect(failed.state == .failed && (failed.error ?? "").contains("B3"), "\(failed.state) \(failed.error ?? "") (\(missingBand.lastPathComponent) removed)")
    }
}
