import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantMask
import VerdantRaster

/// `verdant train` and `verdant evaluate-mask` as a person runs them, and the asset methods.
@Suite("Cloud model commands and asset methods")
struct CloudModelCommandTests {
    @Test("train --samples writes a model that loads; a bad CSV exits 2 naming its line and column")
    func trainFromSamples() async throws {
        let dir = Fixtures.temporaryDirectory("train")
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "ndsi,tree2,label\n"
        for i in 0..<200 { csv += "\(Double(i % 20) / 20),\(i % 2),\(i % 20 >= 10 ? "cloud" : "0")\n" }
        try csv.write(to: dir.appendingPathComponent("s.csv"), atomically: true, encoding: .utf8)
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        let model = dir.appendingPathComponent("m.json").path
        let run = try await VerdantProcess.run(["train", "-p", parameters.path, "--samples", "s.csv", "--features", "ndsi,tree2",
                                                "--trees", "20", "-o", model], in: dir, cwd: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let file = try CloudModelFile.load(path: model)
        #expect(file.features == ["ndsi", "tree2"] && file.trees.count == 20 && file.training.samples == 200)
        #expect(file.evaluation?.first?.balancedAccuracy == 1)

        try "ndsi,tree2,label\n0.1,1,0\n0.2,x,1\n".write(to: dir.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try await VerdantProcess.run(["train", "-p", parameters.path, "--samples", "bad.csv", "--features", "ndsi,tree2",
                                                "-o", model], in: dir, cwd: dir)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.csv line 3, column tree2"), "\(bad.stderr)")
        let unknown = try await VerdantProcess.run(["train", "-p", parameters.path, "--samples", "s.csv", "--features", "ndsi,glow",
                                                    "-o", model], in: dir, cwd: dir)
        #expect(unknown.status == 2 && unknown.stderr.contains("glow"), "\(unknown.stderr)")
        #expect(try CloudModelFile.load(path: model).trees.count == 20)  // the earlier model is untouched
        let empty = try await VerdantProcess.run(["train", "-p", parameters.path, "--samples", "s.csv", "--features", "",
                                                  "-o", model], in: dir, cwd: dir)
        #expect(empty.status == 2, "\(empty.stderr)")
        // Windows line endings read the same.
        try csv.replacingOccurrences(of: "\n", with: "\r\n").write(to: dir.appendingPathComponent("crlf.csv"), atomically: true, encoding: .utf8)
        let crlf = try await VerdantProcess.run(["train", "-p", parameters.path, "--samples", "crlf.csv", "--trees", "5",
                                                 "-o", "crlf.json"], in: dir, cwd: dir)
        #expect(crlf.status == 0, "\(crlf.stderr)")
        // Without --features, the CSV's own columns are the features.
        let header = try await VerdantProcess.run(["train", "-p", parameters.path, "--samples", "s.csv", "--trees", "5",
                                                   "-o", "h.json"], in: dir, cwd: dir)
        #expect(header.status == 0, "\(header.stderr)")
        #expect(try CloudModelFile.load(path: dir.appendingPathComponent("h.json").path).features == ["ndsi", "tree2"])
    }

    @Test("evaluate-mask scores masks against references matched by date, and names a damaged model")
    func evaluateAgainstReferences() async throws {
        let dir = Fixtures.temporaryDirectory("evaluate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let references = dir.appendingPathComponent("refs", isDirectory: true)
        try FileManager.default.createDirectory(at: references, withIntermediateDirectories: true)
        // The thick cloud date all cloud, the three clear dates all clear.
        for (id, value) in [(SampleCatalog.cloudyID, UInt8(1))] + SampleCatalog.clearIDs.map({ ($0, UInt8(0)) }) {
            let grid = try SampleCatalog.item(id).maskGrid(scale: 30)
            try writeCOG(path: references.appendingPathComponent("ref_\(id.prefix(15)).tif").path, grid: grid,
                         values: [UInt8](repeating: value, count: grid.pixelCount), nodata: 255)
        }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        let run = try await VerdantProcess.run(["evaluate-mask", "-p", parameters.path, "--reference", references.path,
                                                "--method", "hollstein", "--json"], in: dir, cwd: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let images = try #require(document["images"] as? [[String: Any]])
        #expect(images.count == 4)
        for image in images where (image["id"] as? String) != SampleCatalog.cloudyID {
            #expect(image["overall_accuracy"] as? Double == 1)
        }
        let cloudy = try #require(images.first { $0["id"] as? String == SampleCatalog.cloudyID })
        #expect((cloudy["cloud_producers_accuracy"] as? Double ?? 0) > 0.8)
        let pooled = try #require(document["pooled"] as? [String: Any])
        #expect(pooled["pixels"] as? Int == images.compactMap { $0["pixels"] as? Int }.reduce(0, +))

        try "{\"format\": \"verdant-cloud-forest\", \"version\": 1, \"features\": [".write(to: dir.appendingPathComponent("broken.json"),
                                                                                          atomically: true, encoding: .utf8)
        let broken = try await VerdantProcess.run(["evaluate-mask", "-p", parameters.path, "--reference", references.path,
                                                   "--method", "seed", "--model", "broken.json"], in: dir, cwd: dir)
        #expect(broken.status == 2 && broken.stderr.contains("broken.json"), "\(broken.stderr)")

        // Two references for one image: which one was meant cannot be guessed.
        try FileManager.default.copyItem(at: references.appendingPathComponent("ref_\(SampleCatalog.cloudyID.prefix(15)).tif"),
                                         to: references.appendingPathComponent("other_\(SampleCatalog.cloudyID.prefix(15)).tif"))
        let twice = try await VerdantProcess.run(["evaluate-mask", "-p", parameters.path, "--reference", references.path,
                                                  "--method", "hollstein"], in: dir, cwd: dir)
        #expect(twice.status == 2 && twice.stderr.contains("other_"), "\(twice.stderr)")
    }

    @Test("scl, probability and mask methods read the item's asset; without it the error names the asset")
    func assetMethods() throws {
        let dir = Fixtures.temporaryDirectory("assets")
        defer { try? FileManager.default.removeItem(at: dir) }
        var item = try SampleCatalog.item(SampleCatalog.clearIDs[0])
        let grid = try item.maskGrid(scale: 30)
        // Left half class 9 (cloud, high probability), right half class 4 (vegetation).
        let classes = (0..<grid.pixelCount).map { UInt8($0 % grid.width < grid.width / 2 ? 9 : 4) }
        let scl = dir.appendingPathComponent("scl.tif").path
        try writeCOG(path: scl, grid: grid, values: classes, nodata: 0)
        let probability = dir.appendingPathComponent("clp.tif").path
        try writeCOG(path: probability, grid: grid, values: classes.map { $0 == 9 ? Float(80) : Float(10) })  // percent, scale 0.01
        item.otherAssets = ["scl": BandAsset(path: scl, scale: 1, offset: 0, nodata: 0),
                            "cloud_probability": BandAsset(path: probability, scale: 0.01, offset: 0, nodata: nil, offsetDeclared: true),
                            "cloud_mask": BandAsset(path: scl, scale: 1, offset: 0, nodata: 0)]
        for method in ["scl", "probability"] {
            let job = CloudMaskJob(item: item, land: nil, settings: CloudMaskSettings(method: method, landGeometryPath: ""))
            let (mask, _, _) = try job.mask(cache: GridBandCache(limitBytes: 0), checking: { false })
            let inside = zip(mask, classes).filter { $0.0 != Hollstein.nodata }
            #expect(!inside.isEmpty && inside.allSatisfy { ($0.0 == 1) == ($0.1 == 9) }, "\(method)")
        }
        item.otherAssets = [:]
        let job = CloudMaskJob(item: item, land: nil, settings: CloudMaskSettings(method: "scl", landGeometryPath: ""))
        #expect {
            _ = try job.mask(cache: GridBandCache(limitBytes: 0), checking: { false })
        } throws: { error in
            "\(error)".contains("\"scl\"") && "\(error)".contains("mask.scl_asset")
        }
    }
}
