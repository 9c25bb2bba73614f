import Foundation
import Testing
import VerdantCore
import VerdantFill
import VerdantLocal
import VerdantRaster

/// The gap-filling job's inputs and `verdant evaluate-fill`, as a person meets them.
@Suite("Gap filling: job inputs and evaluate-fill", .serialized)
struct GapFillCommandTests {
    static let wkt = #"PROJCS["WGS 84 / UTM zone 33N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",15],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","32633"]]"#

    /// An NDVI file as the NDVI stage writes it (a COG and a sidecar with its time).
    static func ndvi(_ dir: URL, id: String, day: Int, grid: RasterGrid, value: Float) throws -> GapFillJob.Input {
        let path = dir.appendingPathComponent("\(id).tif").path
        try writeCOG(path: path, grid: grid, values: [Float](repeating: value, count: grid.pixelCount))
        let sidecar: [String: Any] = ["system:time_start": Int64(day) * 86_400_000]
        try JSONSerialization.data(withJSONObject: sidecar).write(to: dir.appendingPathComponent("\(id).json"))
        return GapFillJob.Input(imageId: id, ndviPath: path)
    }

    static func settings() -> BlockSettings {
        BlockSettings(firstDay: 16_000, lastDay: 17_000, landGeometryPath: Fixtures.repositoryRoot.appendingPathComponent("samples/land.geojson").path)
    }

    @Test func gridsThatDoNotMatchAreRefusedNamingTheFile() throws {
        let dir = Fixtures.temporaryDirectory("gapgrid")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = RasterGrid(crsWKT: Self.wkt, geoTransform: [465_180, 30, 0, 5_080_260, 0, -30], width: 34, height: 34)
        var b = a
        b.geoTransform[0] += 10
        let inputs = [try Self.ndvi(dir, id: "one", day: 16_100, grid: a, value: 0.5),
                      try Self.ndvi(dir, id: "two", day: 16_200, grid: b, value: 0.6)]
        let job = GapFillJob(block: "T33TVL", inputs: inputs, settings: Self.settings())
        #expect {
            try job.run(into: dir.appendingPathComponent("out"), requestId: "r", isCancelled: { false })
        } throws: { error in
            "\(error)".contains(inputs[1].ndviPath) && "\(error)".contains("not on the expected grid")
        }
    }

    @Test func noClearObservationAtAllGivesNodataAndASingleDateWorks() throws {
        let dir = Fixtures.temporaryDirectory("gapempty")
        defer { try? FileManager.default.removeItem(at: dir) }
        let grid = RasterGrid(crsWKT: Self.wkt, geoTransform: [465_180, 30, 0, 5_080_260, 0, -30], width: 34, height: 34)
        // All cloudy (NaN) on two dates: nothing to fill from; one clear date alone: kept.
        let cloudy = [try Self.ndvi(dir, id: "a", day: 16_100, grid: grid, value: .nan),
                      try Self.ndvi(dir, id: "b", day: 16_200, grid: grid, value: .nan)]
        let out = dir.appendingPathComponent("out")
        let result = try GapFillJob(block: "T33TVL", inputs: cloudy, settings: Self.settings())
            .run(into: out, requestId: "r", isCancelled: { false })
        #expect(result.filled == 0 && result.observed == 0 && result.unfilled > 0)
        let reader = try WindowReader(path: out.appendingPathComponent("a.tif").path)
        #expect(try reader.rows(0..<34, band: 2).allSatisfy(\.isNaN))
        let single = try GapFillJob(block: "T33TVL", inputs: [try Self.ndvi(dir, id: "c", day: 16_300, grid: grid, value: 0.4)],
                                    settings: Self.settings()).run(into: dir.appendingPathComponent("one"), requestId: "r", isCancelled: { false })
        #expect(single.dates == 1 && single.observed > 0 && single.filled == 0)
        #expect { try GapFillJob(block: "B", inputs: [], settings: Self.settings()).run(into: out, requestId: "r", isCancelled: { false }) }
            throws: { "\($0)".contains("no NDVI image") }
    }

    @Test("evaluate-fill scores every method on the sample series; the default beats the seed cascade; --json has the keys")
    func evaluateFillOnTheSamples() async throws {
        let dir = Fixtures.temporaryDirectory("evalfill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await VerdantProcess.run(["evaluate-fill", "--withheld", "samples/series/withheld.csv", "--json"], in: dir,
                                                  cwd: Fixtures.repositoryRoot)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["method"] as? String } == ["harmonic-residual", "linear", "seed"])
        for row in rows { #expect(Set(row.keys) == ["method", "n", "rmse", "mae", "medae", "p95", "bias"]) }
        let rmse = Dictionary(uniqueKeysWithValues: rows.map { ($0["method"] as! String, $0["rmse"] as! Double) })
        let mae = Dictionary(uniqueKeysWithValues: rows.map { ($0["method"] as! String, $0["mae"] as! Double) })
        #expect(rmse["harmonic-residual"]! <= 0.100 && mae["harmonic-residual"]! <= 0.075, "\(rows)")
        #expect(rmse["seed"]! > 0.15 && rmse["harmonic-residual"]! < rmse["linear"]!)
        #expect(rows.allSatisfy { $0["n"] as? Int == 18_682 })
    }

    @Test func aBadWithheldLineIsNamedWithExitCodeTwo() async throws {
        let dir = Fixtures.temporaryDirectory("evalbad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("w.csv")
        try "date_index,row,col,ndvi\n3,10,10,0.5\n3,101,10,0.5\n".write(to: csv, atomically: true, encoding: .utf8)
        let result = try await VerdantProcess.run(["evaluate-fill", "--withheld", csv.path], in: dir, cwd: Fixtures.repositoryRoot)
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(csv.path):3: row: expected a whole number from 0 to 100"), "\(result.stderr)")
    }
}
