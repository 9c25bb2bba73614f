import FlyingFox
import Foundation
import Logging
import Testing
import VerdantHTTP

/// A real HTTP server on loopback answering from a script, counting what it was sent.
actor ScriptedServer {
    typealias Answer = @Sendable (FlyingFox.HTTPRequest, Int) async -> FlyingFox.HTTPResponse
    private var seen: [(path: String, port: String, body: Data, headers: [String: String])] = []
    private let answer: Answer
    private var server: HTTPServer?
    private var task: Task<Void, Error>?
    private(set) var port: UInt16 = 0

    init(_ answer: @escaping Answer) { self.answer = answer }

    func start() async throws -> String {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 10, logger: .disabled,
                                handler: ClosureHTTPHandler { [self] request in await self.record(request) })
        self.server = server
        task = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 10)
        guard case .ip4(_, let bound)? = await server.listeningAddress else { throw CancellationError() }
        port = bound
        return "http://127.0.0.1:\(bound)"
    }

    func stop() async { await server?.stop(timeout: 0); task?.cancel() }

    private func record(_ request: FlyingFox.HTTPRequest) async -> FlyingFox.HTTPResponse {
        var peer = ""
        if case .ip4(_, let port)? = request.remoteAddress { peer = String(port) }
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
        seen.append((request.path, peer, (try? await request.bodyData) ?? Data(), headers))
        return await answer(request, seen.count)
    }

    var requests: Int { seen.count }
    var peers: [String] { seen.map(\.port) }
    var bodies: [Data] { seen.map(\.body) }
    var headers: [[String: String]] { seen.map(\.headers) }
}

func reply(_ status: Int, _ text: String = "{}", headers: [HTTPHeader: String] = [:]) -> FlyingFox.HTTPResponse {
    FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "x"), headers: headers, body: Data(text.utf8))
}

@Suite("HTTP over libcurl")
struct HTTPClientTests {
    let fast = RetryPolicy(maxAttempts: 5, baseDelay: 0.01, maxDelay: 0.05, maxRetryAfter: 5)

    @Test("503 and 500 are tried again until an answer comes; the body and headers arrive as sent")
    func retriesServerErrors() async throws {
        let server = ScriptedServer { _, n in n == 1 ? reply(503) : n == 2 ? reply(500) : reply(200, "{\"ok\":true}") }
        let base = try await server.start()
        let client = HTTPClient(policy: fast)
        let response = try await client.send(VerdantHTTP.HTTPRequest(.post, base + "/v1/x", headers: [("Content-Type", "application/json")],
                                                                     body: Data("{\"a\":1}".utf8)))
        #expect(response.status == 200)
        #expect(response.text == "{\"ok\":true}")
        #expect(await server.requests == 3)
        #expect(await server.bodies.allSatisfy { $0 == Data("{\"a\":1}".utf8) })
        #expect(await server.headers.first?["content-type"] == "application/json")
        await server.stop()
    }

    @Test("Retry-After is waited for; one longer than the policy allows goes back to the caller")
    func honoursRetryAfter() async throws {
        let server = ScriptedServer { _, n in
            n == 1 ? reply(429, headers: [HTTPHeader("Retry-After"): "1"]) : n == 2 ? reply(429, headers: [HTTPHeader("Retry-After"): "120"]) : reply(200)
        }
        let base = try await server.start()
        let started = Date()
        let response = try await HTTPClient(policy: fast).send(VerdantHTTP.HTTPRequest(.get, base + "/a"))
        #expect(Date().timeIntervalSince(started) >= 0.95, "the 1 s Retry-After was not waited for")
        #expect(response.status == 429)
        #expect(response.retryAfter() == 120)
        #expect(await server.requests == 2)
        await server.stop()
    }

    @Test("a 400 is not tried again; the retry limit holds for a server that keeps failing")
    func noRetryOnClientErrors() async throws {
        let server = ScriptedServer { request, _ in request.path == "/bad" ? reply(400) : reply(503) }
        let base = try await server.start()
        let client = HTTPClient(policy: fast)
        #expect(try await client.send(VerdantHTTP.HTTPRequest(.get, base + "/bad")).status == 400)
        #expect(await server.requests == 1)
        #expect(try await client.send(VerdantHTTP.HTTPRequest(.get, base + "/down")).status == 503)
        #expect(await server.requests == 6)
        #expect(try await client.send(VerdantHTTP.HTTPRequest(.get, base + "/down"), policy: .once).status == 503)
        #expect(await server.requests == 7)
        await server.stop()
    }

    @Test("a refused connection is a retryable transport error, after the policy's tries")
    func connectionRefused() async throws {
        let server = ScriptedServer { _, _ in reply(200) }
        let base = try await server.start()
        await server.stop()
        do {
            _ = try await HTTPClient(policy: fast).send(VerdantHTTP.HTTPRequest(.get, base + "/gone", timeout: 5))
            Issue.record("a closed port answered")
        } catch let error as TransportError {
            #expect(error.code == 7, "expected CURLE_COULDNT_CONNECT, got \(error)")
            #expect(error.isRetryable)
        }
    }

    @Test("requests in a row reuse one connection")
    func reusesConnections() async throws {
        let server = ScriptedServer { _, _ in reply(200) }
        let base = try await server.start()
        let client = HTTPClient(policy: fast)
        for _ in 0..<5 { _ = try await client.send(VerdantHTTP.HTTPRequest(.get, base + "/r")) }
        let peers = await server.peers
        #expect(peers.count == 5)
        #expect(Set(peers).count == 1, "one client port expected, saw \(peers)")
        await server.stop()
    }

    @Test("the debug log never shows a token, a key or a secret")
    func logHasNoSecrets() async throws {
        let server = ScriptedServer { _, n in n == 1 ? reply(503) : reply(200) }
        let base = try await server.start()
        let lines = CapturingHandler.Lines()
        var logger = Logger(label: "test.http") { _ in CapturingHandler(lines: lines) }
        logger.logLevel = .debug
        let client = HTTPClient(policy: fast, logger: logger)
        _ = try await client.send(VerdantHTTP.HTTPRequest(.post, base + "/token?access_token=SECRET1&x=1&key=SECRET2",
                                                          headers: [("Authorization", "Bearer SECRET3")],
                                                          body: Data("assertion=SECRET4&client_secret=SECRET5".utf8)))
        let log = lines.all
        #expect(log.count == 2, "one line per try: \(log)")
        #expect(log.allSatisfy { !$0.contains("SECRET") }, "\(log)")
        #expect(log.first?.contains("access_token=***") == true && log.first?.contains("x=1") == true)
        #expect(log.last?.contains("-> 200") == true && log.last?.contains("try 2") == true)
        await server.stop()
    }

    @Test("backoff doubles with full jitter up to its cap; Retry-After dates parse")
    func backoffShape() {
        let policy = RetryPolicy(maxAttempts: 8, baseDelay: 0.5, maxDelay: 4, maxRetryAfter: 60)
        let ceilings = (1...6).map { policy.delay(afterAttempt: $0, retryAfter: nil, random: { $0.upperBound })! }
        #expect(ceilings == [0.5, 1, 2, 4, 4, 4])
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, random: { $0.lowerBound }) == 0)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 7) == 7)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 61) == nil)
        let now = Date(timeIntervalSince1970: 1_445_412_480) // Wed, 21 Oct 2015 07:28:00 GMT
        let dated = VerdantHTTP.HTTPResponse(status: 503, headers: ["retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"])
        #expect(dated.retryAfter(now: now) == 30)
        #expect(VerdantHTTP.HTTPResponse(status: 503, headers: ["retry-after": "soon"]).retryAfter() == nil)
    }
}
