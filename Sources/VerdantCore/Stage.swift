/// A processing stage: one kind of task, with its own outputs. Open-ended (a string), so a store
/// written by a later verdant with more stages still reads; the stages a run executes are the
/// ones its `StageGraph` declares.
public struct Stage: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public var description: String { rawValue }

    /// Per image: the cloud mask (seed-algorithm.md §2–§4).
    public static let cloudMask = Stage("cloudmask")
    /// Per image: NDVI from B8/B4 on the mask's grid, cloudy and nodata pixels as nodata.
    public static let ndvi = Stage("ndvi")
    /// Per area block over the extended date range: the gap-filled NDVI series (§6).
    public static let gapFill = Stage("gapfill")
    /// Per area block: productivity metrics from the gap-filled series.
    public static let productivity = Stage("productivity")
}

/// What one task of a stage is about.
public enum TaskUnit: String, Sendable, Equatable {
    /// One image: the task's id is the image id.
    case image
    /// An area block over the extended date range; its inputs are tasks of every image of the
    /// block (of an image stage) or the same block's task (of a block stage).
    case block
}

/// One stage of a graph: its unit and the stages whose outputs it reads.
public struct StageSpec: Sendable, Equatable {
    public var stage: Stage
    public var unit: TaskUnit
    /// Upstream stages. An image stage reads the same image's tasks of these stages; a block
    /// stage reads them for every image of its block.
    public var inputs: [Stage]
    /// Bumped when the stage's algorithm changes its output, so work of an older verdant is
    /// never taken for current (it salts the stage's parameter fingerprint).
    public var version: Int

    public init(_ stage: Stage, unit: TaskUnit, inputs: [Stage] = [], version: Int = 1) {
        self.stage = stage; self.unit = unit; self.inputs = inputs; self.version = version
    }
}

/// The stages a run executes, upstream first (architecture.md "Stages form a graph"). A task
/// becomes runnable only when all its inputs are final.
public struct StageGraph: Sendable, Equatable {
    public let specs: [StageSpec]

    /// - Precondition: every input names an earlier stage (so the order is topological) and no
    ///   stage appears twice; image stages read only image stages.
    public init(_ specs: [StageSpec]) {
        var seen: [Stage: TaskUnit] = [:]
        for spec in specs {
            precondition(seen[spec.stage] == nil, "stage \(spec.stage) declared twice")
            for input in spec.inputs {
                precondition(seen[input] != nil, "stage \(spec.stage) reads \(input), which is not declared before it")
                precondition(spec.unit == .block || seen[input] == .image, "image stage \(spec.stage) cannot read block stage \(input)")
            }
            seen[spec.stage] = spec.unit
        }
        self.specs = specs
    }

    /// The image stages: masks, then NDVI (the scheduler's tests and benchmarks run these).
    public static let local = pipeline(until: .ndvi)

    /// What a run executes: masks, NDVI, the gap-filled series of each block, its
    /// productivity maps, cut after `until` (`run.until`).
    public static func pipeline(until: LastStage) -> StageGraph {
        let all = [
            // Version 2: a mask's grid is the footprint cut to the land area's window (one grid
            // per tile and area again after masks of version 1, cut to the footprint alone).
            StageSpec(.cloudMask, unit: .image, version: 2),
            StageSpec(.ndvi, unit: .image, inputs: [.cloudMask]),
            StageSpec(.gapFill, unit: .block, inputs: [.ndvi]),
            StageSpec(.productivity, unit: .block, inputs: [.gapFill]),
        ]
        let last = all.firstIndex { $0.stage.rawValue == until.rawValue }!
        return StageGraph(Array(all[...last]))
    }

    /// What a run on Earth Engine executes: masks, then per block the gap-filled series,
    /// which computes each image's NDVI from the image and its mask inside the same export
    /// (an NDVI asset per image would spend the asset quota for nothing), cut after `until`.
    /// `run.until` = "ndvi" or "productivity" is refused by the parameters' validation.
    public static func earthEngine(until: LastStage) -> StageGraph {
        let all = [
            StageSpec(.cloudMask, unit: .image),
            StageSpec(.gapFill, unit: .block, inputs: [.cloudMask]),
        ]
        return StageGraph(until == .cloudmask ? Array(all.prefix(1)) : all)
    }

    public var stages: [Stage] { specs.map(\.stage) }
    public func spec(_ stage: Stage) -> StageSpec? { specs.first { $0.stage == stage } }
    public func contains(_ stage: Stage) -> Bool { spec(stage) != nil }
    public var imageStages: [Stage] { specs.filter { $0.unit == .image }.map(\.stage) }
    /// Position in the graph: later stages are submitted first, so images finish before new
    /// ones start (less work half done when a run stops).
    public func rank(_ stage: Stage) -> Int { specs.firstIndex { $0.stage == stage } ?? -1 }
}

/// A task's identity in the store: a stage and an image or block id.
public struct TaskKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var stage: Stage
    public var id: String
    public init(_ stage: Stage, _ id: String) { self.stage = stage; self.id = id }

    /// `stage/id`: ids never contain '/', so this reads back unambiguously.
    public var description: String { "\(stage.rawValue)/\(id)" }

    public init?(text: String) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let stage = text[..<slash], id = text[text.index(after: slash)...]
        guard !stage.isEmpty, !id.isEmpty, !id.contains("/") else { return nil }
        self.init(Stage(String(stage)), String(id))
    }

    public static func < (a: TaskKey, b: TaskKey) -> Bool { (a.stage.rawValue, a.id) < (b.stage.rawValue, b.id) }
}
