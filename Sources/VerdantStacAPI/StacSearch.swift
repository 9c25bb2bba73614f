import Foundation
import VerdantHTTP

/// A STAC API's item search (STAC API – Item Search 1.0): the landing page read for its
/// `search` link and conformance classes, then `POST /search` with `collections`,
/// `intersects`, `datetime` and `limit` (GET with `bbox` where the API offers only GET),
/// following `next` links (POST with a body, merged when the link says so, or GET) to the end.
/// 429 and 5xx are tried again by the HTTP client (backoff, `Retry-After`); what still fails
/// names the URL and the status, never a credential.
public struct StacSearch: Sendable {
    /// What is searched; recorded with the listing, so a listing is reused only for the same one.
    public struct Query: Sendable, Equatable, Codable {
        /// The API's root (landing page) URL.
        public var root: String
        public var collections: [String]
        /// RFC 3339 interval `start/end` (the extended date range).
        public var datetime: String
        /// `area.geometry`'s rings, lon/lat.
        public var intersects: [[[Double]]]
        /// Items above this `eo:cloud_cover` are left out by the API; nil for no filter.
        public var maxCloudCover: Double?
        public var limit: Int

        public init(root: String, collections: [String], datetime: String, intersects: [[[Double]]], maxCloudCover: Double?, limit: Int = 100) {
            self.root = root; self.collections = collections; self.datetime = datetime; self.intersects = intersects
            self.maxCloudCover = maxCloudCover; self.limit = limit
        }
    }

    /// A search that cannot be done: the URL, the status when there was one, what was wrong.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var url: String
        public var status: Int?
        public var problem: String
        /// The API itself is at fault or out of reach (5xx, 429, no connection), not the URL given.
        public var isOutage: Bool
        public var description: String {
            "STAC API \(Redaction.url(url)): \(status.map { "HTTP \($0): " } ?? "")\(problem)"
        }
    }

    public let client: HTTPClient
    /// A guard against an API whose `next` links never end.
    public var maxPages = 10_000

    public init(client: HTTPClient) { self.client = client }

    /// Every matching item (GeoJSON Feature objects, each once by id, in the API's order) and
    /// the number of pages read.
    public func run(_ query: Query) async throws -> (features: [[String: Any]], pages: Int) {
        let landing = try await json(HTTPRequest(.get, query.root, headers: Self.accept))
        var conformance = landing["conformsTo"] as? [String] ?? []
        let links = landing["links"] as? [[String: Any]] ?? []
        if conformance.isEmpty, let href = links.first(where: { $0["rel"] as? String == "conformance" })?["href"] as? String {
            conformance = try await json(HTTPRequest(.get, Self.resolve(href, against: query.root), headers: Self.accept))["conformsTo"] as? [String] ?? []
        }
        // A misspelt collection would list nothing, and the run would do nothing, quietly: where
        // the API serves its collections, each one asked for must be there.
        if conformance.contains(where: { $0.hasSuffix("/collections") }) {
            let base = query.root.hasSuffix("/") ? query.root : query.root + "/"
            for collection in query.collections {
                let url = base + "collections/" + (collection.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? collection)
                do {
                    _ = try await json(HTTPRequest(.get, url, headers: Self.accept))
                } catch var failure as Failure where failure.status == 404 {
                    failure.problem = "the API has no collection \"\(collection)\" (run.collections)"
                    throw failure
                }
            }
        }
        let searchLinks = links.filter { $0["rel"] as? String == "search" }
        let postLink = searchLinks.first { ($0["method"] as? String)?.uppercased() == "POST" }
        let searchLink = postLink ?? searchLinks.first
        let searchURL = (searchLink?["href"] as? String).map { Self.resolve($0, against: query.root) }
            ?? (query.root.hasSuffix("/") ? query.root : query.root + "/") + "search"
        // POST is optional in the STAC API: an API whose search links all say GET is searched
        // by GET (a link without a method is taken as POST, as most APIs accept both).
        let byGet = postLink == nil && !searchLinks.isEmpty
            && searchLinks.allSatisfy { ($0["method"] as? String)?.uppercased() == "GET" }
        var body: [String: Any] = [
            "collections": query.collections, "datetime": query.datetime, "limit": query.limit,
            "intersects": ["type": "Polygon", "coordinates": query.intersects],
        ]
        let cloudFilter = query.maxCloudCover == nil ? nil : CloudFilter(conformance: conformance)
        if let cloud = query.maxCloudCover {
            switch cloudFilter {
            case .query?: body["query"] = CloudFilter.queryObject(cloud)
            case .cql2?:
                body["filter-lang"] = "cql2-json"
                body["filter"] = CloudFilter.cql2Object(cloud)
            case nil:
                throw Failure(url: query.root, status: nil, problem: "the API advertises neither the query nor the filter extension in its conformance classes, so run.max_cloud_cover cannot be applied (set it to 100)", isOutage: false)
            }
        }
        var features: [[String: Any]] = []
        var seen = Set<String>()
        let getSearch = { try Self.getRequest(searchURL, query: query, cloudFilter: cloudFilter) }
        var request = byGet ? try getSearch()
            : try HTTPRequest(.post, searchURL, headers: Self.accept + [("Content-Type", "application/json")],
                              body: JSONSerialization.data(withJSONObject: body, options: .sortedKeys))
        var pages = 0
        var visited = Set<String>()
        while true {
            pages += 1
            let page: [String: Any]
            do { page = try await json(request) } catch let failure as Failure where failure.status == 405 && pages == 1 && request.method == .post {
                // A link without a method means GET in the STAC API: one refusing POST is asked by GET.
                request = try getSearch()
                page = try await json(request)
            }
            guard page["type"] as? String == "FeatureCollection", let list = page["features"] as? [[String: Any]] else {
                throw Failure(url: request.url, status: 200, problem: "expected a GeoJSON FeatureCollection with `features` (page \(pages) of the search), found \(Self.describe(page))", isOutage: false)
            }
            for feature in list {
                let id = feature["id"] as? String ?? "#\(features.count)"
                if seen.insert(id).inserted { features.append(feature) }
            }
            guard let next = (page["links"] as? [[String: Any]] ?? []).first(where: { $0["rel"] as? String == "next" }),
                  let href = next["href"] as? String else { break }
            let url = Self.resolve(href, against: request.url)
            if (next["method"] as? String)?.uppercased() == "POST" {
                // No body: the same search again (an empty one would search everything).
                var nextBody = (next["body"] as? [String: Any]) ?? body
                if next["merge"] as? Bool == true { nextBody = body.merging(nextBody) { $1 } }
                body = nextBody
                request = try HTTPRequest(.post, url, headers: Self.accept + [("Content-Type", "application/json")],
                                          body: JSONSerialization.data(withJSONObject: nextBody, options: .sortedKeys))
            } else {
                request = HTTPRequest(.get, url, headers: Self.accept)
            }
            // The same page asked twice, or no end in sight: stop with a clear error.
            let signature = request.url + String(decoding: request.body ?? Data(), as: UTF8.self)
            guard visited.insert(signature).inserted, pages < maxPages else {
                throw Failure(url: url, status: nil, problem: "the search's `next` links do not end (page \(pages + 1) repeats an earlier one or exceeds \(maxPages))", isOutage: false)
            }
        }
        return (features, pages)
    }

    static let accept: [(name: String, value: String)] = [("Accept", "application/geo+json, application/json")]

    /// How an API takes `max_cloud_cover`, by its conformance classes: the query extension, or
    /// CQL2 filters (always JSON in a POST body; text in a GET URL where the API advertises it).
    enum CloudFilter {
        case query
        case cql2(text: Bool)

        init?(conformance: [String]) {
            if conformance.contains(where: { $0.hasSuffix("item-search#query") }) {
                self = .query
            } else if conformance.contains(where: { $0.hasSuffix("item-search#filter") || $0.hasSuffix("cql2-json") }) {
                self = .cql2(text: conformance.contains { $0.hasSuffix("cql2-text") })
            } else {
                return nil
            }
        }

        static func queryObject(_ cloud: Double) -> [String: Any] { ["eo:cloud_cover": ["lte": cloud]] }
        static func cql2Object(_ cloud: Double) -> [String: Any] { ["op": "<=", "args": [["property": "eo:cloud_cover"], cloud]] }

        /// The GET parameters that say it.
        func parameters(_ cloud: Double) -> [URLQueryItem] {
            func text(_ object: [String: Any]) -> String {
                (try? JSONSerialization.data(withJSONObject: object, options: .sortedKeys)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            }
            switch self {
            case .query: return [URLQueryItem(name: "query", value: text(Self.queryObject(cloud)))]
            case .cql2(text: true):
                return [URLQueryItem(name: "filter-lang", value: "cql2-text"), URLQueryItem(name: "filter", value: "eo:cloud_cover <= \(cloud)")]
            case .cql2(text: false):
                return [URLQueryItem(name: "filter-lang", value: "cql2-json"), URLQueryItem(name: "filter", value: text(Self.cql2Object(cloud)))]
            }
        }
    }

    /// The search as GET parameters: the area as its `bbox` (GET has no standard encoding of a
    /// polygon; discovery keeps only the items whose footprint meets the area itself), the cloud
    /// cover as `cloudFilter` says.
    static func getRequest(_ url: String, query: Query, cloudFilter: CloudFilter?) throws -> HTTPRequest {
        let ring = query.intersects.flatMap { $0 }
        let lons = ring.map { $0[0] }, lats = ring.map { $0[1] }
        guard var components = URLComponents(string: url), let west = lons.min(), let east = lons.max(),
              let south = lats.min(), let north = lats.max() else {
            throw Failure(url: url, status: nil, problem: "cannot make a GET search of this URL and area", isOutage: false)
        }
        var items = (components.queryItems ?? []) + [
            URLQueryItem(name: "collections", value: query.collections.joined(separator: ",")),
            URLQueryItem(name: "datetime", value: query.datetime),
            URLQueryItem(name: "limit", value: String(query.limit)),
            URLQueryItem(name: "bbox", value: [west, south, east, north].map { String($0) }.joined(separator: ",")),
        ]
        if let cloud = query.maxCloudCover, let cloudFilter { items += cloudFilter.parameters(cloud) }
        components.queryItems = items
        // URLComponents leaves "+" and "=" as they are, which a server may read as a space and
        // a separator.
        components.percentEncodedQuery = components.percentEncodedQuery?.split(separator: "&").map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            let value = pair[pair.index(after: equals)...].replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "=", with: "%3D")
            return String(pair[...equals]) + value
        }.joined(separator: "&")
        guard let full = components.string else {
            throw Failure(url: url, status: nil, problem: "cannot make a GET search of this URL", isOutage: false)
        }
        return HTTPRequest(.get, full, headers: accept)
    }

    /// One exchange, its answer as a JSON object.
    func json(_ request: HTTPRequest) async throws -> [String: Any] {
        let response: HTTPResponse
        do { response = try await client.send(request) } catch let error as TransportError {
            // A refused or broken connection is an outage; a malformed URL or a certificate
            // that does not verify is the URL given.
            throw Failure(url: request.url, status: nil, problem: "cannot be reached: \(error)", isOutage: error.isRetryable)
        }
        guard response.isSuccess else {
            let detail = response.text.prefix(200).replacingOccurrences(of: "\n", with: " ")
            throw Failure(url: request.url, status: response.status, problem: detail.isEmpty ? "no body" : String(detail),
                          isOutage: RetryPolicy.isRetryable(status: response.status))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] else {
            throw Failure(url: request.url, status: response.status, problem: "the answer is not a JSON object (\(response.body.count) bytes: \(response.text.prefix(60).replacingOccurrences(of: "\n", with: " "))…)", isOutage: false)
        }
        return object
    }

    static func resolve(_ href: String, against base: String) -> String {
        if href.hasPrefix("http://") || href.hasPrefix("https://") { return href }
        return URL(string: href, relativeTo: URL(string: base))?.absoluteString ?? href
    }

    static func describe(_ object: [String: Any]) -> String {
        "an object with keys \(object.keys.sorted().prefix(8).joined(separator: ", "))"
    }
}
