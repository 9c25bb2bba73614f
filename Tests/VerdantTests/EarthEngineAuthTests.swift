import _CryptoExtras
import FakeEarthEngine
import Foundation
import Testing
import VerdantEarthEngine
import VerdantHTTP

/// A service account made for the test: its key file and the public key the fake checks.
struct TestServiceAccount {
    static let email = "verdant-test@verdant-test.iam.gserviceaccount.com"
    let privateKey: _RSA.Signing.PrivateKey
    init() throws { privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048) }
    var publicPEM: String { privateKey.publicKey.pemRepresentation }

    func keyFile(tokenURI: String, in dir: URL) throws -> String {
        let key: [String: Any] = [
            "type": "service_account", "project_id": "verdant-test", "private_key_id": "k1",
            "private_key": privateKey.pkcs8PEMRepresentation, "client_email": Self.email, "token_uri": tokenURI,
        ]
        let path = dir.appendingPathComponent("key.json").path
        try JSONSerialization.data(withJSONObject: key).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        return path
    }
}

final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Date()
    var now: Date { lock.lock(); defer { lock.unlock() }; return value }
    func advance(_ seconds: Double) { lock.lock(); value += seconds; lock.unlock() }
}

@Suite("Earth Engine credentials and tokens")
struct EarthEngineAuthTests {
    let fast = RetryPolicy(maxAttempts: 6, baseDelay: 0.01, maxDelay: 0.05, maxRetryAfter: 5)

    func fake(_ account: TestServiceAccount, _ edit: (inout FakeEarthEngine.Configuration) -> Void = { _ in }) async throws -> FakeEarthEngine {
        var configuration = FakeEarthEngine.Configuration()
        configuration.projects = ["verdant-test"]
        configuration.serviceAccounts[TestServiceAccount.email] = account.publicPEM
        edit(&configuration)
        return try await FakeEarthEngine(configuration)
    }

    @Test("the service account's JWT is RS256 over its header and claims and verifies with the public key")
    func jwtVerifies() throws {
        let account = try TestServiceAccount()
        let dir = Fixtures.temporaryDirectory("jwt")
        guard case .serviceAccount(let key) = try EarthEngineCredentials.load(try account.keyFile(tokenURI: "https://t.example/token", in: dir)) else {
            Issue.record("not read as a service account"); return
        }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let jwt = try ServiceAccountAssertion.make(key, now: now)
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        func decode(_ s: String) -> Data {
            var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while t.count % 4 != 0 { t += "=" }
            return Data(base64Encoded: t)!
        }
        let header = try JSONSerialization.jsonObject(with: decode(parts[0])) as! [String: Any]
        let claims = try JSONSerialization.jsonObject(with: decode(parts[1])) as! [String: Any]
        #expect(header["alg"] as? String == "RS256" && header["kid"] as? String == "k1")
        #expect(claims["iss"] as? String == TestServiceAccount.email)
        #expect(claims["aud"] as? String == "https://t.example/token")
        #expect((claims["scope"] as? String)?.contains("https://www.googleapis.com/auth/earthengine") == true)
        #expect(claims["iat"] as? Int == 1_800_000_000 && claims["exp"] as? Int == 1_800_003_600)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: decode(parts[2]))
        #expect(account.privateKey.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8), padding: .insecurePKCS1v1_5))
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(!other.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8), padding: .insecurePKCS1v1_5))
    }

    @Test("service account: a token from the key's own token_uri, reused until near expiry, refreshed before it")
    func serviceAccountFlow() async throws {
        let account = try TestServiceAccount()
        let server = try await fake(account)
        let dir = Fixtures.temporaryDirectory("sa")
        let credentials = try EarthEngineCredentials.load(try account.keyFile(tokenURI: server.tokenURL, in: dir))
        #expect(credentials.project == "verdant-test")
        let clock = Clock()
        let tokens = AccessTokens(credentials: credentials, http: HTTPClient(policy: fast), now: { clock.now })
        let api = EarthEngineAPI(baseURL: server.baseURL, project: "verdant-test", tokens: tokens, http: HTTPClient(policy: fast))
        let quota = try await api.rootQuota()
        #expect(quota?.maxAssets == 10_000 && quota?.assetCount == 0 && quota?.maxSizeBytes == 250_000_000_000)
        let first = try await tokens.token()
        clock.advance(3000)
        #expect(try await tokens.token() == first, "refreshed too early")
        clock.advance(400) // 5 min before expiry: refreshed before it
        let second = try await tokens.token()
        #expect(second != first)
        #expect(await tokens.refreshes == 2)
        #expect(await server.counts()["token"] == 2)
        await server.stop()
    }

    @Test("a token the API refuses (expired or revoked mid-run) is replaced once and the call goes through")
    func refreshAfter401() async throws {
        let account = try TestServiceAccount()
        let server = try await fake(account)
        let dir = Fixtures.temporaryDirectory("sa401")
        let tokens = AccessTokens(credentials: try .load(try account.keyFile(tokenURI: server.tokenURL, in: dir)), http: HTTPClient(policy: fast))
        let api = EarthEngineAPI(baseURL: server.baseURL, project: "verdant-test", tokens: tokens, http: HTTPClient(policy: fast))
        _ = try await api.rootQuota()
        await server.expireTokens()
        _ = try await api.rootQuota()
        #expect(await server.counts()["401"] == 1)
        #expect(await tokens.refreshes == 2)
        // The account revoked: the token endpoint refuses, and the caller learns it.
        await server.revoke(serviceAccount: TestServiceAccount.email)
        await server.expireTokens()
        await #expect(throws: AuthError.self) { try await api.rootQuota() }
        await server.stop()
    }

    @Test("user credentials: the refresh-token flow; a wrong client secret is refused clearly")
    func userFlow() async throws {
        let account = try TestServiceAccount()
        let server = try await fake(account) { $0.refreshTokens["1//refresh"] = .init(id: "client.apps", secret: "s3cret") }
        let dir = Fixtures.temporaryDirectory("user")
        func file(_ secret: String) throws -> EarthEngineCredentials {
            let path = dir.appendingPathComponent("credentials-\(secret)").path
            let object: [String: Any] = ["refresh_token": "1//refresh", "client_id": "client.apps", "client_secret": secret,
                                         "scopes": ["https://www.googleapis.com/auth/earthengine"], "project": "verdant-test",
                                         "token_uri": server.tokenURL]
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
            return try .load(path)
        }
        let good = try file("s3cret")
        #expect(good.project == "verdant-test")
        let api = EarthEngineAPI(baseURL: server.baseURL, project: "verdant-test",
                                 tokens: AccessTokens(credentials: good, http: HTTPClient(policy: fast)), http: HTTPClient(policy: fast))
        #expect(try await api.rootQuota()?.maxAssets == 10_000)
        let bad = AccessTokens(credentials: try file("wrong"), http: HTTPClient(policy: fast))
        do {
            _ = try await bad.token()
            Issue.record("a wrong secret got a token")
        } catch let error as AuthError {
            guard case .refused(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("401") && message.contains("invalid_client"))
        }
        await server.stop()
    }

    @Test("injected 429/500/503 on every endpoint are ridden out by the client's retries")
    func faultsRiddenOut() async throws {
        let account = try TestServiceAccount()
        let server = try await fake(account) {
            $0.faults.unavailable = 0.2; $0.faults.internalError = 0.1; $0.faults.tooManyRequests = 0.1; $0.faults.seed = 7
        }
        let dir = Fixtures.temporaryDirectory("faults")
        let tokens = AccessTokens(credentials: try .load(try account.keyFile(tokenURI: server.tokenURL, in: dir)), http: HTTPClient(policy: fast))
        let api = EarthEngineAPI(baseURL: server.baseURL, project: "verdant-test", tokens: tokens, http: HTTPClient(policy: fast))
        for _ in 0..<20 { #expect(try await api.rootQuota()?.maxAssets == 10_000) }
        let counts = await server.counts()
        #expect((counts["503"] ?? 0) > 0 && (counts["500"] ?? 0) > 0 && (counts["429"] ?? 0) > 0, "\(counts)")
        #expect(counts["asset"] == 20)
        await server.stop()
    }

    @Test("credentials files: errors name the file and the field; a file others can read is warned about")
    func credentialFileErrors() throws {
        let dir = Fixtures.temporaryDirectory("creds")
        func write(_ text: String, _ name: String, mode: mode_t = 0o600) -> String {
            let path = dir.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            chmod(path, mode)
            return path
        }
        let noEmail = write(#"{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n"}"#, "a.json")
        #expect(throws: CredentialsError(path: noEmail, field: "client_email", problem: "missing")) { try EarthEngineCredentials.load(noEmail) }
        let garbage = write("not json", "b.json")
        #expect { try EarthEngineCredentials.load(garbage) } throws: { "\($0)".hasPrefix(garbage + ": is not a JSON object") }
        let noSecret = write(#"{"refresh_token":"1//x","client_id":"c"}"#, "c.json")
        #expect { try EarthEngineCredentials.load(noSecret) } throws: { "\($0)".contains("client_secret") }
        let missing = dir.appendingPathComponent("none.json").path
        #expect { try EarthEngineCredentials.load(missing) } throws: { "\($0)".hasPrefix(missing + ": cannot be read") }
        let open = write("{}", "open.json", mode: 0o644)
        #expect(EarthEngineCredentials.permissionWarning(open)?.contains("chmod 600") == true)
        #expect(EarthEngineCredentials.permissionWarning(noEmail) == nil)
    }
}
