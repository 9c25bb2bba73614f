import Foundation
import VerdantCore
import VerdantHTTP
import VerdantLocal

/// A STAC API as a `Catalog`: the search's items are recorded in one ItemCollection file (with
/// the query that found them), which jobs read their item from and later commands list again
/// without the network. A new search happens when the query changes (dates, area, collections,
/// cloud cover, the API) or when asked (`verdant discover --refresh`).
public struct StacAPICatalog: Catalog {
    public let root: String
    public let collections: [String]
    public let maxCloudCover: Double?
    /// Where the listing is recorded (`<output>/stac-search.json`).
    public let recordPath: String
    public let refresh: Bool
    public let coefNormalisation: Double
    let client: HTTPClient

    public init(root: String, collections: [String], maxCloudCover: Double?, recordPath: String, refresh: Bool,
                coefNormalisation: Double, client: HTTPClient = HTTPClient()) {
        self.root = root; self.collections = collections; self.maxCloudCover = maxCloudCover; self.recordPath = recordPath
        self.refresh = refresh; self.coefNormalisation = coefNormalisation; self.client = client
    }

    /// The member of the recorded FeatureCollection that holds its query and time.
    static let recordKey = "verdant:search"

    public func query(for q: CatalogQuery) -> StacSearch.Query {
        StacSearch.Query(root: root, collections: collections,
                         datetime: "\(q.start)T00:00:00Z/\(q.end)T23:59:59Z", intersects: q.geometry, maxCloudCover: maxCloudCover)
    }

    public func list(_ q: CatalogQuery) async throws -> CatalogListing {
        let search = query(for: q)
        if !refresh, let recorded = Self.recorded(at: recordPath), recorded.query == search {
            return try listing(q, note: "listed \(recorded.listed), recorded in \(recordPath)")
        }
        let (features, pages) = try await StacSearch(client: client).run(search)
        try record(features, query: search)
        return try listing(q, note: "\(pages) page(s) listed now, recorded in \(recordPath)")
    }

    /// The recorded file read as the static ItemCollection it is.
    func listing(_ q: CatalogQuery, note: String) throws -> CatalogListing {
        var listing = try LocalCatalog(path: recordPath, coefNormalisation: coefNormalisation).list(q)
        listing.source = "STAC API \(Redaction.url(root)) (collections \(collections.joined(separator: ", ")); \(note))"
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

    /// Written whole to a temporary file, flushed, then renamed: a crash leaves the old
    /// listing or the new one, never half of one.
    func record(_ features: [[String: Any]], query: StacSearch.Query) throws {
        let queryObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(query))
        let collection: [String: Any] = [
            "type": "FeatureCollection", "features": features,
            Self.recordKey: ["query": queryObject, "listed": ISO8601DateFormatter().string(from: Date())],
        ]
        let data = try JSONSerialization.data(withJSONObject: collection, options: [.sortedKeys])
        let url = URL(fileURLWithPath: recordPath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: reason])
        }
    }
}
