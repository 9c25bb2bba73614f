import Crypto
import _CryptoExtras
import FlyingFox
import FlyingSocks
import Foundation
import VerdantMask

/// The fake's state and request handling, one request at a time.
actor ServerState {
    var configuration: FakeEarthEngine.Configuration
    var base = ""
    /// Access token → expiry.
    var tokens: [String: Date] = [:]
    var issued = 0
    var counts: [String: Int] = [:]
    /// Deterministic draws for injected faults (a fixed seed gives the same fault sequence).
    var random: SplitMix64
    var operations: [String: FakeOperation] = [:]
    /// Operation names in the order they were created.
    var order: [String] = []
    var requestIds: [String: String] = [:]
    var issuedOperations = 0
    /// Asset name → type ("FOLDER", "IMAGE_COLLECTION", "IMAGE").
    var assets: [String: String] = [:]
    /// Times each asset was written (a second write would be a duplicate export).
    var writes: [String: Int] = [:]
    /// Times each file (Drive, Cloud Storage) was written.
    var files: [String: Int] = [:]
    /// Properties of written images (what the export's graph set at its top).
    var properties: [String: [String: String]] = [:]

    init(_ configuration: FakeEarthEngine.Configuration) {
        self.configuration = configuration
        self.random = SplitMix64(seed: configuration.faults.seed)
    }

    func setBase(_ base: String) { self.base = base }
    func setFaults(_ faults: FakeEarthEngine.Faults) { configuration.faults = faults; random = SplitMix64(seed: faults.seed) }
    func expireTokens() { tokens = [:] }
    func revoke(_ email: String) { configuration.serviceAccounts[email] = nil; tokens = [:] }
    func allow(_ email: String, _ pem: String) { configuration.serviceAccounts[email] = pem }
    func addAsset(_ name: String, type: String, properties: [String: String]) {
        assets[name] = type
        self.properties[name] = properties
    }

    func count(_ kind: String) { counts[kind, default: 0] += 1 }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let response = await answer(request)
        guard configuration.faults.dropped > 0, request.path != "/fake/state",
              Double.random(in: 0..<1, using: &random) < configuration.faults.dropped else { return response }
        count("dropped")
        return Reply.dropped(response)
    }

    private func answer(_ request: HTTPRequest) async -> HTTPResponse {
        count("requests")
        // Read the whole body first: one left unread would be taken for the next request
        // on a kept-alive connection.
        let body = (try? await request.bodyData) ?? Data()
        // The test's window into the fake, never faulty, never counted as API traffic.
        if request.path == "/fake/state" { counts["requests", default: 0] -= 1; return Reply.json(200, books()) }
        if let fault = injectedFault() { return fault }
        if configuration.faults.slow > 0, Double.random(in: 0..<1, using: &random) < configuration.faults.slow {
            count("slow")
            try? await Task.sleep(nanoseconds: UInt64(configuration.faults.slowSeconds * 1e9))
        }
        let path = request.path
        if path == "/token", request.method == .POST { return token(body: body) }
        if configuration.latency > 0 { try? await Task.sleep(nanoseconds: UInt64(configuration.latency * 1e9)) }
        guard authorised(request) else {
            count("401")
            return Reply.error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
        }
        let name = String(path.dropFirst("/v1/".count))
        let parts = name.split(separator: "/").map(String.init)
        guard path.hasPrefix("/v1/projects/"), parts.count >= 2 else {
            return Reply.error(404, "NOT_FOUND", "No route for \(request.method.rawValue) \(path)")
        }
        let project = parts[1]
        // Public collections are readable by every project.
        let publicRead = project == "earthengine-public" && request.method == .GET
        guard configuration.projects.contains(project) || publicRead else {
            return Reply.error(403, "PERMISSION_DENIED", "Caller does not have required permission to use project \(project).")
        }
        var query: [String: String] = [:]
        for item in request.query { query[item.name] = item.value }
        switch (request.method, parts.count > 2 ? parts[2] : "") {
        case (.POST, "image:export"):
            return export(project: project, body: body)
        case (.POST, "value:compute"):
            return compute(body: body)
        case (.GET, "operations") where parts.count == 3:
            return listOperations(project: project, query: query)
        case (.GET, "operations"):
            return getOperation(name)
        case (.POST, "operations") where name.hasSuffix(":cancel"):
            return cancel(String(name.dropLast(":cancel".count)))
        case (.POST, "assets") where parts.count == 3:
            return createAsset(project: project, path: query["assetId"] ?? "", body: body)
        case (.GET, "assets") where name.hasSuffix(":listAssets"):
            return listAssets(String(name.dropLast(":listAssets".count)), query: query)
        case (.GET, "assets"):
            return getAsset(name)
        default:
            break
        }
        return Reply.error(404, "NOT_FOUND", "No route for \(request.method.rawValue) \(path)")
    }

    private func injectedFault() -> HTTPResponse? {
        let f = configuration.faults
        let draw = Double.random(in: 0..<1, using: &random)
        var headers: [HTTPHeader: String] = [:]
        if let after = f.retryAfter { headers[HTTPHeader("Retry-After")] = String(after) }
        if draw < f.tooManyRequests {
            count("429")
            return Reply.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Number of read requests'.", headers: headers)
        }
        if draw < f.tooManyRequests + f.internalError {
            count("500")
            return Reply.error(500, "INTERNAL", "An internal error has occurred.")
        }
        if draw < f.tooManyRequests + f.internalError + f.unavailable {
            count("503")
            return Reply.error(503, "UNAVAILABLE", "The service is currently unavailable.", headers: headers)
        }
        return nil
    }

    private func authorised(_ request: HTTPRequest) -> Bool {
        guard let header = request.headers[HTTPHeader("Authorization")], header.hasPrefix("Bearer ") else { return false }
        guard let expiry = tokens[String(header.dropFirst("Bearer ".count))] else { return false }
        return expiry > Date()
    }

    // MARK: OAuth token endpoint

    private func token(body: Data) -> HTTPResponse {
        let form = Form.decode(String(decoding: body, as: UTF8.self))
        switch form["grant_type"] {
        case "urn:ietf:params:oauth:grant-type:jwt-bearer":
            switch verify(assertion: form["assertion"] ?? "") {
            case .success: break
            case .failure(let problem):
                count("token-refused")
                return Reply.json(400, ["error": "invalid_grant", "error_description": problem.message])
            }
        case "refresh_token":
            guard let client = configuration.refreshTokens[form["refresh_token"] ?? ""] else {
                count("token-refused")
                return Reply.json(400, ["error": "invalid_grant", "error_description": "Token has been expired or revoked."])
            }
            guard client.id == form["client_id"], client.secret == form["client_secret"] else {
                count("token-refused")
                return Reply.json(401, ["error": "invalid_client", "error_description": "Unauthorized"])
            }
        default:
            return Reply.json(400, ["error": "unsupported_grant_type", "error_description": "Invalid grant_type: \(form["grant_type"] ?? "")"])
        }
        issued += 1
        let value = "fake-token-\(issued)-\(UInt32.random(in: 0...UInt32.max))"
        tokens[value] = Date().addingTimeInterval(Double(configuration.tokenLifetime))
        count("token")
        return Reply.json(200, ["access_token": value, "expires_in": configuration.tokenLifetime, "token_type": "Bearer"])
    }

    struct Refusal: Error { var message: String }

    /// RS256 signature by the account's key, audience this endpoint, not expired, at most 1 h.
    private func verify(assertion: String) -> Result<Void, Refusal> {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]), let claimsData = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]),
              let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any],
              let claims = (try? JSONSerialization.jsonObject(with: claimsData)) as? [String: Any] else {
            return .failure(Refusal(message: "Invalid JWT: not three base64url JSON parts."))
        }
        guard header["alg"] as? String == "RS256" else { return .failure(Refusal(message: "Invalid JWT: alg must be RS256.")) }
        guard let email = claims["iss"] as? String, let pem = configuration.serviceAccounts[email],
              let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) else {
            return .failure(Refusal(message: "Invalid JWT Signature: unknown service account."))
        }
        let signed = Data((parts[0] + "." + parts[1]).utf8)
        guard key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: signed,
                                   padding: .insecurePKCS1v1_5) else {
            return .failure(Refusal(message: "Invalid JWT Signature."))
        }
        guard claims["aud"] as? String == base + "/token" else {
            return .failure(Refusal(message: "Invalid JWT: aud must be \(base)/token."))
        }
        let now = Date().timeIntervalSince1970
        guard let iat = (claims["iat"] as? NSNumber)?.doubleValue, let exp = (claims["exp"] as? NSNumber)?.doubleValue,
              exp > now, exp - iat <= 3600, iat <= now + 60 else {
            return .failure(Refusal(message: "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."))
        }
        guard (claims["scope"] as? String)?.split(separator: " ").contains("https://www.googleapis.com/auth/earthengine") == true else {
            return .failure(Refusal(message: "Invalid JWT: the earthengine scope is missing."))
        }
        return .success(())
    }

    // MARK: assets

    /// `GET /v1/projects/p/assets/` (the root, with its quota) or an asset.
    func getAsset(_ name: String) -> HTTPResponse {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[0] == "projects", parts[2] == "assets" else {
            return Reply.error(400, "INVALID_ARGUMENT", "Invalid asset name '\(name)'.")
        }
        advance()
        if parts.dropFirst(3).allSatisfy(\.isEmpty) {
            count("asset")
            return Reply.json(200, [
                "type": "FOLDER", "name": "projects/\(parts[1])/assets/",
                "quota": ["sizeBytes": String(imageCount * 1_000_000), "maxSizeBytes": String(configuration.maxBytes),
                          "assetCount": String(imageCount), "maxAssets": String(configuration.maxAssets)],
            ])
        }
        count("get-asset")
        if configuration.collections[name] != nil { return Reply.json(200, ["type": "IMAGE_COLLECTION", "name": name]) }
        guard let type = assets[name] else {
            return Reply.error(404, "NOT_FOUND", "Asset '\(name)' does not exist or caller does not have access to it.")
        }
        return Reply.json(200, assetJSON(name, type: type))
    }

    /// Creates a folder or collection; its parent must exist (the CLI makes parents itself).
    func createAsset(project: String, path: String, body: Data) -> HTTPResponse {
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        guard let type = object["type"] as? String, ["FOLDER", "IMAGE_COLLECTION"].contains(type), !path.isEmpty else {
            return Reply.error(400, "INVALID_ARGUMENT", "Expected type FOLDER or IMAGE_COLLECTION and an assetId.")
        }
        let name = "projects/\(project)/assets/\(path)"
        if assets[name] != nil { return Reply.error(409, "ALREADY_EXISTS", "Asset '\(name)' already exists.") }
        let parent = name.split(separator: "/").dropLast().joined(separator: "/")
        guard parent == "projects/\(project)/assets" || assets[parent] != nil else {
            return Reply.error(404, "NOT_FOUND", "Parent of '\(name)' does not exist.")
        }
        assets[name] = type
        count("create-asset")
        return Reply.json(200, ["type": type, "name": name])
    }

    /// `value:compute` for the one expression verdant computes: a table's geometry.
    func compute(body: Data) -> HTTPResponse {
        count("compute")
        guard let request = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
              let expression = request["expression"] as? [String: Any], let values = expression["values"] as? [String: Any],
              let result = expression["result"] as? String else {
            return Reply.error(400, "INVALID_ARGUMENT", "ComputeValueRequest.expression is required.")
        }
        if let catalog = configuration.algorithms {
            let problems = catalog.problems(in: expression)
            if !problems.isEmpty { return Reply.error(400, "INVALID_ARGUMENT", problems.joined(separator: "; ")) }
        }
        func call(_ node: Any?) -> (String, [String: Any])? {
            var node = node as? [String: Any]
            if let ref = node?["valueReference"] as? String { node = values[ref] as? [String: Any] }
            guard let invocation = node?["functionInvocationValue"] as? [String: Any], let name = invocation["functionName"] as? String else { return nil }
            return (name, invocation["arguments"] as? [String: Any] ?? [:])
        }
        guard let (outer, args) = call(values[result]), outer == "Collection.geometry",
              let (inner, innerArgs) = call(args["collection"]), inner == "Collection.loadTable" else {
            return Reply.error(400, "INVALID_ARGUMENT", "The fake computes only Collection.geometry(Collection.loadTable(tableId)).")
        }
        var idNode = innerArgs["tableId"] as? [String: Any]
        if let ref = idNode?["valueReference"] as? String { idNode = values[ref] as? [String: Any] }
        let id = idNode?["constantValue"] as? String ?? ""
        guard let text = configuration.tables[id], let geometry = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
            return Reply.error(404, "NOT_FOUND", "Table '\(id)' does not exist or caller does not have access to it.")
        }
        return Reply.json(200, ["result": geometry])
    }

    /// Images count against the quota, as the root reports it.
    var imageCount: Int { assets.values.filter { $0 == "IMAGE" }.count }

    func assetJSON(_ name: String, type: String) -> [String: Any] {
        var object: [String: Any] = ["type": type, "name": name]
        if let props = properties[name], !props.isEmpty { object["properties"] = props }
        return object
    }

    /// The test's window: what was asked and written, in one JSON object.
    func books() -> [String: Any] {
        let exportsPerRequest = Dictionary(grouping: order.compactMap { operations[$0]?.requestId }, by: { $0 }).mapValues(\.count)
        return ["counts": counts, "writes": writes, "files": files, "states": operations.mapValues(\.state),
                "descriptions": operations.mapValues(\.description),
                "tasksPerRequestId": exportsPerRequest.filter { $0.value > 1 }, "tasks": operations.count,
                // What each export read of the project's assets and files, by description.
                "reads": Dictionary(operations.values.filter { !$0.reads.isEmpty }.map { ($0.description, $0.reads) }) { a, _ in a },
                "properties": properties]
    }

    func booksJSON() -> Data { (try? JSONSerialization.data(withJSONObject: books(), options: .sortedKeys)) ?? Data() }

    /// A public collection's images matching the filter, paged.
    func listCollection(_ name: String, images: [FakeImage], query: [String: String]) -> HTTPResponse {
        count("list-images")
        let filter: ListingFilter
        do { filter = try ListingFilter(query["filter"] ?? "") } catch let error as ListingFilter.Invalid {
            return Reply.error(400, "INVALID_ARGUMENT", error.message)
        } catch { return Reply.error(400, "INVALID_ARGUMENT", "Invalid filter.") }
        let matching = (query["filter"] ?? "").isEmpty ? images : images.filter(filter.matches)
        return Reply.page(matching, key: "assets", query: query, maxSize: 1000) { $0.json(collection: name) }
    }

    /// Children of a folder or collection, paged.
    func listAssets(_ parent: String, query: [String: String]) -> HTTPResponse {
        advance()
        if let images = configuration.collections[parent] { return listCollection(parent, images: images, query: query) }
        guard assets[parent] != nil else { return Reply.error(404, "NOT_FOUND", "Asset '\(parent)' does not exist.") }
        let children = assets.keys.filter { $0.hasPrefix(parent + "/") && !$0.dropFirst(parent.count + 1).contains("/") }.sorted()
        return Reply.page(children, key: "assets", query: query, maxSize: 1000) { assetJSON($0, type: assets[$0]!) }
    }
}

/// An answer's body that breaks off after a few bytes: the server closes the connection
/// without the rest (the client sees a partial transfer).
struct BrokenBody: AsyncBufferedSequence {
    typealias Element = UInt8
    let prefix: [UInt8]
    func makeAsyncIterator() -> Iterator { Iterator(prefix: prefix) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var prefix: [UInt8]?
        mutating func next() async throws -> UInt8? { try await nextBuffer(suggested: 1)?.first }
        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            guard let bytes = prefix else { throw Dropped() }
            prefix = nil
            return bytes
        }
    }
    struct Dropped: Error {}
}

enum Reply {
    /// One page of `items` under `key`: `pageSize` (at most `maxSize`) from the offset the
    /// `pageToken` carries, `nextPageToken` while more remain; empty fields left out (proto3).
    static func page<T>(_ items: [T], key: String, query: [String: String], maxSize: Int,
                        _ encode: (T) -> [String: Any]) -> HTTPResponse {
        let size = min(maxSize, max(1, Int(query["pageSize"] ?? "") ?? maxSize))
        let start = Int(query["pageToken"] ?? "") ?? 0
        let page = items.dropFirst(start).prefix(size)
        var answer: [String: Any] = [:]
        if !page.isEmpty { answer[key] = page.map(encode) }
        if start + size < items.count { answer["nextPageToken"] = String(start + size) }
        return json(200, answer)
    }

    /// `response`'s status and headers, then a few bytes of its body, then the connection drops.
    static func dropped(_ response: HTTPResponse) -> HTTPResponse {
        let whole = Array((try? JSONSerialization.data(withJSONObject: ["truncated": String(repeating: "x", count: 64)])) ?? Data())
        return HTTPResponse(statusCode: response.statusCode, headers: response.headers,
                            body: HTTPBodySequence(from: BrokenBody(prefix: Array(whole.prefix(8))), count: whole.count))
    }

    static func json(_ status: Int, _ object: [String: Any], headers: [HTTPHeader: String] = [:]) -> HTTPResponse {
        var headers = headers
        headers[.contentType] = "application/json; charset=UTF-8"
        let body = (try? JSONSerialization.data(withJSONObject: object, options: .sortedKeys)) ?? Data()
        return HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "status"), headers: headers, body: body)
    }

    /// Google's JSON error shape (earth-engine-rest.md §0).
    static func error(_ status: Int, _ canonical: String, _ message: String, headers: [HTTPHeader: String] = [:]) -> HTTPResponse {
        json(status, ["error": ["code": status, "message": message, "status": canonical]], headers: headers)
    }
}

enum Form {
    static func decode(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }
}

enum Base64URL {
    static func decode(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
