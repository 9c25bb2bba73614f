import Foundation
import VerdantCore
import VerdantHTTP
import VerdantLocal

/// A STAC API as a `Catalog`: the search's items are recorded, each in a file of its own (what a
/// job reads back) and together in one ItemCollection named after the query (with the query
/// itself), which later commands list again without the network. A new search happens when the
/// query changes (dates, area, collections, cloud cover, the API) or when asked (`verdant
/// discover --refresh`). Another query's listing goes to another file, so a `check` with other
/// dates never rewrites what a running `run` reads.
public struct StacAPICatalog: Catalog {
    public let root: String
    public let collections: [String]
    public let maxCloudCover: Double?
    /// Where listings are recorded (`<output>/stac`).
    public let directory: String
    public let refresh: Bool
    public let coefNormalisation: Double
    let client: HTTPClient

    /// The record could not be written (the output folder, not the API).
    public struct RecordError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): the STAC listing cannot be recorded: \(reason)" }
    }

    public init(root: String, collections: [String], maxCloudCover: Double?, directory: String, refresh: Bool,
                coefNormalisation: Double, client: HTTPClient = HTTPClient()) {
        self.root = root; self.collections = collections; self.maxCloudCover = maxCloudCover; self.directory = directory
        self.refresh = refresh; self.coefNormalisation = coefNormalisation; self.client = client
    }

    /// The ItemCollection of a query's listing: `search-<digest of the query>.json`.
    public func recordPath(_ query: StacSearch.Query) -> String {
        let text = (try? JSONEncoder.sorted.encode(query)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        // FNV-1a, 64 bits: stable across runs and machines (Hasher is not).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return URL(fileURLWithPath: directory).appendingPathComponent("search-\(String(hash, radix: 16)).json").path
    }

    /// The file a job reads item `id` from.
    public func itemPath(_ id: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent("items").appendingPathComponent("\(id).json").path
    }

    /// The member of the recorded FeatureCollection that holds its query and time.
    static let recordKey = "verdant:search"

    public func query(for q: CatalogQuery) -> StacSearch.Query {
        StacSearch.Query(root: root, collections: collections,
                         datetime: "\(q.start)T00:00:00Z/\(q.end)T23:59:59Z", intersects: q.geometry, maxCloudCover: maxCloudCover)
    }

    public func list(_ q: CatalogQuery) async throws -> CatalogListing {
        let search = query(for: q)
        let path = recordPath(search)
        if !refresh, let recorded = Self.recorded(at: path), recorded.query == search {
            return try listing(q, path: path, note: "listed \(recorded.listed), recorded in \(path)")
        }
        let (features, pages) = try await StacSearch(client: client).run(search)
        try record(features, query: search, to: path)
        return try listing(q, path: path, note: "\(pages) page(s) listed now, recorded in \(path)")
    }

    /// The recorded ItemCollection read as the static catalog it is; each image's source is
    /// its own item file.
    func listing(_ q: CatalogQuery, path: String, note: String) throws -> CatalogListing {
        var listing = try LocalCatalog(path: path, coefNormalisation: coefNormalisation).list(q)
        listing.source = "STAC API \(Redaction.url(root)) (collections \(collections.joined(separator: ", ")); \(note))"
        for i in listing.images.indices { listing.images[i].source = itemPath(listing.images[i].id) }
        return listing
    }

    struct Recorded { var query: StacSearch.Query; var listed: String }

    static func recorded(at path: String) -> Recorded? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let search = object[recordKey] as? [String: Any], let listed = search["listed"] as? String,
              let queryObject = search["query"],
              let queryData = try? JSONSerialization.data(withJSONObject: queryObject),
              let query = try? JSONDecoder().decode(StacSearch.Query.self, from: queryData) else { return nil }
        return Recorded(query: query, listed: listed)
    }

    /// Each item to its own file, then the collection: every file written whole to a temporary
    /// name, flushed and renamed, so a crash leaves an old listing or the new one, never half
    /// of one, and a recorded collection's items are all there. Relative asset hrefs are made
    /// absolute against the item's `self` link, else the API's root.
    func record(_ features: [[String: Any]], query: StacSearch.Query, to path: String) throws {
        let features = features.map { Self.absolute($0, root: root) }
        for feature in features {
            guard let id = feature["id"] as? String, !id.isEmpty, !id.contains("/"), !id.hasPrefix(".") else { continue }
            try Self.write(try JSONSerialization.data(withJSONObject: feature, options: [.sortedKeys]), to: itemPath(id))
        }
        let queryObject = try JSONSerialization.jsonObject(with: JSONEncoder.sorted.encode(query))
        let collection: [String: Any] = [
            "type": "FeatureCollection", "features": features,
            Self.recordKey: ["query": queryObject, "listed": ISO8601DateFormatter().string(from: Date())],
        ]
        try Self.write(try JSONSerialization.data(withJSONObject: collection, options: [.sortedKeys]), to: path)
    }

    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw RecordError(path: path, reason: "\(error.localizedDescription)")
        }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw RecordError(path: temporary.path, reason: String(cString: strerror(errno)))
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw RecordError(path: temporary.path, reason: "\(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw RecordError(path: url.path, reason: reason)
        }
    }

    /// The feature with relative asset hrefs resolved against its `self` link or `root`.
    static func absolute(_ feature: [String: Any], root: String) -> [String: Any] {
        guard var assets = feature["assets"] as? [String: [String: Any]] else { return feature }
        let selfLink = (feature["links"] as? [[String: Any]])?.first { $0["rel"] as? String == "self" }?["href"] as? String
        let base = URL(string: selfLink ?? root)
        for (key, var asset) in assets {
            guard let href = asset["href"] as? String, !href.contains("://"), !href.hasPrefix("/"),
                  let resolved = URL(string: href, relativeTo: base)?.absoluteString else { continue }
            asset["href"] = resolved
            assets[key] = asset
        }
        var result = feature
        result["assets"] = assets
        return result
    }
}

extension JSONEncoder {
    /// Keys sorted: the same query always encodes to the same text.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
