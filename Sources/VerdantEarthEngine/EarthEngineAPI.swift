import Foundation
import VerdantCore
import VerdantHTTP

/// Calls of the Earth Engine REST API (v1) with a bearer token: the token is fetched when
/// needed, and fetched again once when a call is answered 401.
public final class EarthEngineAPI: Sendable {
    /// `[earthengine] api_url`: Google's endpoint, or a test server.
    public let baseURL: String
    public let project: String
    let tokens: AccessTokens
    let http: HTTPClient

    public init(baseURL: String = "https://earthengine.googleapis.com", project: String, tokens: AccessTokens, http: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.project = project; self.tokens = tokens; self.http = http
    }

    /// One call: `path` below `/v1/`, query pairs, an optional JSON body. Returns the answer's
    /// JSON object; throws `APIError` for an error status, `AuthError`, or `TransportError`.
    public func call(_ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [],
                     body: [String: Any]? = nil, policy: RetryPolicy? = nil) async throws -> [String: Any] {
        var url = "\(baseURL)/v1/\(path)"
        if !query.isEmpty { url += "?" + FormEncoding.encode(query) }
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys) }
        for attempt in 1...2 {
            let token = try await tokens.token()
            var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(token)"), ("X-Goog-User-Project", project)]
            if payload != nil { headers.append(("Content-Type", "application/json")) }
            let response = try await http.send(HTTPRequest(method, url, headers: headers, body: payload), policy: policy)
            if response.status == 401 && attempt == 1 {
                await tokens.invalidate(token)
                continue
            }
            let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
            guard response.isSuccess else { throw APIError(response: response, object: object, path: path) }
            return object ?? [:]
        }
        preconditionFailure("the loop returns or throws on its second pass")
    }

    /// The asset quota of the project root (`GET projects/p/assets/`, earth-engine-rest.md §2.6),
    /// or nil when the root does not report one (a legacy project, a 400/404 answer).
    public func rootQuota() async throws -> AssetQuota? {
        let root: [String: Any]
        do { root = try await call(.get, "projects/\(project)/assets/") } catch let error as APIError where [400, 404].contains(error.httpStatus) {
            return nil
        }
        guard let quota = root["quota"] as? [String: Any] else { return nil }
        func int(_ key: String) -> Int64? {
            if let text = quota[key] as? String { return Int64(text) }
            return (quota[key] as? NSNumber)?.int64Value
        }
        return AssetQuota(assetCount: int("assetCount") ?? 0, maxAssets: int("maxAssets") ?? int("maxAssetCount"),
                          sizeBytes: int("sizeBytes") ?? 0, maxSizeBytes: int("maxSizeBytes"))
    }
}

public struct AssetQuota: Sendable, Equatable {
    public var assetCount: Int64
    public var maxAssets: Int64?
    public var sizeBytes: Int64
    public var maxSizeBytes: Int64?
}

/// An error answer of the API: `{"error":{"code","message","status"}}`.
public struct APIError: Error, CustomStringConvertible, Equatable {
    public var httpStatus: Int
    /// The canonical code (`RESOURCE_EXHAUSTED`, `PERMISSION_DENIED`, ...), when given.
    public var status: String?
    public var message: String
    public var retryAfter: Double?

    init(response: HTTPResponse, object: [String: Any]?, path: String) {
        let error = object?["error"] as? [String: Any]
        httpStatus = response.status
        status = error?["status"] as? String
        message = error?["message"] as? String ?? "\(path): HTTP \(response.status)"
        retryAfter = response.retryAfter()
    }

    public var description: String { "HTTP \(httpStatus)\(status.map { " \($0)" } ?? ""): \(message)" }
}

/// An operation (task) as the API reports it (earth-engine-rest.md §2.8).
public struct Operation: Sendable, Equatable {
    public var name: String
    public var state: String
    public var description: String
    public var errorMessage: String?
    public var destinationUris: [String]
    public var progress: Double?

    init(_ object: [String: Any]) {
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        name = object["name"] as? String ?? ""
        state = metadata["state"] as? String ?? "PENDING"
        description = metadata["description"] as? String ?? ""
        errorMessage = (object["error"] as? [String: Any])?["message"] as? String
        destinationUris = metadata["destinationUris"] as? [String] ?? []
        progress = (metadata["progress"] as? NSNumber)?.doubleValue
    }
}

public extension EarthEngineAPI {
    /// `POST projects/p/image:export`. Retried by the client on 5xx and broken connections only
    /// because the body carries a request id (the server starts one task per id however often
    /// it is sent); a 429 goes back at once: "Too many tasks already in the queue" is for the
    /// scheduler to wait out, not for five quick retries.
    func export(_ body: [String: Any]) async throws -> Operation {
        var policy = http.policy
        policy.retriesTooManyRequests = false
        return Operation(try await call(.post, "projects/\(project)/image:export", body: body, policy: policy))
    }

    /// One page of the project's operations, newest first.
    func operations(pageToken: String?, pageSize: Int = 500) async throws -> (operations: [Operation], next: String?) {
        var query = [("pageSize", String(pageSize))]
        if let pageToken { query.append(("pageToken", pageToken)) }
        let page = try await call(.get, "projects/\(project)/operations", query: query)
        let list = (page["operations"] as? [[String: Any]] ?? []).map(Operation.init)
        let next = page["nextPageToken"] as? String
        return (list, next?.isEmpty == false ? next : nil)
    }

    /// One operation, or nil when the API does not know it (404).
    func operation(_ name: String) async throws -> Operation? {
        do { return Operation(try await call(.get, name)) } catch let error as APIError where error.httpStatus == 404 { return nil }
    }

    /// Asks to cancel. Not an error: no such task (404), a task already finished (400
    /// FAILED_PRECONDITION) or already being cancelled (409).
    func cancel(_ name: String) async throws {
        do { _ = try await call(.post, name + ":cancel", body: [:]) } catch let error as APIError where [400, 404, 409].contains(error.httpStatus) {}
    }

    /// An asset with its properties, or nil when there is none (404).
    func asset(_ name: String) async throws -> Asset? {
        do { return Asset(try await call(.get, name)) } catch let error as APIError where error.httpStatus == 404 { return nil }
    }

    /// Whether an asset exists.
    func assetExists(_ name: String) async throws -> Bool {
        do { _ = try await call(.get, name); return true } catch let error as APIError where error.httpStatus == 404 { return false }
    }

    /// Creates `name` (`projects/p/assets/a/b/c`) as a folder or ImageCollection, with missing
    /// parents as folders, as `earthengine create -p` does; an existing one is left alone. Another
    /// process creating the same asset at the same moment is no error (409, or 400 for a parent
    /// that appeared meanwhile): what counts is that the asset exists afterwards.
    func createAsset(_ name: String, type: String) async throws {
        let path = try AssetPath(name, project: project).segments
        let prefix = "projects/\(project)/assets/"
        for depth in 1...path.count {
            let partial = path.prefix(depth).joined(separator: "/")
            if try await assetExists(prefix + partial) { continue }
            do {
                _ = try await call(.post, "projects/\(project)/assets", query: [("assetId", partial)],
                                   body: ["type": depth == path.count ? type : "FOLDER"])
            } catch let error as APIError where [400, 409].contains(error.httpStatus) {
                guard try await assetExists(prefix + partial) else { throw error }
            }
        }
    }

    /// `POST projects/p/value:compute`: the value of an expression (`{"result": value}`).
    func compute(_ expression: [String: Any]) async throws -> Any? {
        try await call(.post, "projects/\(project)/value:compute", body: ["expression": expression])["result"]
    }

    /// The union of a table's geometries as GeoJSON text (`land_geometry` as an Earth Engine
    /// table, for discovery's out-of-area test).
    func tableGeometry(_ tableId: String) async throws -> String {
        let node = ExpressionNode.call("Collection.geometry", ["collection": .call("Collection.loadTable", ["tableId": .constant(.string(EEImage.assetID(tableId)))])])
        guard let geometry = try await compute(node.expression()) as? [String: Any], geometry["type"] != nil,
              let data = try? JSONSerialization.data(withJSONObject: geometry, options: .sortedKeys) else {
            throw APIError(status: 500, message: "\(tableId): value:compute did not answer a GeoJSON geometry")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Every child of a folder or collection (`:listAssets`, earth-engine-rest.md §2.1), following
    /// pages; `filter` in the documented syntax applies to ImageCollections.
    func listAssets(_ parent: String, filter: String? = nil, pageSize: Int = 1000) async throws -> [Asset] {
        var all: [Asset] = []
        var token: String? = nil
        repeat {
            var query = [("pageSize", String(pageSize))]
            if let filter { query.append(("filter", filter)) }
            if let token { query.append(("pageToken", token)) }
            let page = try await call(.get, parent + ":listAssets", query: query)
            all += (page["assets"] as? [[String: Any]] ?? []).map(Asset.init)
            token = (page["nextPageToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return all
    }
}

/// An asset as listings report it (EarthEngineAsset, earth-engine-rest.md §2.1–2.2).
public struct Asset: @unchecked Sendable {
    public var name: String
    public var type: String
    public var startTime: Date?
    public var endTime: Date?
    public var properties: [String: Any]
    /// The footprint, GeoJSON text.
    public var geometry: String?

    init(_ object: [String: Any]) {
        name = object["name"] as? String ?? ""
        type = object["type"] as? String ?? ""
        startTime = (object["startTime"] as? String).flatMap(Timestamp.parse)
        endTime = (object["endTime"] as? String).flatMap(Timestamp.parse)
        properties = object["properties"] as? [String: Any] ?? [:]
        geometry = (object["geometry"] as? [String: Any]).flatMap {
            (try? JSONSerialization.data(withJSONObject: $0, options: .sortedKeys)).map { String(decoding: $0, as: UTF8.self) }
        }
    }
    /// The last segment of the name (`system:index`).
    public var index: String { String(name.split(separator: "/").last ?? "") }
}

/// RFC 3339 timestamps as the API writes them (with or without fractional seconds).
public enum Timestamp {
    public static func parse(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return withFraction.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
    public static func format(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

/// A Cloud-project asset name, `projects/P/assets/a/b`, checked: `verdant check` and the engine
/// refuse the same malformed names with the same words.
public struct AssetPath: Sendable, Equatable {
    public var segments: [String]
    public init(_ name: String, project: String) throws {
        let prefix = "projects/\(project)/assets/"
        guard name.hasPrefix(prefix) else {
            throw APIError(status: 400, message: "\(name): expected an asset of the project, \(prefix)NAME")
        }
        let path = name.dropFirst(prefix.count)
        if let problem = EarthEngineSettings.assetPathProblem(path) {
            throw APIError(status: 400, message: "\(name): expected \(problem) after \(prefix)")
        }
        segments = path.split(separator: "/").map(String.init)
    }
}

extension APIError {
    init(status: Int, message: String) {
        httpStatus = status; self.status = nil; self.message = message; retryAfter = nil
    }
}
