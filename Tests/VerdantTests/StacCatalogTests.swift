import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantStore

@Suite("STAC catalog and discovery")
struct StacCatalogTests {
    let catalogPath = Fixtures.repositoryRoot.appendingPathComponent("samples/catalog/catalog.json").path

    @Test("the sample catalog: 11 items in time order, 13 band assets each, files that exist")
    func sampleCatalog() throws {
        let items = try StacCatalog.load(path: catalogPath, coefNormalisation: 10000)
        #expect(items.count == 11)
        #expect(items.map(\.datetime) == items.map(\.datetime).sorted())
        for item in items {
            #expect(Set(item.bands.keys) == Set(sentinel2Bands), "\(item.id)")
            for band in item.bands.values {
                #expect(FileManager.default.fileExists(atPath: band.path), "\(band.path)")
                #expect(abs(band.scale - 0.0001) < 1e-12)
            }
            #expect(item.id.hasSuffix("_T" + item.tile))
        }
        #expect(items.filter { $0.tile == "33UUU" }.count == 1)
    }

    @Test("an ItemCollection with common band names, raster:bands and a baseline-04 offset")
    func itemCollection() throws {
        let dir = Fixtures.temporaryDirectory("stac")
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = """
        {"type": "FeatureCollection", "features": [
          {"type": "Feature", "id": "S2B_MSIL1C_20220601", "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1],[0,0]]]},
           "properties": {"datetime": "2022-06-01T10:30:00.123Z", "mgrs:utm_zone": 31, "mgrs:latitude_band": "N", "mgrs:grid_square": "AA",
                          "eo:cloud_cover": 12.5, "s2:processing_baseline": "04.00"},
           "assets": {"red": {"href": "red.tif"}, "nir08": {"href": "https://example.org/nir.tif"},
                      "thumbnail": {"href": "t.jpg"},
                      "swir16": {"href": "/data/b11.tif", "raster:bands": [{"scale": 0.0002, "offset": -0.1, "nodata": 0}]}}}
        ]}
        """
        let path = dir.appendingPathComponent("items.geojson").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        let item = try #require(try StacCatalog.load(path: path, coefNormalisation: 10000).first)
        #expect(item.tile == "31NAA")
        #expect(item.cloudCover == 12.5)
        #expect(Set(item.bands.keys) == ["B4", "B8A", "B11"])
        #expect(item.bands["B4"]?.path == dir.appendingPathComponent("red.tif").standardizedFileURL.path)
        #expect(item.bands["B8A"]?.path == "/vsicurl/https://example.org/nir.tif")
        // Baseline 04.00: DN carry +1000, so the default offset is -1000/10000.
        #expect(abs((item.bands["B4"]?.offset ?? 0) + 0.1) < 1e-12)
        #expect(item.bands["B11"] == BandAsset(path: "/data/b11.tif", scale: 0.0002, offset: -0.1, nodata: 0))
    }

    @Test("a broken item names the file and the field")
    func brokenItem() throws {
        let dir = Fixtures.temporaryDirectory("stac")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("item.json").path
        try #"{"type": "Feature", "id": "x", "geometry": {"type":"Point","coordinates":[0,0]}, "properties": {"datetime": "yesterday"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try StacCatalog.load(path: path, coefNormalisation: 10000) } throws: { error in
            let text = String(describing: error)
            return text.contains(path) && text.contains("properties.datetime")
        }
        #expect { try StacCatalog.load(path: dir.appendingPathComponent("none.json").path, coefNormalisation: 10000) } throws: { error in
            String(describing: error).contains("none.json")
        }
    }
}
