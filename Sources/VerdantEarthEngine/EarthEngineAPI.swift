import Foundation
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

    /// The asset quota of the project root (`GET projects/p/assets/`, earth-engine-rest.md §2.6).
    public func rootQuota() async throws -> AssetQuota {
        let root = try await call(.get, "projects/\(project)/assets/")
        let quota = root["quota"] as? [String: Any] ?? [:]
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
