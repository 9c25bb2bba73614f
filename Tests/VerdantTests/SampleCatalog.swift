import Foundation
import VerdantLocal

/// The committed sample catalog (samples/catalog), read just enough for tests. The real STAC
/// reader lives in VerdantLocal's catalog; this keeps these tests independent of it.
enum SampleCatalog {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let samples = repositoryRoot.appendingPathComponent("samples")
    static let landPath = samples.appendingPathComponent("land.geojson").path

    static let berlinID = "20170216T102101_20170216T102204_T33UUU"
    /// t02, thick cloud over the whole patch.
    static let cloudyID = "20150820T100728_20150820T100728_T33TVL"
    /// t00, t03, t04: clear.
    static let clearIDs = ["20150711T100008_20150711T100008_T33TVL", "20150830T100547_20150830T100547_T33TVL",
                           "20150909T100017_20150909T100017_T33TVL"]
    static var sloveniaIDs: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: samples.appendingPathComponent("catalog").path))?
            .filter { $0.hasSuffix("_T33TVL") }.sorted() ?? []
    }

    static func itemDirectory(_ id: String) -> URL {
        samples.appendingPathComponent("catalog").appendingPathComponent(id)
    }

    static func bandPath(_ id: String, _ assetKey: String) -> String {
        itemDirectory(id).appendingPathComponent("\(assetKey).tif").path
    }

    static func json(_ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: itemDirectory(id).appendingPathComponent("\(id).json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func footprint(_ id: String) throws -> String {
        let geometry = try json(id)["geometry"]!
        return String(decoding: try JSONSerialization.data(withJSONObject: geometry), as: UTF8.self)
    }

    /// Asset keys B01 … B12, B8A become the engine's band names B1 … B12, B8A.
    static func item(_ id: String) throws -> CatalogItem {
        let object = try json(id)
        let properties = object["properties"] as! [String: Any]
        let date = ISO8601DateFormatter().date(from: properties["datetime"] as! String)!
        var bands: [String: BandAsset] = [:]
        for (key, value) in object["assets"] as! [String: Any] {
            let asset = value as! [String: Any]
            let raster = (asset["raster:bands"] as! [[String: Any]])[0]
            let name = key.hasPrefix("B0") ? "B" + key.dropFirst(2) : key
            let href = (asset["href"] as! String).replacingOccurrences(of: "./", with: "")
            bands[name] = BandAsset(path: itemDirectory(id).appendingPathComponent(href).path,
                                    scale: raster["scale"] as! Double, offset: raster["offset"] as! Double,
                                    nodata: raster["nodata"] as? Double)
        }
        return CatalogItem(id: id, datetime: date, endDatetime: date, footprint: try footprint(id),
                           tile: properties["s2:mgrs_tile"] as! String,
                           cloudCover: properties["eo:cloud_cover"] as? Double,
                           itemPath: itemDirectory(id).appendingPathComponent("\(id).json").path, bands: bands)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
