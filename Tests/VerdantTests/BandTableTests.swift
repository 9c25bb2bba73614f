import Foundation
import Testing
import VerdantCore
@testable import VerdantLocal

@Suite("band tables of collections/")
struct BandTableTests {
    @Test("each compiled-in table is its file in collections/, and every file is compiled in")
    func compiledTablesAreTheFiles() throws {
        let folder = Fixtures.repositoryRoot.appendingPathComponent("collections")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(BuiltInBandTables.texts.map(\.file) == files.map { "collections/" + $0 },
                "run scripts/compile-band-tables.sh after adding or removing a table")
        for (file, compiled) in BuiltInBandTables.texts {
            let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            #expect(text == compiled + "\n", "\(file) differs from its compiled text: run scripts/compile-band-tables.sh")
        }
        #expect(BandTable.builtIn.count == files.count)
        for table in BandTable.builtIn {
            #expect(files.contains(table.name + ".toml"), "\(table.name): name is not its file's")
            #expect(table.bands.count >= 12, "\(table.name): \(table.bands.count) bands")
        }
    }

    @Test("a malformed table names the file and the key")
    func malformedTable() {
        #expect(throws: BandTable.Error.self) { try BandTable.parse("name = \"x\"\napi = \"\"\ncollection = \"c\"\nlevel = \"L3\"\n[bands]\n[assets]\n", file: "x.toml") }
        do {
            _ = try BandTable.parse("name = \"x\"\napi = \"\"\ncollection = \"c\"\nlevel = \"L1C\"\n[bands]\nB13 = \"b\"\n[assets]\n", file: "x.toml")
            Issue.record("an unknown band was taken")
        } catch {
            #expect(error.description.hasPrefix("x.toml: bands.B13: expected a Sentinel-2 band"), "\(error)")
        }
    }

    /// A CDSE Level-2A item: every band at 10, 20 and 60 m, SCL at 20 and 60 m.
    static func cdseItem() -> [String: Any] {
        var assets: [String: Any] = [:]
        for band in ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12", "SCL"] {
            for resolution in ["10m", "20m", "60m"] {
                assets["\(band)_\(resolution)"] = ["href": "s3://eodata/Sentinel-2/MSI/L2A/2024/T33UVR_\(band)_\(resolution).jp2",
                                                   "raster:bands": [["scale": 0.0001, "offset": -0.1, "nodata": 0]]]
            }
        }
        return ["type": "Feature", "id": "S2A_MSIL2A_20240308T100841_N0510_R022_T33UVR_20240308T143352", "collection": "sentinel-2-l2a",
                "geometry": ["type": "Polygon", "coordinates": [[[13.5, 50.5], [15.1, 50.5], [15.1, 49.5], [13.5, 49.5], [13.5, 50.5]]]],
                "properties": ["datetime": "2024-03-08T10:08:41.024Z", "s2:processing_baseline": "05.10"], "assets": assets]
    }

    @Test("a CDSE Level-2A item is read by its table: each band at its native resolution, SCL as scl, s3 hrefs through /vsis3/")
    func cdseLevelTwoA() throws {
        let dir = Fixtures.temporaryDirectory("band-table")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("item.json")
        try JSONSerialization.data(withJSONObject: Self.cdseItem()).write(to: file)
        let item = try StacCatalog.loadItem(path: file.path, coefNormalisation: 10000)
        #expect(item.bandTable == "cdse-sentinel-2-l2a")
        #expect(item.bands["B2"]?.path == "/vsis3/eodata/Sentinel-2/MSI/L2A/2024/T33UVR_B02_10m.jp2")
        #expect(item.bands["B5"]?.path.hasSuffix("B05_20m.jp2") == true && item.bands["B1"]?.path.hasSuffix("B01_60m.jp2") == true)
        #expect(item.bands.count == 12 && item.otherAssets["scl"]?.path.hasSuffix("SCL_20m.jp2") == true)
        // The offset the asset declares is the one applied, once, whatever the baseline says.
        let b4 = try #require(item.bands["B4"])
        #expect(b4.offset(under: .auto, baseline: item.processingBaseline, acquired: item.datetime) == -0.1)

        // The same id and keys under a collection of another name: no table, the usual names
        // (B02_10m is none of them), so no band is taken for a wrong one.
        var other = Self.cdseItem()
        other["collection"] = "my-collection"
        try JSONSerialization.data(withJSONObject: other).write(to: file)
        let plain = try StacCatalog.loadItem(path: file.path, coefNormalisation: 10000)
        #expect(plain.bandTable == nil && plain.bands.isEmpty)
    }

    @Test("Level-2A tables refuse the models and name what serves; scl needs the asset; Level-1C serves every model")
    func refusals() throws {
        let cdse = try #require(BandTable.forAPI(root: "https://stac.dataspace.copernicus.eu/v1/", collection: "sentinel-2-l2a"))
        #expect(cdse.refusal(of: .seed, sclAsset: "scl", probabilityAsset: "cloud_probability")?.contains("Level-2A") == true)
        #expect(cdse.refusal(of: .hollstein, sclAsset: "scl", probabilityAsset: "cloud_probability")?.contains("use \"scl\"") == true)
        #expect(cdse.refusal(of: .scl, sclAsset: "scl", probabilityAsset: "cloud_probability") == nil)
        // As jobs find assets: by verdant's name or the collection's key, in any case.
        #expect(cdse.refusal(of: .scl, sclAsset: "SCL_20m", probabilityAsset: "cloud_probability") == nil)
        #expect(cdse.refusal(of: .scl, sclAsset: "SCL", probabilityAsset: "cloud_probability") == nil)
        #expect(cdse.refusal(of: .scl, sclAsset: "classes", probabilityAsset: "cloud_probability") != nil)
        #expect(cdse.refusal(of: .probability, sclAsset: "scl", probabilityAsset: "cloud_probability")?.contains("no asset \"cloud_probability\"") == true)
        let safe = try #require(BandTable.builtIn.first { $0.name == "safe-msil2a" })
        #expect(safe.refusal(of: .probability, sclAsset: "scl", probabilityAsset: "cloud_probability") == nil)
        let l1c = try #require(BandTable.forAPI(root: "https://earth-search.aws.element84.com/v1", collection: "sentinel-2-l1c"))
        #expect(l1c.refusal(of: .seed, sclAsset: "scl", probabilityAsset: "cloud_probability") == nil)
        #expect(l1c.refusal(of: .hollstein, sclAsset: "scl", probabilityAsset: "cloud_probability") == nil)
        #expect(l1c.refusal(of: .scl, sclAsset: "scl", probabilityAsset: "cloud_probability") != nil)
        #expect(l1c.bands["B10"] == "cirrus" && l1c.level == .l1c)
    }
}
