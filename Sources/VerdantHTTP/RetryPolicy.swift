import Foundation

/// When and how long to wait before sending a request again: exponential backoff with full
/// jitter (a random wait up to base × 2^n, capped), on 429, 5xx and connection errors, and
/// `Retry-After` honoured when the server gives it.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    /// A `Retry-After` longer than this is not waited for here: the answer goes back to the
    /// caller, whose scheduler holds submissions for that long instead of blocking a request.
    public var maxRetryAfter: Double
    /// Whether a 429 is sent again here. Not for a call whose 429 can mean "come back much
    /// later" (Earth Engine's full task queue): its caller decides, with the answer in hand.
    public var retriesTooManyRequests: Bool

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 30, maxRetryAfter: Double = 60,
                retriesTooManyRequests: Bool = true) {
        self.maxAttempts = maxAttempts; self.baseDelay = baseDelay; self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter; self.retriesTooManyRequests = retriesTooManyRequests
    }

    /// Never tries twice (a request whose repetition could do something twice).
    public static let once = RetryPolicy(maxAttempts: 1)

    public static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// Whether this policy sends a request answered `status` again.
    public func retries(status: Int) -> Bool {
        status == 429 ? retriesTooManyRequests : Self.isRetryable(status: status)
    }

    /// The wait before try number `attempt + 1` (`attempt` ≥ 1 tries made), or nil when the
    /// server asked for longer than `maxRetryAfter`.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?,
                      random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Double? {
        if let retryAfter {
            return retryAfter <= maxRetryAfter ? retryAfter : nil
        }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return random(0...ceiling)
    }
}
