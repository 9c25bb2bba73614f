import ArgumentParser
import Foundation
import VerdantCore
import VerdantLocal
import VerdantMask
import VerdantRaster

/// Where `verdant train` and `verdant evaluate-mask` find scenes and their reference masks.
struct ReferenceOptions: ParsableArguments {
    @Option(name: .customLong("reference"), help: "A reference mask, or a folder of them, matched to images by the date in their file names (repeatable).")
    var reference: [String] = []
    @Option(name: .customLong("reference-kind"), help: "binary (0/1, 1 = cloud, e.g. s2cloudless) or scl (Sen2Cor classes).")
    var kind: String = "binary"
    @Option(name: .customLong("scl-classes"), help: "With --reference-kind scl: the classes that are cloud.")
    var sclClasses: String = "3,8,9,10"
    @Option(name: .customLong("catalog"), help: "The STAC catalog of the scenes (default: run.catalog of the parameters).")
    var catalog: String?
    @Flag(name: .customLong("no-land"), help: "Use every pixel of the footprints, not only those inside area.land_geometry.")
    var noLand = false

    func masks() throws -> ReferenceMasks {
        switch kind {
        case "binary": return try wrap { try ReferenceMasks(kind: .binary, paths: reference) }
        case "scl":
            let parts = sclClasses.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let classes = parts.compactMap { Int($0) }
            guard !classes.isEmpty, classes.count == parts.count, classes.allSatisfy({ (0...11).contains($0) }) else {
                throw BadInput("--scl-classes \(sclClasses): expected Sen2Cor classes 0 to 11, comma separated")
            }
            return try wrap { try ReferenceMasks(kind: .scl(Set(classes)), paths: reference) }
        default:
            throw BadInput("--reference-kind \(kind): expected binary (0/1, 1 = cloud) or scl (Sen2Cor classes)")
        }
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ReferenceError { throw BadInput(error.description) }
    }
}


/// The scenes of a catalog that have a reference mask, their features and labels on their grids.
struct LabelledScenes {
    struct Scene {
        var item: CatalogItem
        var reference: String
        var features: SceneFeatures.Scene
        /// 1 cloud, 0 clear, 255 no data, on the scene's grid.
        var labels: [UInt8]
        var date: String { Self.date(of: item) }
        static func date(of item: CatalogItem) -> String {
            ISO8601DateFormatter.string(from: item.datetime, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        }
    }

    var scenes: [Scene] = []
    var unmatched: [String] = []
    /// Dates left out by `excluding` that had a reference.
    var excludedDates: [String] = []

    /// Every item of `catalog` with a reference (optionally only some dates), its features computed.
    static func load(workspace: Workspace, catalogPath: String?, references: ReferenceMasks, features: [CloudFeature],
                     settings: CloudMaskSettings, excluding: Set<String> = [], useLand: Bool,
                     log: (String) -> Void) throws -> LabelledScenes {
        let p = workspace.parameters
        let path = try catalogPath ?? workspace.staticCatalogPath()
        let listing = try StacCatalog.load(path: path, coefNormalisation: p.mask.coefNormalisation)
        let land = useLand ? try workspace.landArea() : nil
        let extractor = SceneFeatures(items: listing.items, settings: settings, selection: NeighbourSelection(p.mask), land: land)
        var result = LabelledScenes()
        for item in listing.items {
            guard !references.candidates(for: item).isEmpty else { result.unmatched.append(item.id); continue }
            let date = Scene.date(of: item)
            guard !excluding.contains(date) else { result.excludedDates.append(date); continue }
            guard let (reference, read) = try references.reference(for: item, on: try item.maskGrid(scale: settings.scale)) else {
                log("\(item.id): no reference named by its date covers it; left out")
                result.unmatched.append(item.id)
                continue
            }
            let scene = try extractor.scene(item, features: features)
            var labels = read
            for i in labels.indices where scene.eligible[i] == 0 { labels[i] = 255 }
            let labelled = Scene(item: item, reference: reference, features: scene, labels: labels)
            let missing = scene.missingBackgrounds.isEmpty ? ""
                : " (no neighbours for \(scene.missingBackgrounds.map(\.rawValue).joined(separator: ", ")): masked by tree2 OR tree3 as a run would, not trained on)"
            log("\(item.id): \(labels.filter { $0 != 255 }.count) labelled pixels\(missing)")
            result.scenes.append(labelled)
        }
        return result
    }

    /// Training samples from scenes: every labelled pixel whose features all have a value, of
    /// the scenes that had their backgrounds (a run masks the others with tree2 ∨ tree3).
    static func samples(_ scenes: [Scene]) -> (columns: [[Float]], labels: [UInt8]) {
        guard let first = scenes.first else { return ([], []) }
        var columns = [[Float]](repeating: [], count: first.features.columns.count)
        var labels: [UInt8] = []
        for scene in scenes where scene.features.fallback == nil {
            for i in scene.labels.indices where scene.labels[i] != 255 && scene.features.columns.allSatisfy({ !$0[i].isNaN }) {
                for f in columns.indices { columns[f].append(scene.features.columns[f][i]) }
                labels.append(scene.labels[i])
            }
        }
        return (columns, labels)
    }
}
