import Foundation
import VerdantCore
import VerdantLocal
import VerdantRaster

/// What the output folder holds for one task, measured against the fingerprint its output
/// must be made under.
public enum OutputCheck: Sendable, Equatable {
    /// The main file opens and was made under the expected fingerprint.
    case valid(path: String)
    case missing
    /// Made under other parameters ("" when it carries no fingerprint).
    case otherParameters(found: String)
    /// Published, but its main file is absent or does not open.
    case unreadable(path: String, reason: String)

    public var isValid: Bool { if case .valid = self { return true } else { return false } }

    public var validPath: String? { if case .valid(let path) = self { return path } else { return nil } }

    /// A few words for the journal ("output missing").
    public var problem: String {
        switch self {
        case .valid: return "output valid"
        case .missing: return "output missing"
        case .otherParameters(let found):
            return found.isEmpty ? "output carries no fingerprint" : "output made under other parameters (\(found.prefix(8)))"
        case .unreadable(_, let reason): return "output does not open: \(reason)"
        }
    }
}

/// The local engine's outputs (`OutputLayout`): a result folder whose fingerprint file names
/// the expected fingerprint and whose main file GDAL opens.
public struct LocalOutputs: Sendable {
    public let layout: OutputLayout
    public init(layout: OutputLayout) { self.layout = layout }

    public func check(_ key: TaskKey, fingerprint: String) -> OutputCheck {
        guard let found = layout.publishedFingerprint(key) else { return .missing }
        // The cheap test first: most outputs of an outdated run differ here.
        guard found == fingerprint else { return .otherParameters(found: found) }
        let file = layout.resultFile(key).path
        if let problem = RasterOpenCheck.problem(opening: file) { return .unreadable(path: file, reason: problem) }
        return .valid(path: file)
    }
}
