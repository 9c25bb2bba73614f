import Foundation

/// A trained cloud model as a versioned JSON file: the features it reads (by name, in order),
/// its trees, how it was trained and how well it did. Loading checks everything a damaged or
/// foreign file could get wrong, and says which file and what.
public struct CloudModelFile: Codable, Sendable, Equatable {
    public static let formatName = "verdant-cloud-forest"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    /// Feature names (`CloudFeature`), the order of the trees' feature indices.
    public var features: [String]
    public var trees: [DecisionTree]
    public var training: Training
    /// Measured accuracy, when `verdant train` could measure it.
    public var evaluation: [Evaluation]?

    public struct Training: Codable, Sendable, Equatable {
        /// The command line that made the model.
        public var command: String
        public var created: String
        public var settings: ForestTraining.Settings
        public var samples: Int
        public var cloudSamples: Int
        /// Where the samples came from: scenes and their reference masks, or a CSV file.
        public var sources: [String]
        /// What the labels are (e.g. "s2cloudless masks, not people").
        public var labels: String
        public init(command: String, created: String, settings: ForestTraining.Settings, samples: Int,
                    cloudSamples: Int, sources: [String], labels: String) {
            self.command = command; self.created = created; self.settings = settings; self.samples = samples
            self.cloudSamples = cloudSamples; self.sources = sources; self.labels = labels
        }
    }

    public struct Evaluation: Codable, Sendable, Equatable {
        /// What was scored ("out-of-bag samples", "leave one date out on …").
        public var on: String
        public var pixels: Int
        public var overallAccuracy: Double
        public var balancedAccuracy: Double
        public init(on: String, pixels: Int, overallAccuracy: Double, balancedAccuracy: Double) {
            self.on = on; self.pixels = pixels; self.overallAccuracy = overallAccuracy; self.balancedAccuracy = balancedAccuracy
        }
    }

    public init(features: [String], trees: [DecisionTree], training: Training, evaluation: [Evaluation]? = nil) {
        self.format = Self.formatName; self.version = Self.currentVersion
        self.features = features; self.trees = trees; self.training = training; self.evaluation = evaluation
    }

    public var forest: RandomForest { RandomForest(trees: trees, featureCount: features.count) }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads and checks a model file; `known` tells whether a feature name is one this verdant
    /// computes.
    public static func load(path: String, known: (String) -> Bool = { CloudFeature(name: $0) != nil }) throws -> CloudModelFile {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw CloudModelError(path: path, problem: "is a folder, not a model file")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            guard FileManager.default.fileExists(atPath: path) else { throw CloudModelError(path: path, problem: "no such file") }
            throw CloudModelError(path: path, problem: "cannot be read (\(error.localizedDescription))")
        }
        // The format and version first, so a newer or foreign file gets that answer rather
        // than a complaint about a field it has no reason to have.
        struct Header: Decodable { var format: String?; var version: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw CloudModelError(path: path, problem: "is not JSON (damaged or not a model file)")
        }
        guard header.format == formatName else {
            throw CloudModelError(path: path, problem: "expected \"format\": \"\(formatName)\", found \(header.format.map { "\"\($0)\"" } ?? "none")")
        }
        guard let version = header.version, version <= currentVersion, version >= 1 else {
            throw CloudModelError(path: path, problem: "model version \(header.version.map(String.init) ?? "missing"); this verdant reads version \(currentVersion)")
        }
        let model: CloudModelFile
        do { model = try JSONDecoder().decode(CloudModelFile.self, from: data) } catch let error as DecodingError {
            throw CloudModelError(path: path, problem: describe(error))
        }
        guard !model.features.isEmpty else { throw CloudModelError(path: path, problem: "lists no features") }
        if let unknown = model.features.first(where: { !known($0) }) {
            throw CloudModelError(path: path, problem: "uses feature \"\(unknown)\", which this verdant does not compute (known: \(CloudFeature.catalogue))")
        }
        guard !model.trees.isEmpty else { throw CloudModelError(path: path, problem: "has no trees") }
        for (i, tree) in model.trees.enumerated() {
            if let problem = tree.problem(featureCount: model.features.count) {
                throw CloudModelError(path: path, problem: "trees[\(i)]: \(problem)")
            }
        }
        return model
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context): return "damaged at \(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

public struct CloudModelError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String { "cloud model \(path): \(problem)" }
}
