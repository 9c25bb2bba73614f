import Foundation
import Synchronization
import Testing
import VerdantLocal
import VerdantRaster

@Suite("NDVIJob on the real cloud masks of the sample catalog")
struct NDVIJobTests {
    /// t01, 2015-07-31: thin haze.
    static let hazyID = "20150731T100009_20150731T100009_T33TVL"
    static let clearID = SampleCatalog.clearIDs[0]
    let maskSettings = CloudMaskSettings(scale: 30, coefNormalisation: 10000, method: "hollstein",
                                         landGeometryPath: SampleCatalog.landPath)

    /// Runs the real mask job for `id` into `<directory>/mask`, as the cloudmask stage publishes it.
    func mask(_ id: String, in directory: URL) throws -> CloudMaskResult {
        let job = CloudMaskJob(item: try SampleCatalog.item(id), land: try LandArea.load(path: SampleCatalog.landPath),
                               settings: maskSettings)
        return try job.run(into: directory.appendingPathComponent("mask"), requestId: "mask-\(id)", isCancelled: { false })
    }

    func ndvi(_ id: String, maskPath: String, in directory: URL) throws -> NDVIResult {
        let job = NDVIJob(item: try SampleCatalog.item(id), maskPath: maskPath, settings: NDVISettings(scale: 30))
        return try job.run(into: directory.appendingPathComponent("ndvi"), requestId: "ndvi-\(id)", isCancelled: { false })
    }

    /// Mask then NDVI of `id` in a fresh folder (removed by the caller).
    func maskAndNDVI(_ id: String) throws -> (directory: URL, mask: CloudMaskResult, ndvi: NDVIResult) {
        let directory = try SampleCatalog.temporaryDirectory()
        let mask = try mask(id, in: directory)
        return (directory, mask, try ndvi(id, maskPath: mask.maskPath, in: directory))
    }

    @Test func outputIsAFloat32COGOnTheMaskGrid() throws {
        let (directory, mask, result) = try maskAndNDVI(Self.hazyID)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(result.ndviPath == directory.appendingPathComponent("ndvi/\(Self.hazyID).tif").path)
        let info = try VerdantProcess.gdalinfo(result.ndviPath)
        let maskInfo = try VerdantProcess.gdalinfo(mask.maskPath)
        let band = try #require((info["bands"] as? [[String: Any]])?.first)
        #expect(band["type"] as? String == "Float32")
        #expect(band["noDataValue"] as? String == "NaN")
        let structure = try #require((info["metadata"] as? [String: Any])?["IMAGE_STRUCTURE"] as? [String: Any])
        #expect(structure["LAYOUT"] as? String == "COG")
        #expect(structure["COMPRESSION"] as? String == "DEFLATE")
        #expect(structure["PREDICTOR"] as? String == "3")
        let size = try #require(info["size"] as? [Int])
        #expect(size == maskInfo["size"] as? [Int])
        #expect(size.count == 2 && size[0] > 30 && size[1] > 30)
        let transform = try #require(info["geoTransform"] as? [Double])
        #expect(transform == maskInfo["geoTransform"] as? [Double])
        #expect(transform[1] == 30)
        #expect(try RasterInfo.read(path: result.ndviPath).epsgCode == 32633)
    }

    @Test(arguments: [hazyID, SampleCatalog.cloudyID, clearID])
    func ndviIsNaNWhereTheMaskIsNotClearAndWithinRangeElsewhere(id: String) throws {
        let (directory, mask, result) = try maskAndNDVI(id)
        defer { try? FileManager.default.removeItem(at: directory) }
        let maskValues = try RasterInfo.read(path: mask.maskPath).values
        let ndvi = try RasterInfo.read(path: result.ndviPath).values
        #expect(ndvi.count == maskValues.count)
        let unusable = maskValues.indices.filter { maskValues[$0] == 1 || maskValues[$0] == 255 }
        #expect(!unusable.isEmpty, "land cuts off a corner, so every sample mask has nodata")
        #expect(unusable.allSatisfy { ndvi[$0].isNaN })
        let valid = ndvi.filter { !$0.isNaN }
        #expect(valid.allSatisfy { $0 >= -1 && $0 <= 1 })
        // Reflectances of these scenes are positive, so every clear pixel has a value.
        #expect(valid.count == maskValues.filter { $0 == 0 }.count)
        #expect(abs(result.validFraction - Double(valid.count) / Double(ndvi.count)) < 1e-12)
        #expect(abs(result.cloudFraction - Double(maskValues.filter { $0 == 1 }.count) / Double(ndvi.count)) < 1e-12)
        #expect(abs(result.validFraction + result.cloudFraction + result.nodataFraction - 1) < 1e-12)
    }

    @Test func valuesEqualAnIndependentComputationFromTheBandFiles() throws {
        let (directory, mask, result) = try maskAndNDVI(Self.clearID)
        defer { try? FileManager.default.removeItem(at: directory) }
        let grid = try RasterInfo.read(path: mask.maskPath).grid
        let maskValues = try RasterInfo.read(path: mask.maskPath).values
        let ndvi = try RasterInfo.read(path: result.ndviPath).values
        let red = try NativeBand(SampleCatalog.bandPath(Self.clearID, "B04"))
        let nearInfrared = try NativeBand(SampleCatalog.bandPath(Self.clearID, "B08"))
        // STAC `raster:bands` of the samples: reflectance = DN × 0.0001 + 0, nodata 0.
        // Cells that straddle the band's edge are left out: there GDAL 3.6's average weights the
        // partly covered source pixels otherwise than a plain area-weighted mean (by ~0.2 % at row 0).
        let clear = maskValues.indices.filter {
            maskValues[$0] == 0 && red.coversWholly(row: $0 / grid.width, column: $0 % grid.width, of: grid)
        }
        let picked = stride(from: 0, to: clear.count, by: max(1, clear.count / 12)).map { clear[$0] }
        #expect(picked.count >= 10)
        for index in picked {
            let (row, column) = (index / grid.width, index % grid.width)
            let b4 = Float(try #require(red.areaWeightedMean(row: row, column: column, on: grid))) * 0.0001
            let b8 = Float(try #require(nearInfrared.areaWeightedMean(row: row, column: column, on: grid))) * 0.0001
            let expected = (b8 - b4) / (b8 + b4)
            #expect(abs(ndvi[index] - expected) <= 1e-6, "pixel \(row),\(column): \(ndvi[index]) vs \(expected)")
        }
    }

    @Test func sidecarRecordsTheImageTheMaskAndTheParameters() throws {
        let (directory, mask, result) = try maskAndNDVI(Self.hazyID)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(result.sidecarPath == directory.appendingPathComponent("ndvi/\(Self.hazyID).json").path)
        let sidecar = try Self.json(result.sidecarPath)
        let maskSidecar = try Self.json(mask.sidecarPath)
        #expect(sidecar["id"] as? String == Self.hazyID)
        #expect(sidecar["request_id"] as? String == "ndvi-\(Self.hazyID)")
        #expect((sidecar["footprint"] as? [String: Any])?["type"] as? String == "Polygon")
        // 2015-07-31T10:00:09Z in milliseconds since the epoch, as Earth Engine stores it.
        #expect((sidecar["system:time_start"] as? NSNumber)?.int64Value == 1_438_336_809_000)
        #expect((sidecar["system:time_end"] as? NSNumber)?.int64Value == 1_438_336_809_000)
        #expect(sidecar["crs"] as? String == "EPSG:32633")
        #expect(sidecar["crs_wkt"] as? String == maskSidecar["crs_wkt"] as? String)
        let grid = try #require(sidecar["grid"] as? [String: Any])
        let maskGrid = try #require(maskSidecar["grid"] as? [String: Any])
        #expect(grid["geotransform"] as? [Double] == maskGrid["geotransform"] as? [Double])
        #expect(grid["width"] as? Int == maskGrid["width"] as? Int && grid["height"] as? Int == maskGrid["height"] as? Int)
        #expect(sidecar["nodata"] as? String == "NaN")
        // Foundation's JSON writer may drop the last binary digit of a Double, hence the tolerance.
        #expect(abs(try #require(sidecar["valid_fraction"] as? Double) - result.validFraction) < 1e-12)
        #expect(abs(try #require(sidecar["cloud_fraction"] as? Double) - result.cloudFraction) < 1e-12)
        #expect(abs(try #require(sidecar["nodata_fraction"] as? Double) - result.nodataFraction) < 1e-12)
        // The mean recomputed from the written file.
        let valid = try RasterInfo.read(path: result.ndviPath).values.filter { !$0.isNaN }
        let mean = valid.reduce(0.0) { $0 + Double($1) } / Double(valid.count)
        let recorded = try #require(sidecar["mean_ndvi"] as? Double)
        #expect(abs(recorded - mean) < 1e-9)
        #expect(abs(try #require(result.meanNDVI) - recorded) < 1e-12)
        #expect(sidecar["mask_path"] as? String == mask.maskPath)
        #expect(sidecar["mask_request_id"] as? String == "mask-\(Self.hazyID)")
        let parameters = try #require(sidecar["parameters"] as? [String: Any])
        #expect(parameters["scale"] as? Double == 30)
        #expect(parameters["source"] as? String == "bands B4, B8")
        #expect(parameters["resampling"] as? String == "average")
    }

    @Test func aMaskWithoutClearPixelsGivesNoValueAndANullMean() throws {
        // Berlin lies outside the sample land area: its mask is nodata everywhere.
        let (directory, _, result) = try maskAndNDVI(SampleCatalog.berlinID)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(result.validFraction == 0 && result.nodataFraction == 1 && result.meanNDVI == nil)
        #expect(try RasterInfo.read(path: result.ndviPath).values.allSatisfy { $0.isNaN })
        #expect(try Self.json(result.sidecarPath)["mean_ndvi"] is NSNull)
    }

    @Test func cloudyHazyAndClearScenesDiffer() throws {
        let (clearDirectory, _, clear) = try maskAndNDVI(Self.clearID)
        defer { try? FileManager.default.removeItem(at: clearDirectory) }
        let (cloudyDirectory, _, cloudy) = try maskAndNDVI(SampleCatalog.cloudyID)
        defer { try? FileManager.default.removeItem(at: cloudyDirectory) }
        let (hazyDirectory, _, hazy) = try maskAndNDVI(Self.hazyID)
        defer { try? FileManager.default.removeItem(at: hazyDirectory) }
        #expect(clear.validFraction > 0.5, "about 62 % of the grid is land inside the footprint, and t00 is clear")
        #expect(cloudy.validFraction < clear.validFraction / 2, "cloudy \(cloudy.validFraction), clear \(clear.validFraction)")
        #expect(cloudy.cloudFraction > 0.4 && clear.cloudFraction < 0.05)
        // The single-image mask lets t01's thin haze through (its valid fraction is t00's), but
        // haze brightens red more than near infrared, so its NDVI is much lower than a clear day's.
        let hazyMean = try #require(hazy.meanNDVI), clearMean = try #require(clear.meanNDVI)
        #expect(hazyMean < clearMean - 0.1, "hazy \(hazyMean), clear \(clearMean)")
    }

    @Test func cancellationAtAnyCheckThrowsAndWritesNothing() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let mask = try mask(Self.hazyID, in: directory)
        let job = NDVIJob(item: try SampleCatalog.item(Self.hazyID), maskPath: mask.maskPath, settings: NDVISettings())
        let output = directory.appendingPathComponent("ndvi")
        // Cancelled at the first check, then at the second, … until a run gets through: every
        // step boundary and every GDAL progress call during the band reads is tried once.
        var cancelledRuns = 0
        for allowedChecks in 0..<1000 {
            let checks = Atomic<Int>(0)
            do {
                _ = try job.run(into: output, requestId: "cancel", isCancelled: {
                    checks.add(1, ordering: .relaxed).newValue > allowedChecks
                })
                break
            } catch is CancellationError {
                cancelledRuns += 1
                // GDAL may call its progress function once more after being told to stop.
                #expect(checks.load(ordering: .relaxed) >= allowedChecks + 1)
                let written = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
                #expect(written.isEmpty, "cancelled at check \(allowedChecks + 1): \(written)")
            }
        }
        // Before the mask, before B4, before B8, before the NDVI, before writing, and inside reads.
        #expect(cancelledRuns > 5, "\(cancelledRuns) checks")
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("\(Self.hazyID).tif").path))
    }

    @Test func aMissingMaskFileIsNamed() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("mask/\(Self.hazyID).tif").path
        let job = NDVIJob(item: try SampleCatalog.item(Self.hazyID), maskPath: missing, settings: NDVISettings())
        let error = #expect(throws: RasterError.fileNotFound(path: missing)) {
            try job.run(into: directory.appendingPathComponent("ndvi"), requestId: "x", isCancelled: { false })
        }
        #expect(error.map { "\($0)".hasPrefix(missing) } == true)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ndvi").path))
    }

    @Test func aMaskWithoutItsSidecarIsRefused() throws {
        let (directory, mask, _) = try maskAndNDVI(Self.hazyID)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.removeItem(atPath: mask.sidecarPath)
        #expect(throws: NDVIError.unreadableMaskSidecar(path: mask.sidecarPath, reason: "no such file")) {
            _ = try ndvi(Self.hazyID, maskPath: mask.maskPath, in: directory.appendingPathComponent("again"))
        }
    }

    @Test func theMaskOfAnotherImageIsRefused() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clearMask = try mask(Self.clearID, in: directory)
        #expect(throws: NDVIError.maskOfAnotherImage(path: clearMask.maskPath, expected: Self.hazyID, found: Self.clearID)) {
            _ = try ndvi(Self.hazyID, maskPath: clearMask.maskPath, in: directory)
        }
    }

    @Test func aMaskWithoutGeoreferencingIsRefused() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try ungeoreferencedByteRaster(in: directory)
        let job = NDVIJob(item: try SampleCatalog.item(Self.hazyID), maskPath: path, settings: NDVISettings())
        #expect(throws: RasterError.notGeoreferenced(path: path, reason: "it has no geotransform")) {
            try job.run(into: directory.appendingPathComponent("ndvi"), requestId: "x", isCancelled: { false })
        }
    }

    @Test func aMissingBandIsNamedBeforeAnyRead() throws {
        let (directory, mask, _) = try maskAndNDVI(Self.hazyID)
        defer { try? FileManager.default.removeItem(at: directory) }
        var item = try SampleCatalog.item(Self.hazyID)
        item.bands["B8"] = nil
        let job = NDVIJob(item: item, maskPath: mask.maskPath, settings: NDVISettings())
        let output = directory.appendingPathComponent("without-b8")
        #expect(throws: CloudMaskError.missingBand(item: Self.hazyID, band: "B8")) {
            try job.run(into: output, requestId: "x", isCancelled: { false })
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }
}
