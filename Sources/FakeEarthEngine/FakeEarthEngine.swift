import Crypto
import _CryptoExtras
import FlyingFox
import Foundation

/// A fake Earth Engine on loopback, speaking the documented REST API (earth-engine-rest.md) for
/// tests and benchmarks: an OAuth token endpoint (service-account assertions verified against
/// the account's public key; refresh tokens), access tokens that expire, project roots with
/// their asset quota, and injected faults. Never part of the product.
public final class FakeEarthEngine: Sendable {
    public struct Configuration: Sendable {
        /// Service accounts it knows: client email → public key PEM.
        public var serviceAccounts: [String: String] = [:]
        /// User credentials it knows: refresh token → (client id, client secret).
        public var refreshTokens: [String: UserClient] = [:]
        /// Seconds an access token lives (`expires_in`).
        public var tokenLifetime: Int = 3600
        public var projects: Set<String> = []
        public var maxAssets: Int = 10_000
        public var maxBytes: Int64 = 250_000_000_000
        /// Shares of requests answered 429, 500 or 503 instead (token endpoint included).
        public var faults = Faults()
        /// Graphs of exports are checked against these when set (HTTP 400 on a problem).
        public var algorithms: AlgorithmCatalog?
        /// Seconds a task runs once started.
        public var taskDuration: Double = 0.2
        /// Tasks running at once; the others wait PENDING.
        public var maxRunning = 20
        /// Queued and running tasks the fake accepts (Earth Engine: 3000).
        public var queueLimit = 3000
        /// The answer to a second export with a request id already used (UNCONFIRMED upstream).
        public var duplicateAnswer = DuplicateAnswer.existing
        /// Seconds every API answer waits (not the token endpoint's): a distant server.
        public var latency = 0.0
        /// Tables by id (`projects/p/assets/land`), each a GeoJSON geometry: what `value:compute`
        /// answers for `Collection.geometry(Collection.loadTable(id))`, the one computation verdant asks.
        public var tables: [String: String] = [:]
        /// Public collections by full name (`projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED`).
        public var collections: [String: [FakeImage]] = [:]
        public init() {}
    }

    public enum DuplicateAnswer: Sendable { case existing, conflict }

    public struct UserClient: Sendable { public var id: String; public var secret: String
        public init(id: String, secret: String) { self.id = id; self.secret = secret } }

    public struct Faults: Sendable {
        public var tooManyRequests = 0.0
        public var internalError = 0.0
        public var unavailable = 0.0
        /// `Retry-After` sent with 429 and 503, in seconds.
        public var retryAfter: Int? = nil
        /// Share of exports created whose answer is lost (503 after the task exists).
        public var lostAnswer = 0.0
        /// Exports (1 for the first created) whose answer is lost whatever the draws.
        public var lostExports: Set<Int> = []
        /// Share of requests whose connection drops midway through the answer, after the server
        /// acted on them (an export's task exists).
        public var dropped = 0.0
        /// Share of requests answered only after `slowSeconds` (a client's timeout may fire first).
        public var slow = 0.0
        public var slowSeconds = 2.0
        public var seed: UInt64 = 1
        public init() {}
    }

    private let state: ServerState
    private let server: HTTPServer
    private let task: Task<Void, Error>
    public let port: UInt16

    /// Starts listening on 127.0.0.1 (`port` 0: any free port).
    public init(_ configuration: Configuration, port: UInt16 = 0) async throws {
        let state = ServerState(configuration)
        self.state = state
        // Request bodies (an export's graph is ~20 KB) are read whole before the handler runs.
        let config = HTTPServer.Configuration(address: try .inet(ip4: "127.0.0.1", port: port), timeout: 30,
                                              sharedRequestBufferSize: 1_048_576, sharedRequestReplaySize: 10_485_760,
                                              logger: .disabled)
        let server = HTTPServer(config: config, handler: ClosureHTTPHandler { request in await state.handle(request) })
        self.server = server
        self.task = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 10)
        guard case .ip4(_, let bound)? = await server.listeningAddress else { throw FakeError.notListening }
        self.port = bound
        await state.setBase("http://127.0.0.1:\(bound)")
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var tokenURL: String { baseURL + "/token" }

    public func stop() async {
        await server.stop(timeout: 1)
        task.cancel()
    }

    /// Counts of what it answered, by kind ("token", "401", "429", ...).
    public func counts() async -> [String: Int] { await state.counts }
    /// Makes every access token issued so far invalid, as a revocation or an expiry would.
    public func expireTokens() async { await state.expireTokens() }
    public func setFaults(_ faults: Faults) async { await state.setFaults(faults) }
    public func revoke(serviceAccount email: String) async { await state.revoke(email) }
    /// An asset made outside the API's exports (by another tool), with its properties.
    public func addAsset(_ name: String, type: String, properties: [String: String] = [:]) async {
        await state.addAsset(name, type: type, properties: properties)
    }
    /// Accepts (again) a service account's key.
    public func allow(serviceAccount email: String, publicKeyPEM: String) async { await state.allow(email, publicKeyPEM) }
    /// How many times each asset was written: a value above 1 is a duplicate export.
    public func assetWrites() async -> [String: Int] { await state.writes }
    /// States of every task, by operation name.
    public func taskStates() async -> [String: String] { await state.operations.mapValues(\.state) }
    /// The fake's books as `GET /fake/state` serves them to a test in another process.
    public func books() async -> Data { await state.booksJSON() }
}

enum FakeError: Error { case notListening }
