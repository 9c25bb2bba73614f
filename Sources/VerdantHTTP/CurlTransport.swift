import CCurlShim
import Foundation

/// Blocking HTTP exchanges through libcurl. Easy handles are kept in a pool and reset between
/// requests, so each keeps its connections (and TLS sessions) alive for the next request to
/// the same host. Thread-safe: each exchange uses a handle no other thread holds.
public final class CurlTransport: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [OpaquePointer] = []
    private let maxIdle: Int
    /// A CA bundle to trust instead of the system's (tests with their own TLS server).
    private let caBundle: String?

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(maxIdleHandles: Int = 48, caBundle: String? = nil) {
        _ = Self.globalInit
        self.maxIdle = maxIdleHandles
        self.caBundle = caBundle
    }

    deinit {
        for handle in idle { curl_easy_cleanup(UnsafeMutableRawPointer(handle)) }
    }

    private func checkout() -> UnsafeMutableRawPointer {
        lock.lock()
        let handle = idle.popLast()
        lock.unlock()
        if let handle { return UnsafeMutableRawPointer(handle) }
        return curl_easy_init()
    }

    private func checkin(_ handle: UnsafeMutableRawPointer) {
        curl_easy_reset(handle)
        lock.lock()
        if idle.count < maxIdle {
            idle.append(OpaquePointer(handle))
            lock.unlock()
        } else {
            lock.unlock()
            curl_easy_cleanup(handle)
        }
    }

    /// One exchange; throws `TransportError` when no HTTP status came back.
    public func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        let handle = checkout()
        defer { checkin(handle) }
        let sink = ResponseSink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        // libcurl adds "Expect: 100-continue" to larger POSTs: a round trip for nothing here.
        headerList = curl_slist_append(headerList, "Expect:")

        var code = vd_curl_set_string(handle, CURLOPT_URL, request.url)
        func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        set(vd_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        set(vd_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000)))
        set(vd_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(min(request.timeout, 20) * 1000)))
        set(vd_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        set(vd_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, ""))
        set(vd_curl_set_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        if let caBundle { set(vd_curl_set_string(handle, CURLOPT_CAINFO, caBundle)) }
        set(vd_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)))
        set(vd_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
            let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
            sink.body.append(UnsafeRawPointer(data!).assumingMemoryBound(to: UInt8.self), count: size * count)
            return size * count
        }))
        set(vd_curl_set_pointer(handle, CURLOPT_WRITEDATA, context))
        set(vd_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, { data, size, count, context in
            let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
            sink.header(line)
            return size * count
        }))
        set(vd_curl_set_pointer(handle, CURLOPT_HEADERDATA, context))
        switch request.method {
        case .get:
            set(vd_curl_set_long(handle, CURLOPT_HTTPGET, 1))
        case .post, .patch, .delete:
            if request.method != .post { set(vd_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue)) }
            if request.method != .delete || request.body != nil {
                let body = request.body ?? Data()
                set(vd_curl_set_long(handle, CURLOPT_POST, 1))
                set(vd_curl_set_size(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                if body.isEmpty {
                    set(vd_curl_set_string(handle, CURLOPT_COPYPOSTFIELDS, ""))
                } else {
                    // COPYPOSTFIELDS copies: the body need not outlive this call.
                    body.withUnsafeBytes { raw in
                        set(vd_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress!)))
                    }
                }
            }
        }
        if code == CURLE_OK { code = curl_easy_perform(handle) }
        guard code == CURLE_OK else {
            throw TransportError(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)),
                                 isRetryable: Self.retryable.contains(code))
        }
        var status = 0
        _ = vd_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var seconds = 0.0
        _ = vd_curl_get_double(handle, CURLINFO_TOTAL_TIME, &seconds)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body, seconds: seconds)
    }

    /// Failures of the connection or the network, not of the request: worth another try.
    private static let retryable: Set<CURLcode> = [
        CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
        CURLE_OPERATION_TIMEDOUT, CURLE_SSL_CONNECT_ERROR, CURLE_GOT_NOTHING, CURLE_SEND_ERROR,
        CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY,
    ]
}

/// Where libcurl's callbacks put the answer.
private final class ResponseSink {
    var body = Data()
    var headers: [String: String] = [:]

    func header(_ line: String) {
        // A new status line (after a 100 Continue or a redirect) starts a new header block.
        if line.hasPrefix("HTTP/") { headers = [:]; return }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
    }
}
