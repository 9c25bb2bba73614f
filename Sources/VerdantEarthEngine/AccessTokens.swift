import Foundation
import VerdantHTTP

/// Access tokens for the API: fetched when first needed, refreshed a margin before they
/// expire and after the API answers 401 to one. Concurrent callers share one refresh.
public actor AccessTokens {
    public struct Token: Sendable, Equatable {
        public var value: String
        public var expires: Date
        /// Refreshed this long before `expires`: the engine's margin, or half the lifetime of a
        /// short-lived token (a margin longer than the lifetime would refresh on every call).
        var margin: Double = 0
    }

    private let credentials: EarthEngineCredentials
    private let http: HTTPClient
    private let now: @Sendable () -> Date
    /// Refresh this long before expiry, so a token never expires in flight.
    private let margin: Double
    private var current: Token?
    private var refreshing: Task<Token, Error>?
    /// Tokens fetched so far (tests and the benchmark count refreshes).
    public private(set) var refreshes = 0

    public init(credentials: EarthEngineCredentials, http: HTTPClient, margin: Double = 300,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.credentials = credentials; self.http = http; self.margin = margin; self.now = now
    }

    public func token() async throws -> String {
        if let current, current.expires.timeIntervalSince(now()) > current.margin { return current.value }
        return try await refresh().value
    }

    /// The API refused `token` (401): the next call fetches another, unless that already happened.
    public func invalidate(_ token: String) {
        if current?.value == token { current = nil }
    }

    private func refresh() async throws -> Token {
        if let refreshing { return try await refreshing.value }
        let task = Task { try await self.fetch() }
        refreshing = task
        defer { refreshing = nil }
        let token = try await task.value
        current = token
        refreshes += 1
        return token
    }

    private func fetch() async throws -> Token {
        let started = now()
        let (url, form): (String, [(String, String)])
        switch credentials {
        case .serviceAccount(let key):
            url = key.tokenURI
            form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    // Signed at the wall clock's time whatever clock keeps expiries: the token
                    // endpoint checks iat and exp against its own.
                    ("assertion", try ServiceAccountAssertion.make(key, now: Date()))]
        case .user(let user):
            url = user.tokenURI
            form = [("grant_type", "refresh_token"), ("refresh_token", user.refreshToken),
                    ("client_id", user.clientID), ("client_secret", user.clientSecret)]
                + (user.scopes.isEmpty ? [] : [("scope", user.scopes.joined(separator: " "))])
        }
        let body = Data(FormEncoding.encode(form).utf8)
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(.post, url, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                       body: body, timeout: 60))
        } catch let error as TransportError {
            throw AuthError.unreachable("\(url): \(error)")
        }
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        guard response.isSuccess else {
            let reason = [object["error"] as? String, object["error_description"] as? String].compactMap { $0 }.joined(separator: ": ")
            let message = "\(url) answered \(response.status)\(reason.isEmpty ? "" : ": \(reason)")"
            if RetryPolicy.isRetryable(status: response.status) { throw AuthError.unreachable(message) }
            throw AuthError.refused(message)
        }
        guard let value = object["access_token"] as? String, !value.isEmpty else {
            throw AuthError.refused("\(url) answered without an access_token")
        }
        let lifetime = (object["expires_in"] as? NSNumber)?.doubleValue ?? 3600
        return Token(value: value, expires: started.addingTimeInterval(lifetime), margin: min(margin, lifetime / 2))
    }
}

public enum AuthError: Error, CustomStringConvertible, Equatable {
    /// The token endpoint refused the credentials (revoked, expired key, wrong secret).
    case refused(String)
    /// The token endpoint could not be reached or kept failing.
    case unreachable(String)
    public var description: String {
        switch self {
        case .refused(let m): return "credentials refused: \(m)"
        case .unreachable(let m): return "token endpoint unreachable: \(m)"
        }
    }
}

/// application/x-www-form-urlencoded (WHATWG URL §5): only unreserved characters stay.
public enum FormEncoding {
    static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._~")
        return set
    }()

    public static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    public static func decode(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            result[name] = value
        }
        return result
    }
}
