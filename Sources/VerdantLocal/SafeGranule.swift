import Foundation
import VerdantCore
import VerdantRaster

/// One granule of a SAFE product as a STAC item: the shape every local job reads, so a SAFE
/// image is masked by the same code as any other. Bands are the granule's JPEG 2000 files at
/// their native resolution (found by the codes of the product type's band table), with the
/// product's quantification value and radiometric offsets as `raster:bands` scale and offset.
struct SafeGranule {
    let product: SentinelProduct
    let table: BandTable
    /// GDAL path of the product's root folder (`…/X.SAFE` or `/vsizip/…/X.zip/X.SAFE`).
    let root: String
    /// The granule's folder name under GRANULE/.
    let name: String
    /// Whether the product has several granules (then each one's footprint is cut to its tile).
    let shared: Bool

    struct Problem: Error { let id: String?; let datetime: Date?; let text: String }

    /// Sentinel-2 bands in the order of the product XML's `band_id`.
    static let bandIds = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]

    func item() throws(Problem) -> [String: Any] {
        let metadata = product.metadata
        guard let startText = metadata["PRODUCT_START_TIME"], let start = StacItemParser.parseDate(startText) else {
            throw Problem(id: nil, datetime: nil, text: "PRODUCT_START_TIME: expected a date-time in the product metadata, found \(metadata["PRODUCT_START_TIME"].map { "\"\($0)\"" } ?? "none")")
        }
        let parts = name.split(separator: "_").map(String.init)
        guard let tileCode = parts.first(where: { $0.count == 6 && $0.first == "T" && $0.dropFirst().prefix(2).allSatisfy(\.isNumber) }) else {
            throw Problem(id: nil, datetime: start, text: "GRANULE/\(name): expected a granule folder naming its tile (T33UUU)")
        }
        // Earth Engine's ids: the datatake's start, the granule's sensing time, the tile.
        let granuleTime = Self.compactTime(parts.last ?? "") ?? sensingTime() ?? Self.format(start)
        let id = "\(Self.format(start))_\(granuleTime)_\(tileCode)"
        let folder = root + "/GRANULE/" + name
        let files = SentinelProduct.files(under: folder).filter { $0.lowercased().hasSuffix(".jp2") }
        // Bands only under IMG_DATA/: QI_DATA's masks end in a band code too (MSK_DETFOO_B03).
        let imageFiles = files.filter { $0.hasPrefix("IMG_DATA/") || $0.contains("/IMG_DATA/") }
        func file(_ code: String, in files: [String]) -> String? {
            files.first { path in
                let stem = String((path as NSString).lastPathComponent.dropLast(4))
                return stem == code || stem.hasSuffix("_" + code)
            }.map { folder + "/" + $0 }
        }
        let quantification = Double(metadata["QUANTIFICATION_VALUE"] ?? metadata["BOA_QUANTIFICATION_VALUE"] ?? "") ?? 10000
        var assets: [String: Any] = [:]
        for (band, code) in table.bands {
            guard let path = file(code, in: imageFiles) else { continue }
            var raster: [String: Any] = ["nodata": 0, "scale": 1 / quantification]
            if let index = Self.bandIds.firstIndex(of: band), let offset = product.offsets[index] {
                raster["offset"] = offset / quantification
            }
            assets[code] = ["href": path, "type": "image/jp2", "roles": ["data"], "raster:bands": [raster]]
        }
        guard !assets.isEmpty else {
            throw Problem(id: id, datetime: start, text: "GRANULE/\(name): no band files (\(table.bands.values.sorted().joined(separator: ", ")) ending a .jp2 name)")
        }
        for (name, code) in table.assets {
            if let path = file(code, in: files) {
                // SCL's class 0 is "no data"; a cloud probability of 0 % is a value, the commonest.
                let raster: [String: Any] = name == "scl" ? ["nodata": 0] : [:]
                assets[code] = ["href": path, "type": "image/jp2", "roles": ["data"], "raster:bands": [raster]]
            }
        }
        let reference = table.bands["B2"].flatMap { file($0, in: imageFiles) }
        let footprint: String
        do { footprint = try product.footprintGeoJSON(within: shared ? reference : nil) } catch {
            throw Problem(id: id, datetime: start, text: error.problem)
        }
        // The table by name: a granule missing a band file is still read by it (and its job
        // fails naming that band) rather than by the usual names, which match none of its keys.
        var properties: [String: Any] = ["datetime": startText, "s2:mgrs_tile": String(tileCode.dropFirst()),
                                         "verdant:product": root, BandTable.itemProperty: table.name]
        if let cloud = metadata["CLOUD_COVERAGE_ASSESSMENT"].flatMap(Double.init) { properties["eo:cloud_cover"] = cloud }
        if let baseline = metadata["PROCESSING_BASELINE"] { properties["s2:processing_baseline"] = baseline }
        let geometry = (try? JSONSerialization.jsonObject(with: Data(footprint.utf8))) ?? [:]
        return ["type": "Feature", "stac_version": "1.0.0", "id": id, "collection": table.collection,
                "geometry": geometry, "properties": properties, "assets": assets, "links": []]
    }

    /// The granule's sensing time from its MTD_TL.xml (products before the compact naming).
    func sensingTime() -> String? {
        let folder = root + "/GRANULE/" + name
        guard let file = SentinelProduct.entries(of: folder).first(where: { $0.hasSuffix(".xml") }) else { return nil }
        let level = table.level == .l1c ? "Level-1C_Tile_ID" : "Level-2A_Tile_ID"
        return SentinelProduct.xmlValue(file: folder + "/" + file, path: level + ".General_Info.SENSING_TIME")
            .flatMap(StacItemParser.parseDate).map(Self.format)
    }

    /// `20170216T102204` when `text` is one.
    static func compactTime(_ text: String) -> String? {
        text.count == 15 && text.dropFirst(8).first == "T" && text.replacingOccurrences(of: "T", with: "").allSatisfy(\.isNumber) ? text : nil
    }

    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return formatter.string(from: date)
    }
}
