import Crypto
import _CryptoExtras
import Foundation

/// The signed assertion a service account trades for an access token (RFC 7523; Google's
/// "OAuth 2.0 for server to server applications"): RS256 over base64url(header).base64url(claims).
public enum ServiceAccountAssertion {
    public static let scopes = [
        "https://www.googleapis.com/auth/earthengine",
        "https://www.googleapis.com/auth/cloud-platform",
        "https://www.googleapis.com/auth/devstorage.full_control",
        "https://www.googleapis.com/auth/drive",
    ]

    public static func make(_ key: ServiceAccountKey, now: Date, lifetime: Double = 3600) throws -> String {
        var header: [String: String] = ["alg": "RS256", "typ": "JWT"]
        header["kid"] = key.privateKeyID
        let iat = Int(now.timeIntervalSince1970)
        let claims: [String: Any] = [
            "iss": key.clientEmail, "scope": scopes.joined(separator: " "), "aud": key.tokenURI,
            "iat": iat, "exp": iat + Int(lifetime),
        ]
        let signingInput = base64URL(try JSONSerialization.data(withJSONObject: header, options: .sortedKeys)) + "."
            + base64URL(try JSONSerialization.data(withJSONObject: claims, options: .sortedKeys))
        let privateKey: _RSA.Signing.PrivateKey
        do { privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: key.privateKeyPEM) } catch {
            throw CredentialsError(path: key.clientEmail, field: "private_key", problem: "not a usable RSA key: \(error)")
        }
        let signature = try privateKey.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
