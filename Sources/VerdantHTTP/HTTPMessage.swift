import Foundation

/// One HTTP request as the Earth Engine client sends it: small JSON or form bodies.
public struct HTTPRequest: Sendable, Equatable {
    public enum Method: String, Sendable { case get = "GET", post = "POST", delete = "DELETE", patch = "PATCH" }

    public var method: Method
    public var url: String
    /// Header lines in order; names as sent.
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Whole exchange, connection included, in seconds.
    public var timeout: Double

    public init(_ method: Method, _ url: String, headers: [(name: String, value: String)] = [], body: Data? = nil,
                timeout: Double = 60) {
        self.method = method; self.url = url; self.headers = headers; self.body = body; self.timeout = timeout
    }

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body && a.timeout == b.timeout
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: Data
    /// Seconds the exchange took, as libcurl measured it.
    public var seconds: Double

    public init(status: Int, headers: [String: String] = [:], body: Data = Data(), seconds: Double = 0) {
        self.status = status; self.headers = headers; self.body = body; self.seconds = seconds
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// `Retry-After` in seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
    public func retryAfter(now: Date = Date()) -> Double? {
        guard let raw = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if let seconds = Double(raw), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: raw) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

/// The exchange failed below HTTP: no status came back.
public struct TransportError: Error, Sendable, CustomStringConvertible, Equatable {
    /// libcurl's CURLcode.
    public var code: Int
    public var message: String
    /// Worth trying again: the connection failed, timed out or broke; not a malformed URL or a
    /// certificate that does not verify.
    public var isRetryable: Bool

    public init(code: Int, message: String, isRetryable: Bool) {
        self.code = code; self.message = message; self.isRetryable = isRetryable
    }
    public var description: String { "\(message) (curl error \(code))" }
}
