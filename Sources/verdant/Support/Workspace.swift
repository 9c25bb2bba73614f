import Foundation
import Logging
import VerdantConfig
import VerdantCore
import VerdantEarthEngine
import VerdantLocal
import VerdantRaster
import VerdantStore
import VerdantStacAPI

/// The parameters of a run and the parts built from them: store, catalog, discovery, the
/// stage graph with its fingerprints, the engine.
struct Workspace {
    var parameters: Parameters
    /// Absolute path of the parameters file.
    let parametersPath: String
    /// The stages a run executes: on Earth Engine the masks and the gap filling (NDVI is
    /// computed inside the latter), locally the whole pipeline; cut after `run.until`.
    var graph: StageGraph {
        parameters.run.engine == .earthEngine ? .earthEngine(until: parameters.run.until) : .pipeline(until: parameters.run.until)
    }
    /// What a command reads once: the land area (discovery, the fingerprints and the run's copy
    /// then agree, and a large vector's union is computed once, not three times), the Earth
    /// Engine connection and what its destination holds.
    let memo = Memo()
    /// Search a STAC API again even when the recorded listing answers the same query
    /// (`verdant discover --refresh`).
    var refreshListing = false

    final class Memo {
        var path: String?
        var land: LandArea?
        var geoJSON = ""
        var connection: EarthEngineConnection?
        /// The Earth Engine destination's masks: image id → fingerprint.
        var published: [String: String]?
    }

    static func load(_ path: String, checkFiles: Bool = true) throws -> Workspace {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return Workspace(parameters: try ParametersFile.load(path: path, checkFiles: checkFiles), parametersPath: absolute)
    }

    var layout: OutputLayout { OutputLayout(root: parameters.resolve(parameters.run.output)) }
    var storePath: String { parameters.resolve(parameters.run.statusStore) }
    var logPath: String { parameters.resolve(parameters.run.logFile) }

    var workers: Int {
        parameters.run.workers > 0 ? parameters.run.workers : ProcessInfo.processInfo.activeProcessorCount
    }

    func openStore(readOnly: Bool = false) throws -> SQLiteStatusStore {
        try SQLiteStatusStore(path: storePath, readOnly: readOnly)
    }

    func catalog() throws -> Catalog {
        if usesEarthEngine { return try earthEngineCatalog() }
        if parameters.run.catalogIsAPI {
            let run = parameters.run
            return SearchReaching(inner: StacAPICatalog(root: run.catalog, collections: run.collections,
                                                        maxCloudCover: run.maxCloudCover < 100 ? run.maxCloudCover : nil,
                                                        directory: stacDirectory, refresh: refreshListing,
                                                        coefNormalisation: parameters.mask.coefNormalisation))
        }
        let path = parameters.resolve(parameters.run.catalog)
        if SafeCatalog.isProducts(path) {
            return RecordingCatalog(inner: SafeCatalog(path: path, directory: safeDirectory, coefNormalisation: parameters.mask.coefNormalisation))
        }
        return LocalCatalog(path: path, coefNormalisation: parameters.mask.coefNormalisation)
    }

    func landArea() throws -> LandArea {
        let path = parameters.resolve(parameters.area.landGeometry)
        if memo.path != path || memo.land == nil {
            let land = try LandArea.load(path: path)
            (memo.path, memo.land, memo.geoJSON) = (path, land, land.geoJSON)
        }
        return memo.land!
    }

    /// The land area as jobs use it (the union of its polygons in lon/lat, as GeoJSON), and its
    /// digest: the content, not the path, so editing the file (or a shapefile's companions, or
    /// its projection) changes the masks' fingerprint.
    func landContent() throws -> (geoJSON: String, digest: String) {
        if let table = landTable { return ("", Fingerprint.digest("earthengine table " + table)) }
        _ = try landArea()
        return (memo.geoJSON, Fingerprint.digest(memo.geoJSON))
    }

    /// A copy of the land area fixed for this run, named by its digest, which the jobs read: a
    /// land file edited while the run goes cannot give masks that disagree with their fingerprint.
    func landSnapshot() throws -> String {
        let (geoJSON, digest) = try landContent()
        return try writeInput(name: "land-\(digest).geojson", data: Data(geoJSON.utf8), of: "area.land_geometry")
    }

    func fingerprints() throws -> [Stage: StageFingerprint] {
        StageFingerprint.all(parameters, graph: graph, landDigest: try landContent().digest,
                             modelDigest: parameters.mask.method == .seed ? try modelContent().digest : "")
    }

    func schedulerSettings(fingerprints: [Stage: StageFingerprint]) -> SchedulerSettings {
        var settings = SchedulerSettings(graph: graph, fingerprints: fingerprints.mapValues(\.digest), nbTaskMax: parameters.run.nbTaskMax,
                                         refresh: parameters.run.refresh, maxAttempts: parameters.run.maxAttempts,
                                         retryBackoff: parameters.run.retryBackoff)
        settings.neighbours = parameters.mask.method.usesNeighbours
        return settings
    }

    /// Ids listed in the exported-images JSON (keys are Earth Engine paths ending in the id).
    func exportedIds() throws -> Set<String> {
        guard let file = parameters.run.exportedJson else { return [] }
        let path = parameters.resolve(file)
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BadInput("\(path): expected a JSON object keyed by image path (run.exported_json)")
        }
        // Keys end in the image id, or in the id and .tif (the metadata of file exports).
        return Set(object.keys.map(ExportMetadata.imageId))
    }

    func discovery() async throws -> Discovery {
        let land = landTable == nil ? try landArea() : try await tableLand()
        var discovery = Discovery(parameters: parameters, area: GDALAreaTests(geometry: parameters.area.geometry, land: land),
                                  exportedIds: try exportedIds())
        if usesEarthEngine { discovery.foreignOutputs = Set(try await publishedOnEarthEngine().filter { $0.value.isEmpty }.keys) }
        return discovery
    }

    /// The catalog's images with their verdicts under the current parameters.
    func discover() async throws -> (Discovery, Discovery.Result) {
        let discovery = try await discovery()
        var query = CatalogQuery(parameters)
        if (usesEarthEngine || parameters.run.catalogIsAPI) && parameters.mask.method.usesNeighbours {
            // Earth Engine and STAC APIs list what the query asks for: the neighbours of the
            // first and last images lie up to a year outside the dates (discovery leaves those
            // images unmatched).
            query.start = query.start.adding(days: -365)
            query.end = query.end.adding(days: 365)
        }
        var listing = try await catalog().list(query)
        try refuseUnservedMethod(listing.bandTables)
        if !listing.bandTables.isEmpty {
            listing.source += " (band table\(listing.bandTables.count == 1 ? "" : "s") \(listing.bandTables.joined(separator: ", ")))"
        }
        return (discovery, try discovery.discover(listing))
    }

    /// A mask method the listed images cannot serve (a model made for top-of-atmosphere
    /// reflectance on Level-2A images; scl without a scene classification) is refused before
    /// any task is recorded, naming the band table and what would serve.
    func refuseUnservedMethod(_ tables: [String]) throws {
        guard !usesEarthEngine else { return }
        let mask = parameters.mask
        for name in tables {
            guard let table = BandTable.builtIn.first(where: { $0.name == name }),
                  let why = table.refusal(of: mask.method, sclAsset: mask.sclAsset, probabilityAsset: mask.probabilityAsset) else { continue }
            throw BadInput("\(parametersPath): mask.method = \"\(mask.method.rawValue)\": \(why) (run.catalog \(parameters.run.catalog))")
        }
    }

    /// What a run would change in `store` (nil: no store yet) to follow the parameters.
    func plan(_ found: Discovery.Result, discovery: Discovery, store: SQLiteStatusStore?,
              fingerprints: [Stage: StageFingerprint]) throws -> ReconciliationPlan {
        let layout = self.layout
        // On Earth Engine a mask is published in the destination, with its fingerprint as a
        // property (those without one are excluded by discovery).
        let remote = usesEarthEngine ? (memo.published ?? [:]).filter { !$0.value.isEmpty } : nil
        let destination: ExportDestination? = usesEarthEngine ? exportDestination : nil
        let context = ReconciliationPlan.Context(
            graph: graph, fingerprints: fingerprints.mapValues(\.digest), maxAttempts: parameters.run.maxAttempts,
            stored: try store?.refs(in: Set(TaskState.allCases), stage: nil) ?? [],
            // On Earth Engine masks are adopted here, from one listing; a block, whose
            // fingerprint covers its inputs, by the engine when it comes to be submitted.
            publishedFingerprint: { key in
                guard let remote else { return layout.publishedFingerprint(key) }
                return key.stage == .cloudMask ? remote[key.id] : nil
            },
            publishedOutput: { key in destination.map { $0.output(of: key.id, stage: key.stage) } ?? layout.resultFile(key).path },
            storedInputs: { try store?.inputKeys(of: $0) ?? [] })
        return try ReconciliationPlan(found, discovery: discovery, context: context)
    }

    /// Why the output folder cannot take outputs now (read-only, full, not permitted), or nil.
    func outputProblem() -> String? {
        let root = layout.root.path
        return FolderWriteProbe.problem(writingIn: root).map { "\(root): the output folder cannot be written: \(String(cString: strerror($0)))" }
    }

    /// The engine named by `run.engine`; jobs of the local engine run as `verdant job` children.
    func makeEngine() throws -> any Engine {
        switch parameters.run.engine {
        case .local:
            let launcher = SubprocessLauncher(executable: Self.currentExecutable,
                                              arguments: JobCommand.settingsArguments(parameters, land: try landSnapshot(),
                                                                                      maskSettings: try maskSettingsSnapshot(),
                                                                                      blockSettings: try blockSettingsSnapshot()))
            return LocalEngine(workers: workers, layout: layout, launcher: launcher)
        case .earthEngine:
            return try makeEarthEngine()
        }
    }

    static var currentExecutable: URL {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: link)
    }
}
