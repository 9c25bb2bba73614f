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

    /// Every item reachable from `path`, and a failure for each item that cannot be read.
    /// Throws only when `path` itself cannot be read as a catalog (missing, not JSON, not a
    /// STAC type). `coefNormalisation` gives assets without `raster:bands` their scale.
    public static func load(path: String, coefNormalisation: Double) throws -> Listing {
        var reader = Reader(coef: coefNormalisation)
        let root = URL(fileURLWithPath: path).standardizedFileURL.path
        try reader.collect(root, object: try readObject(root))
        let items = reader.items.sorted { ($0.datetime, $0.id) < ($1.datetime, $1.id) }
        return Listing(items: items, failures: reader.failures)
    }

    /// One item file (what a local job reads back from `ImageRecord.source`).
    /// One item: the file itself, or the feature `id` of an ItemCollection file (what catalog
    /// items listed from a collection record as their source).
    public static func loadItem(path: String, id: String? = nil, coefNormalisation: Double) throws -> CatalogItem {
        var object = try readObject(path)
        if object["type"] as? String == "FeatureCollection", let id {
            let features = object["features"] as? [[String: Any]] ?? []
            guard let feature = features.first(where: { $0["id"] as? String == id }) else {
                throw Error(file: path, problem: "no feature with id \(id) in this ItemCollection")
            }
            object = feature
        }
        return try item(object, file: path, coefNormalisation: coefNormalisation)
    }

    /// An item object read from `file` (which names it in errors and resolves relative hrefs).
    public static func item(_ object: [String: Any], file path: String, coefNormalisation: Double) throws -> CatalogItem {
        do {
            return try StacItemParser(file: path, coef: coefNormalisation).parse(object)
        } catch {
            let parts = [error.id.map { "item \($0)" }, error.field, error.text]
            throw Error(file: path, problem: parts.compactMap { $0 }.joined(separator: ": "))
        }
    }

    /// Walks a catalog, keeping what it reads and what it cannot.
    struct Reader {
        let coef: Double
        var items: [CatalogItem] = []
        var failures: [ItemFailure] = []
        var visited: Set<String> = []

        /// `object` is the content of `path`; a problem with it is thrown, the caller decides
        /// whether that refuses the catalog (the root) or fails one link.
        mutating func collect(_ path: String, object: [String: Any]) throws(Error) {
            guard visited.insert(path).inserted else { return }
            let type = object["type"] as? String
            switch type {
            case "Catalog", "Collection":
                let links = object["links"] as? [Any] ?? []
                for (index, element) in links.enumerated() {
                    follow(element, position: "links[\(index)]", of: path)
                }
            case "FeatureCollection":
                guard let features = object["features"] as? [Any] else {
                    throw Error(file: path, problem: "expected a `features` array in the ItemCollection")
                }
                for (index, feature) in features.enumerated() {
                    add(feature, file: path, position: "features[\(index)]", linkedFrom: nil)
                }
            case "Feature":
                add(object, file: path, position: nil, linkedFrom: nil)
            default:
                throw Error(file: path, problem: "expected a STAC Catalog, Collection, ItemCollection or Item, found type \(type.map { "\"\($0)\"" } ?? "none")")
            }
        }

        /// An `item` link becomes an item or a failure; a `child` link a sub-catalog or a
        /// failure; other links (self, root, parent, license …) are not followed.
        mutating func follow(_ element: Any, position: String, of catalog: String) {
            guard let link = element as? [String: Any] else {
                failures.append(ItemFailure(file: catalog, position: position, problem: "expected a link object, found \(StacItemParser.describe(element))"))
                return
            }
            guard let rel = link["rel"] as? String, rel == "item" || rel == "child" else { return }
            guard let href = link["href"] as? String, !href.isEmpty else {
                failures.append(ItemFailure(file: catalog, position: position, field: "href",
                                            problem: "expected the path of the \(rel), found \(StacItemParser.describe(link["href"]))"))
                return
            }
            let target = resolve(href, against: catalog)
            do {
                let object = try readObject(target)
                if rel == "item" {
                    add(object, file: target, position: position, linkedFrom: catalog)
                } else {
                    try collect(target, object: object)
                }
            } catch {
                failures.append(ItemFailure(file: target, position: position, linkedFrom: catalog, problem: error.problem))
            }
        }

        mutating func add(_ element: Any, file: String, position: String?, linkedFrom: String?) {
            guard let object = element as? [String: Any] else {
                failures.append(ItemFailure(file: file, position: position, linkedFrom: linkedFrom,
                                            problem: "expected a STAC item object, found \(StacItemParser.describe(element))"))
                return
            }
            do {
                items.append(try StacItemParser(file: file, coef: coef).parse(object))
            } catch {
                failures.append(ItemFailure(file: file, position: position, linkedFrom: linkedFrom, field: error.field,
                                            id: error.id, datetime: error.datetime, problem: error.text))
            }
        }
    }

    static func readObject(_ path: String) throws(Error) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error(file: path, problem: "cannot read the file (missing or unreadable)")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Error(file: path, problem: "expected JSON: \(jsonErrorText(error, in: data))")
        }
        guard let object = json as? [String: Any] else {
            throw Error(file: path, problem: "expected a JSON object, found \(StacItemParser.describe(json))")
        }
        return object
    }

    /// Foundation tells where JSON breaks as a character offset; a line and column find it in
    /// an editor.
    static func jsonErrorText(_ error: Swift.Error, in data: Data) -> String {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        guard let range = detail.range(of: #"character \d+"#, options: .regularExpression),
              let offset = Int(detail[range].dropFirst("character ".count)), offset <= data.count else { return detail }
        let before = data.prefix(offset)
        let line = before.count { $0 == UInt8(ascii: "\n") } + 1
        let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "\(detail) (line \(line), column \(column))"
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
