import Foundation
import VerdantCore

/// Turns one STAC item object into a `CatalogItem`, naming the file and field on any problem.
struct StacItemParser {
    let file: String
    let coef: Double

    /// Asset keys and `eo:bands` names seen in the wild (Planetary Computer B01…, Earth Search
    /// common names) mapped to verdant's band names.
    static let bandAliases: [String: String] = {
        var map: [String: String] = [:]
        for band in sentinel2Bands {
            map[band.lowercased()] = band
            if band.count == 2 { map["b0" + band.dropFirst()] = band }  // B1 -> B01
        }
        let common = ["coastal": "B1", "blue": "B2", "green": "B3", "red": "B4", "rededge1": "B5",
                      "rededge2": "B6", "rededge3": "B7", "nir": "B8", "nir08": "B8A", "nir09": "B9",
                      "cirrus": "B10", "swir16": "B11", "swir22": "B12"]
        map.merge(common) { a, _ in a }
        return map
    }()

    /// What is wrong with an item: the field, and the id and datetime when they were read
    /// before the problem, so the image can still be recorded as failed.
    struct Problem: Error {
        var field: String?
        var id: String?
        var datetime: Date?
        var text: String
    }

    func parse(_ object: [String: Any]) throws(Problem) -> CatalogItem {
        guard let id = object["id"] as? String, !id.isEmpty else {
            throw Problem(field: "id", text: "expected a non-empty string, found \(Self.describe(object["id"]))")
        }
        // The id names the output folder: it must stay one path component inside it. Not passed
        // on as the item's id, for the same reason.
        guard !id.contains("/"), !id.hasPrefix("."), !id.contains("\0") else {
            throw Problem(field: "id", text: "expected an id without '/' that does not start with '.', found \"\(id)\"")
        }
        guard let properties = object["properties"] as? [String: Any] else {
            throw Problem(field: "properties", id: id, text: "expected an object, found \(Self.describe(object["properties"]))")
        }
        let datetimeField = properties["datetime"] is String || properties["start_datetime"] == nil ? "datetime" : "start_datetime"
        guard let datetimeText = properties[datetimeField] as? String, let datetime = Self.parseDate(datetimeText) else {
            throw Problem(field: "properties.\(datetimeField)", id: id,
                          text: "expected an RFC 3339 date-time, found \(Self.describe(properties[datetimeField]))")
        }
        let end = (properties["end_datetime"] as? String).flatMap(Self.parseDate) ?? datetime
        guard let geometry = object["geometry"] as? [String: Any], geometry["type"] is String, geometry["coordinates"] is [Any] else {
            throw Problem(field: "geometry", id: id, datetime: datetime,
                          text: "expected a GeoJSON geometry with `type` and `coordinates` (the footprint), found \(Self.describe(object["geometry"]))")
        }
        guard let geometryJSON = try? JSONSerialization.data(withJSONObject: geometry, options: [.sortedKeys]) else {
            throw Problem(field: "geometry", id: id, datetime: datetime, text: "expected a geometry that can be written back as JSON")
        }
        let footprint = String(decoding: geometryJSON, as: UTF8.self)
        // Baseline 04.00 and later add 1000 to every DN (seed-algorithm.md §1): the job applies
        // the offset the item declares, or the rule of `mask.radiometric_offset`.
        let baselineValue = properties["s2:processing_baseline"]
        let baseline = (baselineValue as? String).flatMap(Double.init) ?? (baselineValue as? NSNumber)?.doubleValue
        var bands: [String: BandAsset] = [:], others: [String: BandAsset] = [:]
        let assets = object["assets"] as? [String: [String: Any]] ?? [:]
        // A collection verdant has a table for is read by its table (CDSE's `B02_10m` and
        // `B02_20m`: the native one); any other by the usual names.
        let table = BandTable.matching(named: properties[BandTable.itemProperty] as? String,
                                       collection: object["collection"] as? String, assetKeys: Set(assets.keys))
        let bandOfKey = Dictionary(table?.bands.map { ($1, $0) } ?? [], uniquingKeysWith: { a, _ in a })
        let nameOfKey = Dictionary(table?.assets.map { ($1, $0) } ?? [], uniquingKeysWith: { a, _ in a })
        for (key, value) in assets {
            guard let href = value["href"] as? String else { continue }
            let raster = (value["raster:bands"] as? [[String: Any]])?.first ?? [:]
            let declared = (raster["offset"] as? NSNumber)?.doubleValue
            let nodata = (raster["nodata"] as? NSNumber)?.doubleValue
            let band = table != nil ? bandOfKey[key] : bandName(key: key, asset: value)
            // A band without raster:bands scale is DN / COEF_NORMALISATION; other assets are as they are.
            let scale = (raster["scale"] as? NSNumber)?.doubleValue ?? (band != nil ? 1 / coef : 1)
            let asset = BandAsset(path: StacCatalog.resolve(href, against: file), scale: scale, offset: declared ?? 0,
                                  nodata: nodata, offsetDeclared: declared != nil)
            if let band { bands[band] = asset } else {
                others[key.lowercased()] = asset
                if let name = nameOfKey[key] { others[name.lowercased()] = asset }
            }
        }
        var item = CatalogItem(id: id, datetime: datetime, endDatetime: end, footprint: footprint,
                               tile: Self.tile(properties) ?? Self.tile(fromId: id) ?? "",
                               cloudCover: (properties["eo:cloud_cover"] as? NSNumber)?.doubleValue,
                               itemPath: file, bands: bands)
        item.otherAssets = others
        item.processingBaseline = baseline
        item.bandTable = table?.name
        return item
    }

    func bandName(key: String, asset: [String: Any]) -> String? {
        if let name = Self.bandAliases[key.lowercased()] { return name }
        if let eo = (asset["eo:bands"] as? [[String: Any]])?.first, let name = eo["name"] as? String {
            return Self.bandAliases[name.lowercased()]
        }
        return nil
    }

    /// A JSON value in a few words, for "found …".
    static func describe(_ value: Any?) -> String {
        switch value {
        case nil: return "none"
        case is NSNull: return "null"
        case let text as String: return "\"\(text)\""
        case let number as NSNumber: return "\(number)"
        case let object as [String: Any]: return "an object with keys \(object.keys.sorted().joined(separator: ", "))"
        case is [Any]: return "an array"
        default: return "\(value!)"
        }
    }

    static func tile(_ p: [String: Any]) -> String? {
        if let t = p["s2:mgrs_tile"] as? String { return t }
        if let zone = p["mgrs:utm_zone"] as? NSNumber, let band = p["mgrs:latitude_band"] as? String,
           let square = p["mgrs:grid_square"] as? String {
            return "\(zone)\(band)\(square)"
        }
        return nil
    }

    /// Earth Engine ids end in `_T33UUU`.
    static func tile(fromId id: String) -> String? {
        guard let last = id.split(separator: "_").last, last.count == 6, last.first == "T" else { return nil }
        return String(last.dropFirst())
    }

    static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let d = plain.date(from: text) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
