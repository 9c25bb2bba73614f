import Foundation
import VerdantCore
import VerdantEarthEngine
import VerdantHTTP
import VerdantLocal
import VerdantRaster
import VerdantStore

/// The Earth Engine side of a workspace: the connection, its catalog, what the destination
/// already holds, the engine.
extension Workspace {
    var usesEarthEngine: Bool { parameters.run.engine == .earthEngine }

    /// `land_geometry` names an Earth Engine table (`users/...`, `projects/...`): the masks are
    /// clipped to it on Earth Engine and discovery makes no local land test.
    var landTable: String? {
        let land = parameters.area.landGeometry
        guard usesEarthEngine, land.hasPrefix("users/") || land.hasPrefix("projects/") else { return nil }
        return land
    }

    /// `land_geometry` as an Earth Engine table, for discovery's out-of-area test: its geometry
    /// computed on Earth Engine (`value:compute`), read as a local file would be.
    func tableLand() async throws -> LandArea? {
        guard let table = landTable else { return nil }
        let geoJSON = try await Self.reaching { try await earthEngine().api.tableGeometry(table) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-land-\(UUID().uuidString).geojson")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(geoJSON.utf8).write(to: file)
        do { return try LandArea.load(path: file.path) } catch {
            throw BadInput("area.land_geometry \(table): the geometry Earth Engine computed for the table cannot be read: \(error)")
        }
    }

    /// The connection (credentials read once per command); a bad credentials file is the
    /// user's input: exit 2, naming the file and field.
    func earthEngine() throws -> EarthEngineConnection {
        if let connection = memo.connection { return connection }
        let ee = parameters.earthEngine
        let path = EarthEngineConnection.credentialsPath(configured: ee.credentials.isEmpty ? "" : parameters.resolve(ee.credentials))
        do {
            let connection = try EarthEngineConnection(credentialsPath: path, apiURL: ee.apiURL, project: ee.project)
            memo.connection = connection
            return connection
        } catch let error as CredentialsError {
            throw BadInput("\(parametersPath): earthengine.credentials: \(error)")
        } catch let error as EarthEngineConnection.NoProject {
            throw BadInput("\(parametersPath): \(error)")
        }
    }

    var destinationName: String { parameters.earthEngine.destinationName(project: (try? earthEngine().api.project) ?? parameters.earthEngine.project) }

    var exportDestination: ExportDestination {
        let ee = parameters.earthEngine
        switch ee.exportTo {
        case .asset: return .collection(destinationName)
        case .drive: return .drive(folder: ee.driveFolder)
        case .cloudStorage:
            let parts = ee.bucket.split(separator: "/", maxSplits: 1).map(String.init)
            let prefix = parts.count > 1 ? (parts[1].hasSuffix("/") ? parts[1] : parts[1] + "/") : ""
            return .cloudStorage(bucket: parts.first ?? "", prefix: prefix)
        }
    }

    /// The JSON metadata of file exports (the original's, which its JSON_FILE read back).
    var metadataPath: String {
        let file = parameters.earthEngine.metadataFile
        return file.isEmpty ? layout.root.appendingPathComponent("earthengine-exports.json").path : parameters.resolve(file)
    }

    /// What the destination holds (image id → fingerprint, "" when verdant did not make it),
    /// read once per command: the collection's listing, or for files the metadata file.
    func publishedOnEarthEngine() async throws -> [String: String] {
        if let published = memo.published { return published }
        let published: [String: String]
        if parameters.earthEngine.exportTo == .asset {
            published = try await Self.reaching { try await EarthEngineCatalog.published(in: destinationName, api: try earthEngine().api) }
        } else {
            published = try Self.readable { try ExportMetadata.read(metadataPath) }.published(in: exportDestination)
        }
        memo.published = published
        return published
    }

    /// Keeps the metadata file of file exports; nil unless masks are exported as files.
    var exportMetadataWriter: ExportMetadataWriter? {
        guard usesEarthEngine, parameters.earthEngine.exportTo != .asset else { return nil }
        return ExportMetadataWriter(path: metadataPath, destination: exportDestination)
    }

    /// Brings the metadata file of file exports up to date with the store's finished masks.
    func writeExportMetadata(_ store: SQLiteStatusStore) throws {
        try exportMetadataWriter?.write(store)
    }

    func earthEngineCatalog() throws -> Catalog {
        CallsReaching(inner: EarthEngineCatalog(api: try earthEngine().api, collection: parameters.earthEngine.collection))
    }

    func makeEarthEngine() throws -> any Engine {
        let connection = try earthEngine()
        var settings = ExportSettings(project: connection.api.project, destination: exportDestination)
        settings.scale = parameters.area.scale
        let m = parameters.mask
        switch m.method {
        case .probability: settings.mask = .probability(threshold: m.probabilityThreshold)
        case .scl: settings.mask = .scl(classes: m.sclClasses)
        case .seed: settings.mask = .seed(try seedGraph())
        default: settings.mask = .hollstein(coefficient: m.coefNormalisation)
        }
        settings.assetMargin = parameters.earthEngine.assetMargin
        if graph.contains(.gapFill) {
            let dates = parameters.dates
            settings.gapFill = GapFillGraph(firstDay: Self.day(dates.start.start), lastDay: Self.day(dates.end.start),
                                            literal: parameters.gapFill.seedLiteral)
        }
        if let table = landTable {
            settings.land = .table(table)
        } else {
            do { settings.land = .geometry(try GeometryNode.from(geoJSON: try landContent().geoJSON)) } catch let error as GeometryNode.Unsupported {
                throw BadInput("\(parametersPath): area.land_geometry \(parameters.resolve(parameters.area.landGeometry)): \(error)")
            }
        }
        if case .collection(let name) = settings.destination, !name.hasPrefix("projects/\(connection.api.project)/assets/") {
            throw BadInput("\(parametersPath): earthengine.destination_folder: \(name) is not in the project the requests go to (\(connection.api.project)); exports write into their own project")
        }
        return EarthEngineEngine(api: connection.api, settings: settings)
    }

    /// Whole days since 1970 of a day's start.
    static func day(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    static func readable<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ExportMetadata.Unreadable { throw BadInput(error.description) }
    }

    /// The model of method "seed" as a graph; a model the graph cannot compute is refused
    /// with the key to change.
    func seedGraph() throws -> SeedGraph {
        let path = try modelContent().path
        let model = try JobModel.load(CloudMaskSettings(parameters: parameters, modelPath: path))
        if let problem = SeedGraph.problem(model) { throw BadInput("\(parametersPath): mask.model \(path): \(problem)") }
        return SeedGraph(model: model, coefficient: parameters.mask.coefNormalisation, scale: parameters.area.scale,
                         samplingScale: parameters.mask.clustering.samplingScale)
    }

    /// The API refuses requests over 10 MiB: the export of the first wanted image, with as many
    /// neighbours as the model reads, must fit (a large land polygon and a deep forest travel
    /// in every export).
    func checkExportSize(_ engine: any Engine, found: Discovery.Result) throws {
        guard let engine = engine as? EarthEngineEngine, let image = found.images.first(where: { $0.verdict.isWanted })?.image else { return }
        let m = parameters.mask
        let refs = (0..<m.numberOfImages).map { NeighbourRef(id: "\(image.id)-\($0)", source: image.source, acquired: image.acquired, cloudCover: nil) }
        let job = Job(id: image.id, stage: .cloudMask, source: image.source, paramsHash: String(repeating: "0", count: 32),
                      neighbours: m.method.usesNeighbours ? Neighbours(recent: refs, leastCloudy: refs, selection: "") : nil)
        let body = try engine.exportBody(job, requestId: RequestID.make(job.key, submission: 1, salt: ""))
        let size = try JSONSerialization.data(withJSONObject: body).count
        if size > Self.requestLimit {
            throw BadInput("\(parametersPath): an export request would be \(size) bytes, over the API's 10 MiB: simplify area.land_geometry or use an Earth Engine table, or use a smaller mask.model")
        }
        // The gap filling of the block with the most images: its graph grows with them.
        guard graph.contains(.gapFill) else { return }
        let wanted = found.images.filter { $0.verdict.isWanted }.map(\.image)
        let byId = Dictionary(wanted.map { ($0.id, $0) }) { a, _ in a }
        guard let block = TileBlockPlanner().blocks(of: wanted).max(by: { $0.imageIds.count < $1.imageIds.count }) else { return }
        let inputs = block.imageIds.compactMap { byId[$0] }.map {
            JobInput(key: TaskKey(.cloudMask, $0.id), output: engine.assetName(of: $0.id), source: $0.source, acquired: $0.acquired)
        }
        let blockJob = Job(id: block.id, stage: .gapFill, source: block.tile, inputs: inputs, paramsHash: String(repeating: "0", count: 32))
        let blockSize = try JSONSerialization.data(withJSONObject: engine.exportBody(blockJob, requestId: RequestID.make(blockJob.key, submission: 1, salt: ""))).count
        if blockSize > Self.requestLimit {
            throw BadInput("\(parametersPath): the gap-filling export of block \(block.id) (\(inputs.count) images) would be \(blockSize) bytes, over the API's 10 MiB: shorten the date range or nb_days_before/nb_days_after")
        }
    }

    /// The API's limit on a request's size.
    static let requestLimit = 10_485_760

    /// Errors of a call made before the scheduler runs (discovery): refused credentials are
    /// the user's to fix (exit 2), an API that cannot be reached the machine's (exit 3).
    static func reaching<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AuthError {
            if case .refused = error { throw BadInput("Earth Engine: \(error)") }
            throw MachineError("Earth Engine: \(error)")
        } catch let error as APIError {
            if [400, 401, 403, 404].contains(error.httpStatus) { throw BadInput("Earth Engine: \(error)") }
            throw MachineError("Earth Engine: \(error)")
        } catch let error as TransportError {
            throw MachineError("Earth Engine cannot be reached: \(error)")
        }
    }
}

/// A catalog whose errors are sorted as `Workspace.reaching` does.
struct CallsReaching: Catalog {
    let inner: EarthEngineCatalog
    func list(_ query: CatalogQuery) async throws -> CatalogListing {
        try await Workspace.reaching { try await inner.list(query) }
    }
}

/// Writes the store's finished masks into the metadata file of file exports.
struct ExportMetadataWriter: Sendable {
    let path: String
    let destination: ExportDestination

    func write(_ store: SQLiteStatusStore) throws {
        var metadata = try Workspace.readable { try ExportMetadata.read(path) }
        for record in try store.records(in: [.completed], stage: .cloudMask, limit: nil) {
            metadata.record(output: record.output ?? destination.output(of: record.key.id), footprint: record.footprint,
                            start: record.acquired, end: record.acquired, fingerprint: record.paramsHash ?? "")
        }
        try metadata.write(to: path)
    }
}
