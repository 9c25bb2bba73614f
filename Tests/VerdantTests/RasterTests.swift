import Foundation
import Testing
import VerdantLocal
import VerdantRaster

@Suite("VerdantRaster")
struct RasterTests {
    let berlin = SampleCatalog.berlinID

    func berlinGrid(scale: Double) throws -> RasterGrid {
        try RasterGrid.covering(footprintGeoJSON: try SampleCatalog.footprint(berlin),
                                referenceRaster: SampleCatalog.bandPath(berlin, "B02"), scale: scale)
    }

    @Test func gridCoversTheBerlinCropSnappedToTheScale() throws {
        // The crop spans x 330000–345360, y 5814360–5822040 (15360 × 7680 m).
        let grid = try berlinGrid(scale: 30)
        #expect(grid.width == 512)
        #expect(grid.height == 256)
        #expect(grid.geoTransform == [330000, 30, 0, 5822040, 0, -30])
        #expect(grid.epsgCode == 32633)
    }

    /// A small land area on a large scene: the grid is its window, snapped outwards to the
    /// scale on the same origin (what a remote read fetches); land off the scene keeps the
    /// footprint's grid.
    @Test func gridWithinLandIsTheLandsWindowOfTheScene() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func land(_ name: String, _ ring: String, epsg: Int) throws -> LandArea {
            let path = directory.appendingPathComponent("\(name).geojson").path
            try """
            {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::\(epsg)"}},
             "features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[\(ring)]}}]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return try LandArea.load(path: path)
        }
        // Mid-pixel edges, so the round trip through lon/lat cannot move an edge across a pixel.
        let small = try land("small", "[[333015,5816015],[336015,5816015],[336015,5818015],[333015,5818015],[333015,5816015]]", epsg: 32633)
        let window = try RasterGrid.covering(footprintGeoJSON: try SampleCatalog.footprint(berlin),
                                             referenceRaster: SampleCatalog.bandPath(berlin, "B02"), scale: 30, within: small)
        #expect(window.geoTransform == [333000, 30, 0, 5818020, 0, -30])
        #expect(window.width == 101 && window.height == 67, "\(window.width)×\(window.height)")
        let far = try land("far", "[[-4.0,56.0],[-3.5,56.0],[-3.5,56.3],[-4.0,56.3],[-4.0,56.0]]", epsg: 4326)
        let whole = try RasterGrid.covering(footprintGeoJSON: try SampleCatalog.footprint(berlin),
                                            referenceRaster: SampleCatalog.bandPath(berlin, "B02"), scale: 30, within: far)
        #expect(whole == (try berlinGrid(scale: 30)))
    }

    @Test func bandsOf10And20And60MetresLandOnTheSame30MetreGrid() throws {
        let grid = try berlinGrid(scale: 30)
        for band in ["B02", "B05", "B01"] {  // 10 m, 20 m, 60 m
            let values = try readBand(path: SampleCatalog.bandPath(berlin, band), grid: grid, nodata: 0)
            #expect(values.count == 512 * 256, "\(band)")
            #expect(!values.contains { $0.isNaN }, "\(band) has no nodata inside the crop")
            #expect(values.allSatisfy { $0 > 0 && $0 < 20000 }, "\(band) keeps DN values")
        }
    }

    @Test func average30MetresIsTheMeanOfTheNine10MetrePixels() throws {
        let grid = try berlinGrid(scale: 30)
        let coarse = try readBand(path: SampleCatalog.bandPath(berlin, "B02"), grid: grid, resampling: .average)
        let native = try RasterInfo.read(path: SampleCatalog.bandPath(berlin, "B02"))
        #expect(native.width == 1536)
        // Both grids start at (330000, 5822040): 30 m pixel (row 100, col 200) covers 10 m rows
        // 300–302 and columns 600–602.
        for (row, column) in [(100, 200), (0, 0), (255, 511)] {
            var sum: Float = 0
            for r in (row * 3)..<(row * 3 + 3) {
                for c in (column * 3)..<(column * 3 + 3) { sum += native.values[r * native.width + c] }
            }
            let expected = sum / 9
            #expect(abs(coarse[row * grid.width + column] - expected) < 1e-3, "pixel \(row),\(column)")
        }
    }

    @Test func writtenMaskIsACOGWithCRSAndNodata() throws {
        let grid = try berlinGrid(scale: 60)
        let values = (0..<grid.pixelCount).map { UInt8([0, 1, 255][$0 % 3]) }
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mask.tif").path
        try writeCOG(path: path, grid: grid, values: values, nodata: 255)
        let info = try RasterInfo.read(path: path)
        #expect(info.layout == "COG")
        #expect(info.epsgCode == 32633)
        #expect(info.nodata == 255)
        #expect(info.width == 256 && info.height == 128)
        #expect(info.grid.geoTransform == grid.geoTransform)
        #expect(info.values.map { UInt8($0) } == values)
    }

    @Test func writeRejectsAWrongNumberOfValues() throws {
        let grid = try berlinGrid(scale: 60)
        #expect(throws: RasterError.self) {
            try writeCOG(path: "/tmp/never.tif", grid: grid, values: [0, 1], nodata: 255)
        }
    }

    @Test func writtenFloatRasterIsACOGWithNaNNodataAndTheSameValues() throws {
        let grid = try berlinGrid(scale: 60)
        let values: [Float] = (0..<grid.pixelCount).map { $0 % 7 == 0 ? .nan : Float($0 % 201 - 100) / 100 }
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ndvi.tif").path
        try writeCOG(path: path, grid: grid, values: values)
        let info = try RasterInfo.read(path: path)
        #expect(info.layout == "COG")
        #expect(info.epsgCode == 32633)
        #expect(info.nodata?.isNaN == true)
        #expect(info.grid.geoTransform == grid.geoTransform && info.width == 256 && info.height == 128)
        #expect(info.values.indices.allSatisfy { info.values[$0].bitPattern == values[$0].bitPattern || (info.values[$0].isNaN && values[$0].isNaN) })
        let gdalinfo = try VerdantProcess.gdalinfo(path)
        #expect((gdalinfo["bands"] as? [[String: Any]])?.first?["type"] as? String == "Float32")
        let structure = (gdalinfo["metadata"] as? [String: Any])?["IMAGE_STRUCTURE"] as? [String: Any]
        #expect(structure?["COMPRESSION"] as? String == "DEFLATE")
        #expect(structure?["PREDICTOR"] as? String == "3", "the floating-point predictor")
    }

    @Test func floatWriteRejectsAWrongNumberOfValues() throws {
        let grid = try berlinGrid(scale: 60)
        #expect(throws: RasterError.sizeMismatch(what: "/tmp/never.tif", expected: grid.pixelCount, actual: 2)) {
            try writeCOG(path: "/tmp/never.tif", grid: grid, values: [Float(0), 1])
        }
    }

    @Test func floatOverviewsAreTheMeanOfTheValidPixels() throws {
        // 1536 × 768 is above the COG's 512 px tiles, so GDAL adds overviews; level 0 halves the
        // grid. Every 2 × 2 block is [NaN, 1; 0, 1]: its mean without the NaN is 2/3.
        let grid = try berlinGrid(scale: 10)
        let values: [Float] = (0..<grid.pixelCount).map { index in
            let (row, column) = (index / grid.width, index % grid.width)
            switch (row % 2, column % 2) {
            case (0, 0): return .nan
            case (1, 0): return 0
            default: return 1
            }
        }
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("full.tif").path
        let overview = directory.appendingPathComponent("overview.tif").path
        try writeCOG(path: path, grid: grid, values: values)
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "gdal_translate -q -ovr 0 '\(path)' '\(overview)'"],
                                     output: nil)
        #expect(VerdantProcess.waitBlocking(child, deadline: 60) == .exited(0))
        let info = try RasterInfo.read(path: overview)
        #expect(info.width == 768 && info.height == 384)
        #expect(info.values.allSatisfy { abs($0 - 2.0 / 3.0) < 1e-6 }, "first values: \(info.values.prefix(4))")
    }

    @Test func byteBandIsReadAsStoredWhenOnItsGrid() throws {
        let grid = try berlinGrid(scale: 60)
        let values = (0..<grid.pixelCount).map { UInt8([0, 1, 255][$0 % 3]) }
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mask.tif").path
        try writeCOG(path: path, grid: grid, values: values, nodata: 255)
        #expect(try RasterGrid.of(rasterPath: path) == RasterInfo.read(path: path).grid)
        #expect(try readByteBand(path: path, grid: grid) == values)

        var shifted = grid
        shifted.geoTransform[0] += 60
        #expect(throws: RasterError.gridMismatch(path: path, reason: "geotransform \(grid.geoTransform), expected \(shifted.geoTransform)")) {
            try readByteBand(path: path, grid: shifted)
        }
        var smaller = grid
        smaller.width -= 1
        #expect(throws: RasterError.gridMismatch(path: path, reason: "256 × 128 pixels, expected 255 × 128")) {
            try readByteBand(path: path, grid: smaller)
        }
        var otherCRS = grid
        otherCRS.crsWKT = "EPSG:32632"
        #expect(throws: RasterError.gridMismatch(path: path, reason: "its CRS differs from the grid's")) {
            try readByteBand(path: path, grid: otherCRS)
        }
    }

    @Test func aFloatRasterIsNotReadAsBytes() throws {
        let grid = try berlinGrid(scale: 60)
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("float.tif").path
        try writeCOG(path: path, grid: grid, values: [Float](repeating: 0.5, count: grid.pixelCount))
        #expect(throws: RasterError.readFailed(path: path, reason: "band 1 holds Float32, expected Byte (uint8)")) {
            try readByteBand(path: path, grid: grid)
        }
    }

    @Test func anUngeoreferencedRasterHasNoGrid() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try ungeoreferencedByteRaster(in: directory)
        #expect(try RasterInfo.read(path: path).width == 3, "GDAL reads the file itself")
        let error = #expect(throws: RasterError.notGeoreferenced(path: path, reason: "it has no geotransform")) {
            try RasterGrid.of(rasterPath: path)
        }
        #expect(error.map { "\($0)".hasPrefix(path) } == true)
    }

    @Test func landMeetsTheSloveniaFootprintsButNotBerlin() throws {
        let land = try LandArea.load(path: SampleCatalog.landPath)
        for id in SampleCatalog.sloveniaIDs {
            #expect(try land.intersects(footprintGeoJSON: SampleCatalog.footprint(id)), "\(id)")
        }
        #expect(SampleCatalog.sloveniaIDs.count == 10)
        #expect(try !land.intersects(footprintGeoJSON: SampleCatalog.footprint(berlin)))
    }

    @Test func landInAProjectedCRSIsReprojectedToLonLat() throws {
        // The same kind of area written in UTM 33N: a 200 m square in the middle of the patch.
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("utm.geojson").path
        let square = "[[465600,5079650],[465800,5079650],[465800,5079850],[465600,5079850],[465600,5079650]]"
        try """
        {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32633"}},
         "features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[\(square)]}}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let land = try LandArea.load(path: path)
        #expect(land.geoJSON.contains("14.5"), "longitudes near 14.5 E, not eastings")
        #expect(try land.intersects(footprintGeoJSON: SampleCatalog.footprint(SampleCatalog.cloudyID)))
        #expect(try !land.intersects(footprintGeoJSON: SampleCatalog.footprint(berlin)))
    }

    @Test func landErrorsNameThePath() throws {
        let directory = try SampleCatalog.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nowhere.geojson").path
        #expect(throws: RasterError.fileNotFound(path: missing)) { try LandArea.load(path: missing) }
        let raster = SampleCatalog.bandPath(berlin, "B01")
        #expect(throws: RasterError.notAVector(path: raster)) { try LandArea.load(path: raster) }
        let points = directory.appendingPathComponent("points.geojson").path
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[14.55,45.87]}}]}"#
            .write(toFile: points, atomically: true, encoding: .utf8)
        #expect(throws: RasterError.noPolygonFeatures(path: points)) { try LandArea.load(path: points) }
        #expect(RasterError.noPolygonFeatures(path: points).description.hasPrefix(points))
    }

    @Test func rasterizedLandIsOneInsideAndZeroOutside() throws {
        let id = SampleCatalog.cloudyID
        let grid = try RasterGrid.covering(footprintGeoJSON: try SampleCatalog.footprint(id),
                                           referenceRaster: SampleCatalog.bandPath(id, "B02"), scale: 10)
        let land = try rasterize(try LandArea.load(path: SampleCatalog.landPath), onto: grid)
        #expect(land.count == grid.pixelCount)
        // The diagonal cuts off the north-west corner: top-left outside, bottom-right inside.
        #expect(land[0] == 0)
        #expect(land[grid.pixelCount - 1] == 1)
        #expect(land[(grid.height - 1) * grid.width] == 1, "south-west corner")
        let share = Double(land.reduce(0) { $0 + Int($1) }) / Double(land.count)
        #expect(share > 0.55 && share < 0.75, "about 65 % of the patch is land, got \(share)")
        let footprint = try rasterize(footprintGeoJSON: try SampleCatalog.footprint(id), onto: grid)
        #expect(footprint.filter { $0 == 1 }.count >= grid.pixelCount - grid.width - grid.height)
    }

    @Test func footprintPreFilterWithTheGeometryParameter() throws {
        let footprint = try SampleCatalog.footprint(SampleCatalog.cloudyID)
        let aroundLjubljana: [[[Double]]] = [[[14.4, 45.8], [14.7, 45.8], [14.7, 46.1], [14.4, 46.1], [14.4, 45.8]]]
        let scotland: [[[Double]]] = [[[-4.0, 56.0], [-3.5, 56.0], [-3.5, 56.3], [-4.0, 56.3], [-4.0, 56.0]]]
        #expect(try Footprint.intersects(geoJSON: footprint, polygon: aroundLjubljana))
        #expect(try !Footprint.intersects(geoJSON: footprint, polygon: scotland))
        #expect(try Footprint.coveredFraction(of: footprint, by: footprint) > 0.999)
        #expect(try Footprint.coveredFraction(of: footprint, by: SampleCatalog.footprint(berlin)) == 0)
    }

    @Test func rasterFootprintIsTheItemGeometry() throws {
        let text = try Footprint.ofRaster(path: SampleCatalog.bandPath(berlin, "B02"))
        #expect(try Footprint.coveredFraction(of: text, by: SampleCatalog.footprint(berlin)) > 0.999)
    }

    @Test func aCancelledReadStopsTheWarp() throws {
        let grid = try berlinGrid(scale: 10)
        #expect(throws: CancellationError.self) {
            try readBand(path: SampleCatalog.bandPath(berlin, "B02"), grid: grid, isCancelled: { true })
        }
        let values = try readBand(path: SampleCatalog.bandPath(berlin, "B02"), grid: grid, isCancelled: { false })
        #expect(values.count == 1536 * 768)
    }

    @Test func openingAMissingRasterNamesIt() {
        #expect(throws: RasterError.fileNotFound(path: "/nonexistent/B02.tif")) {
            try readBand(path: "/nonexistent/B02.tif", grid: RasterGrid(crsWKT: "", geoTransform: [0, 1, 0, 0, 0, -1], width: 1, height: 1))
        }
    }
}

/// A 3 × 2 uint8 raster with no geotransform or CRS (binary PGM, which GDAL reads), to stand
/// for a raster whose grid cannot be known.
func ungeoreferencedByteRaster(in directory: URL) throws -> String {
    let path = directory.appendingPathComponent("plain.pgm").path
    try (Data("P5\n3 2\n255\n".utf8) + Data([0, 1, 255, 0, 0, 1])).write(to: URL(fileURLWithPath: path))
    return path
}
