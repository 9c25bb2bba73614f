import Foundation

/// A Google service-account key (the JSON a console download gives).
public struct ServiceAccountKey: Sendable, Equatable {
    public var clientEmail: String
    public var privateKeyPEM: String
    public var privateKeyID: String?
    public var projectID: String?
    /// Where its assertions are exchanged for tokens: the key's own `token_uri`.
    public var tokenURI: String
}

/// The refresh-token credentials `earthengine authenticate` writes
/// (`~/.config/earthengine/credentials`).
public struct UserCredentials: Sendable, Equatable {
    public var refreshToken: String
    public var clientID: String
    public var clientSecret: String
    public var project: String?
    /// Google's token endpoint unless the file names another (a test server).
    public var tokenURI: String
    /// The scopes the file names (`earthengine authenticate` writes them); a refresh asks for
    /// these or, when none, for the refresh token's own.
    public var scopes: [String] = []
}

public enum EarthEngineCredentials: Sendable, Equatable {
    case serviceAccount(ServiceAccountKey)
    case user(UserCredentials)

    public static let googleTokenURI = "https://oauth2.googleapis.com/token"

    /// The project a key or credentials file names, if any.
    public var project: String? {
        switch self {
        case .serviceAccount(let key): return key.projectID
        case .user(let user): return user.project
        }
    }

    /// Reads a service-account key or a user credentials file; errors name the file and field.
    public static func load(_ path: String) throws -> EarthEngineCredentials {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CredentialsError(path: path, field: nil, problem: "cannot be read: \((error as NSError).localizedDescription)")
        }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws -> EarthEngineCredentials {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CredentialsError(path: path, field: nil, problem: "is not a JSON object (expected a service-account key or the credentials file of `earthengine authenticate`)")
        }
        func string(_ field: String, required: Bool = true) throws -> String? {
            if let value = object[field] as? String, !value.isEmpty { return value }
            if object[field] != nil, !(object[field] is String) {
                throw CredentialsError(path: path, field: field, problem: "expected a string")
            }
            if required { throw CredentialsError(path: path, field: field, problem: "missing") }
            return nil
        }
        if let type = object["type"] as? String, type == "service_account" {
            let pem = try string("private_key")!
            guard pem.contains("-----BEGIN PRIVATE KEY-----") || pem.contains("-----BEGIN RSA PRIVATE KEY-----") else {
                throw CredentialsError(path: path, field: "private_key", problem: "expected a PEM RSA private key")
            }
            return .serviceAccount(ServiceAccountKey(
                clientEmail: try string("client_email")!, privateKeyPEM: pem,
                privateKeyID: try string("private_key_id", required: false), projectID: try string("project_id", required: false),
                tokenURI: try string("token_uri", required: false) ?? googleTokenURI))
        }
        if object["refresh_token"] != nil || object["type"] as? String == "authorized_user" {
            let refresh = try string("refresh_token")!
            guard let clientID = try string("client_id", required: false), let secret = try string("client_secret", required: false) else {
                throw CredentialsError(path: path, field: "client_id", problem: "missing: verdant needs the OAuth client id and secret in the file (add \"client_id\" and \"client_secret\" of the OAuth client that made the refresh token)")
            }
            return .user(UserCredentials(refreshToken: refresh, clientID: clientID, clientSecret: secret,
                                         project: try string("project", required: false) ?? string("quota_project_id", required: false),
                                         tokenURI: try string("token_uri", required: false) ?? googleTokenURI,
                                         scopes: object["scopes"] as? [String] ?? []))
        }
        throw CredentialsError(path: path, field: "type", problem: "expected \"service_account\" (a key) or a \"refresh_token\" (user credentials)")
    }

    /// A warning when others than the owner may read the file (it holds a secret), or nil.
    public static func permissionWarning(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 != 0 else { return nil }
        return "\(path): credentials readable by others (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
    }
}

public struct CredentialsError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var field: String?
    public var problem: String
    public init(path: String, field: String?, problem: String) { self.path = path; self.field = field; self.problem = problem }
    public var description: String { "\(path)\(field.map { ": \($0)" } ?? ""): \(problem)" }
}
