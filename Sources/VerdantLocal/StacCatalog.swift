import Foundation
import VerdantCore

/// Reads a local static STAC catalog: a `catalog.json` whose `item` (and `child`) links lead to
/// Sentinel-2 items, or an ItemCollection / FeatureCollection `.json`/`.geojson` file.
public enum StacCatalog {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let file: String
        public let problem: String
        public var description: String { "\(file): \(problem)" }
    }

    /// Every item reachable from `path`, sorted by acquisition time then id.
    /// `coefNormalisation` gives assets without `raster:bands` their scale (DN / coefficient).
    public static func load(path: String, coefNormalisation: Double) throws -> [CatalogItem] {
        var items: [CatalogItem] = []
        var visited: Set<String> = []
        try collect(path: URL(fileURLWithPath: path).standardizedFileURL.path, into: &items,
                    visited: &visited, coef: coefNormalisation)
        return items.sorted { ($0.datetime, $0.id) < ($1.datetime, $1.id) }
    }

    /// One item file (what a local job reads back from `ImageRecord.source`).
    public static func loadItem(path: String, coefNormalisation: Double) throws -> CatalogItem {
        let object = try readObject(path)
        return try StacItemParser(file: path, coef: coefNormalisation).parse(object)
    }

    static func collect(path: String, into items: inout [CatalogItem], visited: inout Set<String>, coef: Double) throws {
        guard visited.insert(path).inserted else { return }
        let object = try readObject(path)
        let type = object["type"] as? String
        switch type {
        case "Catalog", "Collection":
            let links = object["links"] as? [[String: Any]] ?? []
            for link in links {
                guard let rel = link["rel"] as? String, rel == "item" || rel == "child",
                      let href = link["href"] as? String else { continue }
                let target = resolve(href, against: path)
                if rel == "item" {
                    items.append(try StacItemParser(file: target, coef: coef).parse(try readObject(target)))
                } else {
                    try collect(path: target, into: &items, visited: &visited, coef: coef)
                }
            }
        case "FeatureCollection":
            guard let features = object["features"] as? [[String: Any]] else {
                throw Error(file: path, problem: "expected a `features` array in the ItemCollection")
            }
            let parser = StacItemParser(file: path, coef: coef)
            items += try features.map { try parser.parse($0) }
        case "Feature":
            items.append(try StacItemParser(file: path, coef: coef).parse(object))
        default:
            throw Error(file: path, problem: "expected a STAC Catalog, Collection, ItemCollection or Item, found type \(type.map { "\"\($0)\"" } ?? "none")")
        }
    }

    static func readObject(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error(file: path, problem: "cannot read the file (missing or unreadable)")
        }
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Error(file: path, problem: "expected a JSON object")
            }
            return object
        } catch let e as Error {
            throw e
        } catch {
            throw Error(file: path, problem: "expected JSON: \(error.localizedDescription)")
        }
    }

    /// Relative hrefs are relative to the file holding them; remote ones go through GDAL's curl.
    static func resolve(_ href: String, against file: String) -> String {
        if href.hasPrefix("http://") || href.hasPrefix("https://") { return "/vsicurl/" + href }
        if href.hasPrefix("s3://") { return "/vsis3/" + href.dropFirst(5) }
        if href.hasPrefix("file://") { return String(href.dropFirst(7)) }
        if href.hasPrefix("/") { return href }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(href).standardizedFileURL.path
    }
}
