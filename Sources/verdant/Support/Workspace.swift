import Foundation
import Logging
import VerdantConfig
import VerdantCore
import VerdantLocal
import VerdantRaster
import VerdantStore

/// The parameters of a run and the parts built from them: store, catalog, land, engine.
struct Workspace {
    var parameters: Parameters
    /// Absolute path of the parameters file.
    let parametersPath: String

    static func load(_ path: String, checkFiles: Bool = true) throws -> Workspace {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return Workspace(parameters: try ParametersFile.load(path: path, checkFiles: checkFiles), parametersPath: absolute)
    }

    var layout: OutputLayout { OutputLayout(root: parameters.resolve(parameters.run.output)) }
    var storePath: String { parameters.resolve(parameters.run.statusStore) }
    var logPath: String { parameters.resolve(parameters.run.logFile) }

    var schedulerSettings: SchedulerSettings {
        SchedulerSettings(stage: .cloudMask, nbTaskMax: parameters.run.nbTaskMax, refresh: parameters.run.refresh,
                          maxAttempts: parameters.run.maxAttempts, retryBackoff: parameters.run.retryBackoff)
    }

    var workers: Int {
        parameters.run.workers > 0 ? parameters.run.workers : ProcessInfo.processInfo.activeProcessorCount
    }

    func openStore(readOnly: Bool = false) throws -> SQLiteStatusStore {
        try SQLiteStatusStore(path: storePath, readOnly: readOnly)
    }

    /// The catalog's items and the items it holds that cannot be read.
    func catalogListing() throws -> StacCatalog.Listing {
        try StacCatalog.load(path: parameters.resolve(parameters.run.catalog),
                             coefNormalisation: parameters.mask.coefNormalisation)
    }

    func catalogItems() throws -> [CatalogItem] {
        try catalogListing().items
    }

    func landArea() throws -> LandArea {
        try LandArea.load(path: parameters.resolve(parameters.area.landGeometry))
    }

    /// Ids listed in the exported-images JSON (keys are Earth Engine paths ending in the id).
    func exportedIds() throws -> Set<String> {
        guard let file = parameters.run.exportedJson else { return [] }
        let path = parameters.resolve(file)
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BadInput("\(path): expected a JSON object keyed by image path (run.exported_json)")
        }
        return Set(object.keys.map { String($0.split(separator: "/").last ?? Substring($0)) })
    }

    func discover() throws -> Discovery.Result {
        let land = try landArea()
        let polygon = parameters.area.geometry
        let layout = self.layout
        let discovery = Discovery(
            parameters: parameters,
            meetsGeometry: { try Footprint.intersects(geoJSON: $0.footprint, polygon: polygon) },
            meetsLand: { try land.intersects(footprintGeoJSON: $0.footprint) },
            isPublished: { layout.isPublished(imageId: $0, stage: .cloudMask) },
            exportedIds: try exportedIds())
        return try discovery.discover(try catalogItems())
    }

    /// The engine named by `run.engine`; jobs of the local engine run as `verdant job` children.
    func makeEngine() throws -> LocalEngine {
        switch parameters.run.engine {
        case .local:
            let launcher = SubprocessLauncher(executable: Self.currentExecutable,
                                              arguments: JobCommand.settingsArguments(parameters))
            return LocalEngine(workers: workers, layout: layout, launcher: launcher)
        case .earthEngine:
            throw BadInput("\(parametersPath): run.engine: \"earthengine\" is not available in this version; use \"local\"")
        }
    }

    static var currentExecutable: URL {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: link)
    }
}
