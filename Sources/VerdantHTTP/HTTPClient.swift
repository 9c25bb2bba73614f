import Dispatch
import Foundation
import Logging

/// HTTP for the Earth Engine client: libcurl exchanges off Swift's cooperative threads, tried
/// again on 429, 5xx and connection errors by a `RetryPolicy`. Its debug log names method,
/// host, path, status and time, never a header or a body, and masks secret query values:
/// tokens, keys and assertions never reach a log.
public final class HTTPClient: Sendable {
    public let transport: CurlTransport
    public let policy: RetryPolicy
    private let logger: Logger

    public init(transport: CurlTransport = CurlTransport(), policy: RetryPolicy = RetryPolicy(),
                logger: Logger = Logger(label: "verdant.http")) {
        self.transport = transport; self.policy = policy; self.logger = logger
    }

    /// One exchange, no retry.
    public func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transport = self.transport
        return try await withCheckedThrowingContinuation { continuation in
            // A thread of its own: on Linux, Dispatch's queues share a pool of about one thread
            // a core with Swift's cooperative executor, so exchanges blocked in libcurl there
            // starve every task of the process (an in-process server among them).
            let thread = Thread { continuation.resume(with: Result { try transport.perform(request) }) }
            thread.stackSize = 512 * 1024
            thread.start()
        }
    }

    /// Sends `request`, again after a wait while the answer is 429 or 5xx or the connection
    /// failed, up to the policy's attempts. Returns the last answer (whatever its status) or
    /// throws the last `TransportError`. `policy` overrides the client's (`.once` for a request
    /// that must not be repeated).
    public func send(_ request: HTTPRequest, policy: RetryPolicy? = nil) async throws -> HTTPResponse {
        let policy = policy ?? self.policy
        var attempt = 0
        while true {
            attempt += 1
            let started = Date()
            let retryAfter: Double?
            do {
                let response = try await perform(request)
                log(request, "\(response.status)", started: started, attempt: attempt)
                guard policy.retries(status: response.status), attempt < policy.maxAttempts else { return response }
                retryAfter = response.retryAfter()
                guard let wait = policy.delay(afterAttempt: attempt, retryAfter: retryAfter) else { return response }
                try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            } catch let error as TransportError {
                log(request, "failed: \(error)", started: started, attempt: attempt)
                guard error.isRetryable, attempt < policy.maxAttempts,
                      let wait = policy.delay(afterAttempt: attempt, retryAfter: nil) else { throw error }
                try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            }
        }
    }

    private func log(_ request: HTTPRequest, _ outcome: String, started: Date, attempt: Int) {
        guard logger.logLevel <= .debug else { return }
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        logger.debug("\(request.method.rawValue) \(Redaction.url(request.url)) -> \(outcome) in \(ms) ms\(attempt > 1 ? " (try \(attempt))" : "")")
    }
}

/// What of a request may be logged.
public enum Redaction {
    /// Query parameters whose values are secrets.
    static let secretKeys: Set<String> = ["access_token", "key", "token", "assertion", "refresh_token",
                                          "client_secret", "code", "id_token", "api_key", "signature"]

    /// The URL with secret query values replaced by "***" (paths carry no secrets in this API).
    public static func url(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        let query = url[url.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            return secretKeys.contains(name.lowercased()) && parts.count == 2 ? "\(name)=***" : String(pair)
        }
        return url[..<question] + "?" + query.joined(separator: "&")
    }
}
