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

    func parse(_ object: [String: Any]) throws -> CatalogItem {
        guard let id = object["id"] as? String, !id.isEmpty else { throw problem("item without an `id`") }
        // The id names the output folder: it must stay one path component inside it.
        guard !id.contains("/"), !id.hasPrefix("."), !id.contains("\0") else {
            throw problem("item id \"\(id)\": expected an id without '/' that does not start with '.'")
        }
        let properties = object["properties"] as? [String: Any] ?? [:]
        guard let datetimeText = properties["datetime"] as? String ?? properties["start_datetime"] as? String,
              let datetime = Self.parseDate(datetimeText) else {
            throw problem("item \(id): expected properties.datetime as an RFC 3339 date-time")
        }
        let end = (properties["end_datetime"] as? String).flatMap(Self.parseDate) ?? datetime
        guard let geometry = object["geometry"] as? [String: Any], geometry["coordinates"] != nil else {
            throw problem("item \(id): expected a `geometry` (the footprint)")
        }
        let footprint = String(decoding: try JSONSerialization.data(withJSONObject: geometry, options: [.sortedKeys]), as: UTF8.self)
        let baseline = (properties["s2:processing_baseline"] as? String).flatMap(Double.init)
        // Baseline 04.00 and later add 1000 to every DN (seed-algorithm.md §1).
        let defaultOffset = (baseline ?? 0) >= 4.0 ? -1000 / coef : 0
        var bands: [String: BandAsset] = [:]
        for (key, value) in object["assets"] as? [String: [String: Any]] ?? [:] {
            guard let band = bandName(key: key, asset: value), let href = value["href"] as? String else { continue }
            let raster = (value["raster:bands"] as? [[String: Any]])?.first ?? [:]
            let scale = (raster["scale"] as? NSNumber)?.doubleValue ?? 1 / coef
            let offset = (raster["offset"] as? NSNumber)?.doubleValue ?? defaultOffset
            let nodata = (raster["nodata"] as? NSNumber)?.doubleValue
            bands[band] = BandAsset(path: StacCatalog.resolve(href, against: file), scale: scale, offset: offset, nodata: nodata)
        }
        return CatalogItem(id: id, datetime: datetime, endDatetime: end, footprint: footprint,
                           tile: Self.tile(properties) ?? Self.tile(fromId: id) ?? "",
                           cloudCover: (properties["eo:cloud_cover"] as? NSNumber)?.doubleValue,
                           itemPath: file, bands: bands)
    }

    func bandName(key: String, asset: [String: Any]) -> String? {
        if let name = Self.bandAliases[key.lowercased()] { return name }
        if let eo = (asset["eo:bands"] as? [[String: Any]])?.first, let name = eo["name"] as? String {
            return Self.bandAliases[name.lowercased()]
        }
        return nil
    }

    func problem(_ text: String) -> StacCatalog.Error { StacCatalog.Error(file: file, problem: text) }

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
