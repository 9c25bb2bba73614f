import Foundation
import Synchronization
import Testing
import VerdantLocal
import VerdantRaster

@Suite("CloudMaskJob on the sample catalog")
struct CloudMaskJobTests {
    let settings = CloudMaskSettings(scale: 30, coefNormalisation: 10000, method: "hollstein",
                                     landGeometryPath: SampleCatalog.landPath)

    func run(_ id: String, in directory: URL) throws -> CloudMaskResult {
        let job = CloudMaskJob(item: try SampleCatalog.item(id), land: try LandArea.load(path: SampleCatalog.landPath),
                               settings: settings)
        return try job.run(into: directory, requestId: "test-\(id)", isCancelled: { false })
    }

    @Test func thickCloudSceneIsMostlyCloud() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(SampleCatalog.cloudyID, in: directory)
        #expect(result.cloudFraction > 0.5, "t02 2015-08-20: \(result.cloudFraction)")
        #expect(abs(result.cloudFraction + result.clearFraction - 1) < 1e-9)
    }

    @Test(arguments: SampleCatalog.clearIDs)
    func clearScenesAreMostlyClear(id: String) throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(id, in: directory)
        #expect(result.cloudFraction < 0.1, "\(id): \(result.cloudFraction)")
    }

    @Test func maskIsACOGWithNodataOutsideLand() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(SampleCatalog.cloudyID, in: directory)
        #expect(result.maskPath == directory.appendingPathComponent("\(SampleCatalog.cloudyID).tif").path)
        let mask = try RasterInfo.read(path: result.maskPath)
        #expect(mask.layout == "COG")
        #expect(mask.epsgCode == 32633)
        #expect(mask.nodata == 255)
        #expect(mask.grid.geoTransform[1] == 30)
        #expect(Set(mask.values).isSubset(of: [0, 1, 255]))
        // Compare with the land rasterized on the same grid: outside land is always 255.
        let land = try rasterize(try LandArea.load(path: SampleCatalog.landPath), onto: mask.grid)
        let outside = land.indices.filter { land[$0] == 0 }
        #expect(!outside.isEmpty)
        #expect(outside.allSatisfy { mask.values[$0] == 255 })
        #expect(mask.values[0] == 255, "the north-west corner is cut off the land")
        #expect(result.nodataFraction > 0.25 && result.nodataFraction < 0.6, "\(result.nodataFraction)")
    }

    @Test func maskedSceneKeepsItsNodata() throws {
        // reference_masked scene t31 (2016-12-22) is mostly NaN in the source.
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run("20161222T100606_20161222T100606_T33TVL", in: directory)
        #expect(result.nodataFraction > 0.5)
    }

    @Test func sidecarHasTheFields() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(SampleCatalog.cloudyID, in: directory)
        let data = try Data(contentsOf: URL(fileURLWithPath: result.sidecarPath))
        let sidecar = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(sidecar["id"] as? String == SampleCatalog.cloudyID)
        #expect(sidecar["request_id"] as? String == "test-\(SampleCatalog.cloudyID)")
        #expect((sidecar["footprint"] as? [String: Any])?["type"] as? String == "Polygon")
        // 2015-08-20T10:07:28Z in milliseconds since the epoch, as Earth Engine stores it.
        #expect((sidecar["system:time_start"] as? NSNumber)?.int64Value == 1_440_065_248_000)
        #expect((sidecar["system:time_end"] as? NSNumber)?.int64Value == 1_440_065_248_000)
        #expect(sidecar["crs"] as? String == "EPSG:32633")
        let grid = try #require(sidecar["grid"] as? [String: Any])
        #expect((grid["geotransform"] as? [Double])?.count == 6)
        #expect((grid["width"] as? Int ?? 0) > 30 && (grid["height"] as? Int ?? 0) > 30)
        #expect((sidecar["cloud_fraction"] as? Double) == result.cloudFraction)
        #expect(sidecar["clear_fraction"] is Double && sidecar["nodata_fraction"] is Double)
        let parameters = try #require(sidecar["parameters"] as? [String: Any])
        #expect(parameters["scale"] as? Double == 30)
        #expect(parameters["method"] as? String == "hollstein")
        #expect(parameters["coef_normalisation"] as? Double == 10000)
        #expect(parameters["land_geometry"] as? String == SampleCatalog.landPath)
    }

    @Test func cancelledJobThrowsAndWritesNothing() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = CloudMaskJob(item: try SampleCatalog.item(SampleCatalog.cloudyID),
                               land: try LandArea.load(path: SampleCatalog.landPath), settings: settings)
        // Cancelled after the third check, i.e. while bands are being read.
        let checks = Atomic<Int>(0)
        #expect(throws: CancellationError.self) {
            try job.run(into: directory, requestId: "cancel", isCancelled: {
                checks.add(1, ordering: .relaxed).newValue > 3
            })
        }
        #expect(checks.load(ordering: .relaxed) == 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func unknownMethodIsRefused() throws {
        var other = settings
        other.method = "percentile1"
        let job = CloudMaskJob(item: try SampleCatalog.item(SampleCatalog.cloudyID),
                               land: try LandArea.load(path: SampleCatalog.landPath), settings: other)
        #expect(throws: CloudMaskError.unknownMethod(item: SampleCatalog.cloudyID, method: "percentile1")) {
            try job.run(into: SampleCatalog.samples, requestId: "x", isCancelled: { false })
        }
    }
}
