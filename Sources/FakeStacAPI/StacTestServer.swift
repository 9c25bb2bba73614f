import FlyingFox
import Foundation

/// A STAC API on loopback serving the samples' items (their assets rewritten to its own URLs)
/// and the COGs themselves with range requests, keeping a log of what it was asked: the landing
/// page with its conformance classes, `POST /search` paged by `pageSize` through POST `next`
/// links (a token in the body, merged), filtered by collection, datetime, the area's bounding
/// box and `query` on `eo:cloud_cover`; faults by request number. For tests and benchmarks only.
public actor StacTestServer {
    /// One request: `bytes` is the length of the body served.
    public struct Logged: Sendable {
        public var method: String; public var path: String; public var range: String?; public var status: Int; public var bytes: Int
    }
    public private(set) var log: [Logged] = []
    private var server: HTTPServer?
    private var task: Task<Void, Error>?
    public private(set) var base = ""
    /// Items per page at most; a search's smaller `limit` wins.
    public var pageSize = 4
    /// Search request number (1-based) → the status it answers instead (429 with Retry-After 0, 500…).
    public var searchFaults: [Int: Int] = [:]
    /// The search answers a JSON object that is not a FeatureCollection.
    public var malformedSearch = false
    /// The landing page offers its search by GET only; a POST to /search answers 405.
    public var getOnly = false
    /// The landing page's search link says no method (GET, by the STAC API's default).
    public var searchLinkWithoutMethod = false
    /// The cloud filter advertised: "query" (the query extension), "cql2-text" or "cql2-json"
    /// (the filter extension with that language).
    public var cloudFilter = "query"
    /// Asset paths (`<item>/<file>`) that answer 404, and those served cut to half their length.
    public var missing: Set<String> = []
    public var truncated: Set<String> = []
    private var searches = 0
    /// A static catalog's folder: one folder per item, holding `<id>.json` and its assets.
    public let samples: URL
    /// Each item served `copies` times (ids suffixed `_c<k>`, one second later each), the same
    /// assets: a listing of any length from the few sample items.
    public let copies: Int
    private var cachedItems: [[String: Any]]?
    public static let collection = "sentinel-2-l1c"

    public init(samples: URL, copies: Int = 1) {
        self.samples = samples.standardizedFileURL; self.copies = max(1, copies)
    }

    public func configure(_ change: @Sendable (isolated StacTestServer) -> Void) { change(self) }

    public func start() async throws -> String {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled,
                                handler: ClosureHTTPHandler { [self] request in await self.answer(request) })
        self.server = server
        task = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 10)
        guard case .ip4(_, let port)? = await server.listeningAddress else { throw CancellationError() }
        base = "http://127.0.0.1:\(port)"
        return base
    }

    public func stop() async { await server?.stop(timeout: 0); task?.cancel() }

    private func answer(_ request: FlyingFox.HTTPRequest) async -> FlyingFox.HTTPResponse {
        let range = request.headers[HTTPHeader("Range")]
        let response: FlyingFox.HTTPResponse
        switch (request.method.rawValue, request.path) {
        case ("GET", "/"), ("GET", ""): response = json(landing)
        case ("POST", "/search") where getOnly: response = FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(405, phrase: "Method Not Allowed"))
        case ("POST", "/search"):
            guard let body = (try? JSONSerialization.jsonObject(with: await request.bodyData)) as? [String: Any] else {
                response = FlyingFox.HTTPResponse(statusCode: .badRequest); break
            }
            response = search(body, get: false)
        case ("GET", "/search"): response = search(Self.parameters(request.query), get: true)
        case ("GET", "/collections/\(Self.collection)"): response = json(["type": "Collection", "id": Self.collection, "links": []])
        case ("GET", let path) where path.hasPrefix("/collections/"): response = FlyingFox.HTTPResponse(statusCode: .notFound)
        case (let method, let path) where path.hasPrefix("/assets/"): response = asset(String(path.dropFirst(8)), range: range, head: method == "HEAD")
        default: response = FlyingFox.HTTPResponse(statusCode: .notFound)
        }
        let bytes = (try? await response.bodyData.count) ?? 0
        log.append(Logged(method: request.method.rawValue, path: request.path, range: range, status: response.statusCode.code, bytes: bytes))
        return response
    }

    private var landing: [String: Any] {
        let filter = cloudFilter == "query" ? ["https://api.stacspec.org/v1.0.0/item-search#query"]
            : ["https://api.stacspec.org/v1.0.0-rc.2/item-search#filter", "http://www.opengis.net/spec/cql2/1.0/conf/\(cloudFilter)"]
        var search: [String: Any] = ["rel": "search", "href": "\(base)/search", "type": "application/geo+json"]
        if !searchLinkWithoutMethod { search["method"] = getOnly ? "GET" : "POST" }
        return ["type": "Catalog", "id": "verdant-test", "stac_version": "1.0.0", "description": "samples",
                "conformsTo": ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search",
                               "https://api.stacspec.org/v1.0.0/collections"] + filter,
                "links": [search, ["rel": "self", "href": "\(base)/"]]]
    }

    /// The cloud cover a search asks for at most: the query extension's `lte`, or a CQL2
    /// `eo:cloud_cover <= x` as text or JSON (an object in a POST body, a string in a GET URL).
    static func cloudLimit(_ body: [String: Any]) -> Double? {
        if let lte = (((body["query"] as? [String: Any])?["eo:cloud_cover"]) as? [String: Any])?["lte"] as? Double { return lte }
        var filter = body["filter"]
        if let text = filter as? String {
            if body["filter-lang"] as? String == "cql2-text" {
                let parts = text.components(separatedBy: "<=")
                return parts.count == 2 && parts[0].trimmingCharacters(in: .whitespaces) == "eo:cloud_cover"
                    ? Double(parts[1].trimmingCharacters(in: .whitespaces)) : nil
            }
            filter = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        }
        guard let object = filter as? [String: Any], object["op"] as? String == "<=", let args = object["args"] as? [Any], args.count == 2,
              (args[0] as? [String: Any])?["property"] as? String == "eo:cloud_cover" else { return nil }
        return (args[1] as? NSNumber)?.doubleValue
    }

    /// A GET search's parameters as the POST body they stand for (the area as `bbox`).
    static func parameters(_ query: [FlyingFox.HTTPRequest.QueryItem]) -> [String: Any] {
        var body: [String: Any] = [:]
        for item in query {
            switch item.name {
            case "collections": body["collections"] = item.value.split(separator: ",").map(String.init)
            case "bbox": body["bbox"] = item.value.split(separator: ",").compactMap { Double($0) }
            case "limit": body["limit"] = Int(item.value)
            case "query": body["query"] = try? JSONSerialization.jsonObject(with: Data(item.value.utf8))
            default: body[item.name] = item.value
            }
        }
        return body
    }

    /// A value of a GET search's parameter as its text: lists joined by commas, objects as JSON.
    static func parameter(_ value: Any?) -> String {
        if let list = value as? [String] { return list.joined(separator: ",") }
        if let numbers = value as? [Double] { return numbers.map { String($0) }.joined(separator: ",") }
        if let object = value as? [String: Any], let data = try? JSONSerialization.data(withJSONObject: object) {
            return String(decoding: data, as: UTF8.self)
        }
        return value.map { "\($0)" } ?? ""
    }

    private func search(_ body: [String: Any], get: Bool) -> FlyingFox.HTTPResponse {
        searches += 1
        if let status = searchFaults[searches] {
            return FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "fault"), headers: [HTTPHeader("Retry-After"): "0"],
                                          body: Data("{\"code\":\"fault\"}".utf8))
        }
        if malformedSearch { return json(["type": "Catalog", "note": "not a search answer"]) }
        let collections = body["collections"] as? [String] ?? []
        let interval = (body["datetime"] as? String ?? "").split(separator: "/").map(String.init)
        let format = ISO8601DateFormatter()
        let start = interval.first.flatMap { format.date(from: $0) }, end = interval.last.flatMap { format.date(from: $0) }
        var ring = ((body["intersects"] as? [String: Any])?["coordinates"] as? [[[Double]]])?.first ?? []
        if let bbox = body["bbox"] as? [Double], bbox.count == 4 { ring = [[bbox[0], bbox[1]], [bbox[2], bbox[3]]] }
        let lons = ring.map { $0[0] }, lats = ring.map { $0[1] }
        let cloud = Self.cloudLimit(body)
        let matching = items().filter { item in
            guard collections.contains(item["collection"] as? String ?? "") else { return false }
            let properties = item["properties"] as? [String: Any] ?? [:]
            guard let date = (properties["datetime"] as? String).flatMap({ format.date(from: $0) }),
                  start.map({ date >= $0 }) ?? true, end.map({ date <= $0 }) ?? true else { return false }
            if let cloud, (properties["eo:cloud_cover"] as? Double ?? 0) > cloud { return false }
            let bbox = item["bbox"] as? [Double] ?? []
            guard bbox.count == 4, let minLon = lons.min(), let maxLon = lons.max(), let minLat = lats.min(), let maxLat = lats.max() else { return true }
            return bbox[0] <= maxLon && bbox[2] >= minLon && bbox[1] <= maxLat && bbox[3] >= minLat
        }
        let offset = Int(body["token"] as? String ?? "0") ?? 0
        let size = min(pageSize, max(1, body["limit"] as? Int ?? pageSize))
        let page = Array(matching.dropFirst(offset).prefix(size))
        var answer: [String: Any] = ["type": "FeatureCollection", "features": page, "numberMatched": matching.count,
                                     "numberReturned": page.count, "links": []]
        if offset + size < matching.count {
            let token = String(offset + size)
            if get {
                // The same parameters and the next token, in the URL.
                var next = URLComponents(string: "\(base)/search")!
                next.queryItems = body.keys.sorted().filter { $0 != "token" }.map { URLQueryItem(name: $0, value: Self.parameter(body[$0])) }
                    + [URLQueryItem(name: "token", value: token)]
                answer["links"] = [["rel": "next", "href": next.string ?? "", "type": "application/geo+json"]]
            } else {
                answer["links"] = [["rel": "next", "href": "\(base)/search", "method": "POST", "merge": true, "body": ["token": token]]]
            }
        }
        return json(answer)
    }

    /// The samples' items, in date order (copies after their original), their assets pointing here.
    public func items() -> [[String: Any]] {
        if let cachedItems { return cachedItems }
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? []
        let originals = folders.sorted().compactMap { folder -> [String: Any]? in
            let file = samples.appendingPathComponent(folder).appendingPathComponent("\(folder).json")
            guard var item = (try? JSONSerialization.jsonObject(with: Data(contentsOf: file))) as? [String: Any] else { return nil }
            var assets = item["assets"] as? [String: [String: Any]] ?? [:]
            for (key, var asset) in assets {
                let href = (asset["href"] as? String ?? "").replacingOccurrences(of: "./", with: "")
                asset["href"] = "\(base)/assets/\(folder)/\(href)"
                assets[key] = asset
            }
            item["assets"] = assets
            item["collection"] = Self.collection
            item["links"] = []
            return item
        }
        let format = ISO8601DateFormatter()
        let all = originals.flatMap { item in
            (0..<copies).map { k -> [String: Any] in
                guard k > 0 else { return item }
                var copy = item
                copy["id"] = "\(item["id"] as? String ?? "")_c\(k)"
                var properties = item["properties"] as? [String: Any] ?? [:]
                if let date = (properties["datetime"] as? String).flatMap({ format.date(from: $0) }) {
                    properties["datetime"] = format.string(from: date.addingTimeInterval(Double(k)))
                }
                copy["properties"] = properties
                return copy
            }
        }
        // Only once the base URL is known (the hrefs name it).
        if !base.isEmpty { cachedItems = all }
        return all
    }

    /// A file with range requests (206 and Content-Range); a whole GET answers it all.
    private func asset(_ path: String, range: String?, head: Bool) -> FlyingFox.HTTPResponse {
        guard !missing.contains(path), !path.contains(".."),
              var data = FileManager.default.contents(atPath: samples.appendingPathComponent(path).path) else {
            // A HEAD answer has no body.
            return FlyingFox.HTTPResponse(statusCode: .notFound, body: head ? Data() : Data("no such file".utf8))
        }
        if truncated.contains(path) { data = data.prefix(data.count / 2) }
        var headers: [HTTPHeader: String] = [HTTPHeader("Accept-Ranges"): "bytes", HTTPHeader("Content-Type"): "image/tiff"]
        if head {
            headers[HTTPHeader("Content-Length")] = String(data.count)
            return FlyingFox.HTTPResponse(statusCode: .ok, headers: headers)
        }
        guard let range, range.hasPrefix("bytes="), let dash = range.firstIndex(of: "-") else {
            return FlyingFox.HTTPResponse(statusCode: .ok, headers: headers, body: data)
        }
        let first = Int(range[range.index(range.startIndex, offsetBy: 6)..<dash]) ?? 0
        let last = min(data.count - 1, Int(range[range.index(after: dash)...]) ?? data.count - 1)
        guard first < data.count, first <= last else {
            headers[HTTPHeader("Content-Range")] = "bytes */\(data.count)"
            return FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(416, phrase: "Range Not Satisfiable"), headers: headers)
        }
        headers[HTTPHeader("Content-Range")] = "bytes \(first)-\(last)/\(data.count)"
        return FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(206, phrase: "Partial Content"), headers: headers,
                                      body: data.subdata(in: first..<(last + 1)))
    }

    private func json(_ object: [String: Any]) -> FlyingFox.HTTPResponse {
        FlyingFox.HTTPResponse(statusCode: .ok, headers: [HTTPHeader("Content-Type"): "application/geo+json"],
                               body: (try? JSONSerialization.data(withJSONObject: object, options: .sortedKeys)) ?? Data())
    }

    /// Ids of the items whose bounding box meets [west, south, east, north].
    public func ids(meeting box: [Double]) -> [String] {
        items().filter { item in
            let b = item["bbox"] as? [Double] ?? []
            return b.count == 4 && b[0] <= box[2] && b[2] >= box[0] && b[1] <= box[3] && b[3] >= box[1]
        }.compactMap { $0["id"] as? String }
    }

    /// The requests for asset files.
    public var assetRequests: [Logged] { log.filter { $0.path.hasPrefix("/assets/") } }
}
