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
        let listing = try StacCatalog.load(path: catalogPath, coefNormalisation: 10000)
        #expect(listing.failures.isEmpty, "\(listing.failures)")
        let items = listing.items
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
        let item = try #require(try StacCatalog.load(path: path, coefNormalisation: 10000).items.first)
        #expect(item.tile == "31NAA")
        #expect(item.cloudCover == 12.5)
        #expect(Set(item.bands.keys) == ["B4", "B8A", "B11"])
        #expect(item.bands["B4"]?.path == dir.appendingPathComponent("red.tif").standardizedFileURL.path)
        #expect(item.bands["B8A"]?.path == "/vsicurl/https://example.org/nir.tif")
        // Baseline 04.00: DN carry +1000, so the offset a job applies is -1000 × scale.
        #expect(item.processingBaseline == 4.0)
        #expect(abs((item.bands["B4"]?.offset(under: .auto, baseline: item.processingBaseline, acquired: item.datetime) ?? 0) + 0.1) < 1e-12)
        #expect(item.bands["B11"] == BandAsset(path: "/data/b11.tif", scale: 0.0002, offset: -0.1, nodata: 0, offsetDeclared: true))
    }

    @Test("a broken item file fails alone, naming the file and the field; a job reading it gets an error")
    func brokenItem() throws {
        let dir = Fixtures.temporaryDirectory("stac")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("item.json").path
        try #"{"type": "Feature", "id": "x", "geometry": {"type":"Point","coordinates":[0,0]}, "properties": {"datetime": "yesterday"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let listing = try StacCatalog.load(path: path, coefNormalisation: 10000)
        #expect(listing.items.isEmpty)
        #expect(listing.failures == [StacCatalog.ItemFailure(file: path, field: "properties.datetime", id: "x",
                                                             problem: #"expected an RFC 3339 date-time, found "yesterday""#)])
        #expect(listing.failures.first?.description == #"\#(path): item x: properties.datetime: expected an RFC 3339 date-time, found "yesterday""#)
        #expect { try StacCatalog.loadItem(path: path, coefNormalisation: 10000) } throws: { error in
            String(describing: error) == #"\#(path): item x: properties.datetime: expected an RFC 3339 date-time, found "yesterday""#
        }
        #expect { try StacCatalog.load(path: dir.appendingPathComponent("none.json").path, coefNormalisation: 10000) } throws: { error in
            String(describing: error).contains("none.json")
        }
    }

    static func feature(_ id: String, datetime: String? = "2022-06-01T10:30:00Z",
                        geometry: String = #"{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}"#) -> String {
        let properties = datetime.map { #"{"datetime": "\#($0)"}"# } ?? #"{"eo:cloud_cover": 3}"#
        return #"{"type": "Feature", "id": "\#(id)", "geometry": \#(geometry), "properties": \#(properties), "assets": {}}"#
    }

    @Test("an ItemCollection: bad items fail alone, named by file, position, field and id; the good ones load")
    func itemCollectionWithBadItems() throws {
        let dir = Fixtures.temporaryDirectory("stac")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("items.json").path
        let features = [
            Self.feature("good-1", datetime: "2022-06-02T10:30:00Z"),
            Self.feature("no-date", datetime: nil),
            Self.feature("bad-geometry", geometry: #""POLYGON((0 0, 1 0, 1 1, 0 0))""#),
            "42",
            Self.feature("good-2"),
        ]
        try #"{"type": "FeatureCollection", "features": [\#(features.joined(separator: ",\n"))]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let listing = try StacCatalog.load(path: path, coefNormalisation: 10000)
        #expect(listing.items.map(\.id) == ["good-2", "good-1"])  // in time order
        try #require(listing.failures.count == 3, "\(listing.failures)")
        let (noDate, badGeometry, notAnObject) = (listing.failures[0], listing.failures[1], listing.failures[2])
        #expect(noDate.file == path)
        #expect(noDate.position == "features[1]")
        #expect(noDate.id == "no-date")
        #expect(noDate.datetime == nil)
        #expect(noDate.field == "properties.datetime")
        #expect(noDate.description == "\(path): features[1] (item no-date): properties.datetime: expected an RFC 3339 date-time, found none")
        #expect(badGeometry.position == "features[2]")
        #expect(badGeometry.id == "bad-geometry")
        #expect(badGeometry.field == "geometry")
        #expect(badGeometry.datetime == ISO8601DateFormatter().date(from: "2022-06-01T10:30:00Z"))
        #expect(badGeometry.problem.hasSuffix(#"found "POLYGON((0 0, 1 0, 1 1, 0 0))""#))
        #expect(notAnObject.position == "features[3]")
        #expect(notAnObject.id == nil)
        #expect(notAnObject.problem == "expected a STAC item object, found 42")
    }

    @Test("a catalog.json linking an item file that is not JSON: one failure naming that file and its link")
    func catalogLinkingInvalidJSON() throws {
        let dir = Fixtures.temporaryDirectory("stac")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = dir.appendingPathComponent("catalog.json").path
        try Self.feature("good").write(toFile: dir.appendingPathComponent("good.json").path, atomically: true, encoding: .utf8)
        let broken = dir.appendingPathComponent("broken.json").path
        try "{\"type\": \"Feature\",\n  \"id\": }\n".write(toFile: broken, atomically: true, encoding: .utf8)
        try """
        {"type": "Catalog", "id": "c", "links": [
          {"rel": "self", "href": "./catalog.json"},
          {"rel": "item", "href": "./good.json"},
          {"rel": "item", "href": "./broken.json"}
        ]}
        """.write(toFile: catalog, atomically: true, encoding: .utf8)
        let listing = try StacCatalog.load(path: catalog, coefNormalisation: 10000)
        #expect(listing.items.map(\.id) == ["good"])
        try #require(listing.failures.count == 1, "\(listing.failures)")
        let failure = listing.failures[0]
        #expect(failure.file == broken)
        #expect(failure.position == "links[2]")
        #expect(failure.linkedFrom == catalog)
        #expect(failure.id == nil)
        // Foundation reports a character offset; the failure adds where that is in an editor.
        #expect(failure.problem.hasPrefix("expected JSON: "), "\(failure)")
        #expect(failure.problem.hasSuffix("(line 2, column 9)"), "\(failure)")
        #expect(failure.description.hasPrefix("\(broken) (links[2] of \(catalog)): expected JSON: "))
    }

    @Test("a root that is not a catalog still refuses the whole catalog")
    func unreadableRootThrows() throws {
        let dir = Fixtures.temporaryDirectory("stac")
        defer { try? FileManager.default.removeItem(at: dir) }
        let notJSON = dir.appendingPathComponent("catalog.json").path
        try "type: Catalog\n".write(toFile: notJSON, atomically: true, encoding: .utf8)
        let error = try #require(throws: StacCatalog.Error.self) { try StacCatalog.load(path: notJSON, coefNormalisation: 10000) }
        #expect(error.file == notJSON)
        #expect(error.problem.hasPrefix("expected JSON: "), "\(error)")

        let wrongType = dir.appendingPathComponent("other.json").path
        try #"{"type": "Topology", "objects": {}}"#.write(toFile: wrongType, atomically: true, encoding: .utf8)
        let typeError = try #require(throws: StacCatalog.Error.self) { try StacCatalog.load(path: wrongType, coefNormalisation: 10000) }
        #expect(typeError.problem == #"expected a STAC Catalog, Collection, ItemCollection or Item, found type "Topology""#)
    }
}
