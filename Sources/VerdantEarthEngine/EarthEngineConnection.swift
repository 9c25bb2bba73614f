import Foundation
import VerdantHTTP

/// The API as a run uses it: credentials read from their file, one HTTP client and one token
/// source shared by discovery and the engine.
public struct EarthEngineConnection: Sendable {
    public let api: EarthEngineAPI
    /// The credentials file read.
    public let credentialsPath: String
    /// Said once in the log and by `verdant check` (a file others can read).
    public let warning: String?

    public struct NoProject: Error, CustomStringConvertible {
        public var credentialsPath: String
        public var description: String {
            "earthengine.project: expected a Google Cloud project id; \(credentialsPath) names none either"
        }
    }

    /// `configured` ("" for the defaults), `GOOGLE_APPLICATION_CREDENTIALS`, then the file
    /// `earthengine authenticate` writes.
    public static func credentialsPath(configured: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if !configured.isEmpty { return configured }
        if let path = environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty { return path }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.config/earthengine/credentials"
    }

    /// Reads the credentials (errors name the file and field) and sets the client up; nothing
    /// is sent yet.
    public init(credentialsPath: String, apiURL: String, project: String, http: HTTPClient = HTTPClient()) throws {
        let credentials = try EarthEngineCredentials.load(credentialsPath)
        guard let project = project.isEmpty ? credentials.project : project, !project.isEmpty else {
            throw NoProject(credentialsPath: credentialsPath)
        }
        self.credentialsPath = credentialsPath
        self.warning = EarthEngineCredentials.permissionWarning(credentialsPath)
        self.api = EarthEngineAPI(baseURL: apiURL, project: project, tokens: AccessTokens(credentials: credentials, http: http), http: http)
    }
}
