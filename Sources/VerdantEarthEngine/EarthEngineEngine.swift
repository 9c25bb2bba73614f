import Foundation
import VerdantCore
import VerdantHTTP

/// Where the outputs go: the masks, and beside them the gap-filled blocks.
public enum ExportDestination: Sendable, Equatable {
    /// An ImageCollection (`projects/p/assets/...`), created with its parents; the gap-filled
    /// blocks go to the collection of the same name with `_gapfill` after it.
    case collection(String)
    /// GeoTIFFs in a Google Drive folder (masks only: Earth Engine cannot read them back).
    case drive(folder: String)
    /// GeoTIFFs in a Cloud Storage bucket, under a prefix ("" or ending in "/"); the gap-filled
    /// blocks under `<prefix>gapfill/`.
    case cloudStorage(bucket: String, prefix: String)

    /// The ImageCollection a stage's outputs go to, for asset exports.
    public func collection(of stage: Stage) -> String? {
        guard case .collection(let name) = self else { return nil }
        return stage == .cloudMask ? name : "\(name)_\(stage.rawValue)"
    }

    /// Where the output of task `id` of `stage` is: an asset name or a file's URI.
    public func output(of id: String, stage: Stage = .cloudMask) -> String {
        let masks = stage == .cloudMask
        switch self {
        case .collection: return "\(collection(of: stage)!)/\(id)"
        case .drive(let folder): return "drive:\(folder)/\(masks ? "" : "\(stage.rawValue)_")\(id).tif"
        case .cloudStorage(let bucket, let prefix): return "gs://\(bucket)/\(prefix)\(masks ? "" : "\(stage.rawValue)/")\(id).tif"
        }
    }
}

/// Where and how the Earth Engine engine exports.
public struct ExportSettings: Sendable {
    public var project: String
    public var destination: ExportDestination
    /// Export scale in metres (the original's 30 m).
    public var scale: Double = 30
    /// What the masks are clipped to (`land_geometry`), if anything.
    public var land: LandClip?
    /// The mask computed.
    public var mask = MaskGraph.hollstein(coefficient: 10_000)
    /// Submissions stop this many assets before the project's asset quota.
    public var assetMargin = 100
    /// The gap filling of blocks (run.until = "gapfill"); nil when the run stops at the masks.
    public var gapFill: GapFillGraph?
    public init(project: String, destination: ExportDestination) { self.project = project; self.destination = destination }
    /// Into an ImageCollection.
    public init(project: String, destination: String) { self.init(project: project, destination: .collection(destination)) }
}

/// `land_geometry` as the graph uses it: an Earth Engine table, or a local file's polygons.
public enum LandClip: Sendable, Equatable {
    case table(String)
    /// A local file's polygons as the graph's geometry (`GeometryNode.from(geoJSON:)`), parsed once.
    case geometry(ExpressionNode)
}

/// The `Engine` on Google Earth Engine: one `image:export` per job with its request id,
/// states from one paged `operations.list` per refresh, cancels, and quotas from the listing
/// and the project root's asset quota.
public final class EarthEngineEngine: Engine {
    public let name = "earthengine"
    /// Under the API's 40 concurrent requests (earth-engine-rest.md §2.9).
    public let submissionConcurrency = 24
    public let reportsRequestIds = false
    public static let queueLimit = 3000
    /// The property every exported mask carries: the fingerprint of the parameters it was made
    /// under, read back from the destination's listing (an output made under other
    /// parameters is redone, as on the local engine).
    public static let fingerprintProperty = "verdant_fingerprint"

    let api: EarthEngineAPI
    let settings: ExportSettings
    private let listing = ListingCache()
    private let masksReady = DestinationFlag()
    private let blocksReady = DestinationFlag()

    public init(api: EarthEngineAPI, settings: ExportSettings) {
        self.api = api; self.settings = settings
    }

    /// The asset or file a job's output is written to.
    public func assetName(of id: String, stage: Stage = .cloudMask) -> String { settings.destination.output(of: id, stage: stage) }

    /// The stages this engine exports.
    static let stages: [Stage] = [.cloudMask, .gapFill]

    /// The task's description: the job's, and the end of its request id, so each submission's
    /// task has a name of its own (the API lists no request ids; a 409 is resolved by it).
    public static func description(_ job: Job, requestId: String) -> String {
        "\(job.description)_\(requestId.filter { $0.isLetter || $0.isNumber }.suffix(8))"
    }

    /// The task a description names, when it is one of ours.
    static func key(fromDescription description: String) -> TaskKey? {
        guard let stage = stages.first(where: { description.hasPrefix($0.rawValue + "_") }) else { return nil }
        let rest = description.dropFirst(stage.rawValue.count + 1)
        // The request id's end: "_" and 8 letters or digits (tasks of older verdants have none).
        let tail = rest.suffix(9)
        if tail.count == 9, tail.first == "_", tail.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber }), rest.count > 9 {
            return TaskKey(stage, String(rest.dropLast(9)))
        }
        return TaskKey(stage, String(rest))
    }

    /// The export request of a job: its graph, description, request id and destination.
    public func exportBody(_ job: Job, requestId: String) throws -> [String: Any] {
        var landNode: ExpressionNode?
        switch settings.land {
        case .table(let table)?:
            landNode = .call("Collection.geometry", ["collection": .call("Collection.loadTable", ["tableId": .constant(.string(EEImage.assetID(table)))])])
        case .geometry(let node)?: landNode = node
        case nil: break
        }
        var image: EEImage
        switch job.stage {
        case .cloudMask:
            image = settings.mask.image(source: job.source, neighbours: job.neighbours, land: landNode)
        case .gapFill where settings.gapFill != nil:
            image = settings.gapFill!.image(members: try Self.members(job), scale: settings.scale)
        default:
            throw EngineError.rejected("stage \(job.stage.rawValue) does not run on Earth Engine (cloudmask and gapfill do)")
        }
        switch settings.land {
        case .table(let table)?: image = image.clip(toTable: table)
        case .geometry(let node)?: image = image.clip(node)
        case nil: break
        }
        let scaled = ExpressionNode.call("Image.clipToBoundsAndScale", ["input": image.node, "scale": .constant(.number(settings.scale))])
        let exported = ExpressionNode.call("Element.set", ["object": scaled, "key": .constant(.string(Self.fingerprintProperty)),
                                                           "value": .constant(.string(job.paramsHash))])
        var body: [String: Any] = [
            "expression": exported.expression(),
            "description": Self.description(job, requestId: requestId),
            "requestId": requestId,
            "maxPixels": "10000000000000",
        ]
        let prefix = job.stage == .cloudMask ? job.id : "\(job.stage.rawValue)_\(job.id)"
        switch settings.destination {
        case .collection:
            body["assetExportOptions"] = [
                // Overwritten: an asset there was made under other parameters (discovery skips
                // those made under these); the request id keeps one task per job and attempt.
                "earthEngineDestination": ["name": assetName(of: job.id, stage: job.stage), "overwrite": true],
                // Masks are classes; the series' values are sampled, not averaged with their
                // quality codes.
                "pyramidingPolicy": job.stage == .cloudMask ? "MODE" : "SAMPLE",
            ]
        case .drive(let folder):
            body["fileExportOptions"] = ["fileFormat": "GEO_TIFF", "geoTiffOptions": Self.geoTiffOptions(job.stage),
                                         "driveDestination": ["folder": folder, "filenamePrefix": prefix]]
        case .cloudStorage(let bucket, let filePrefix):
            let name = job.stage == .cloudMask ? job.id : "\(job.stage.rawValue)/\(job.id)"
            body["fileExportOptions"] = ["fileFormat": "GEO_TIFF", "geoTiffOptions": Self.geoTiffOptions(job.stage),
                                         "cloudStorageDestination": ["bucket": bucket, "filenamePrefix": filePrefix + name]]
        }
        return body
    }

    /// A file has no mask: masked pixels are written as `noData` (else 0, which reads as clear
    /// in a mask and as NDVI 0 in a series).
    public static let maskNoDataValue = 255.0
    public static let seriesNoDataValue = -9999.0
    static func geoTiffOptions(_ stage: Stage) -> [String: Any] {
        ["cloudOptimized": true, "noData": ["floatValue": stage == .cloudMask ? maskNoDataValue : seriesNoDataValue]]
    }

    /// The images of a block's job: each mask it reads, with the image and date the store
    /// recorded for it.
    static func members(_ job: Job) throws -> [GapFillGraph.Member] {
        let masks = job.inputs.filter { $0.key.stage == .cloudMask }
        guard !masks.isEmpty else { throw EngineError.rejected("block \(job.id) has no mask to read") }
        return try masks.map { input in
            guard let source = input.source, let acquired = input.acquired, !input.output.isEmpty else {
                throw EngineError.rejected("block \(job.id): the store has no image, date or output for its input \(input.key)")
            }
            return GapFillGraph.Member(source: source, mask: input.output, acquired: acquired)
        }
    }

    /// The task id of an output found made already under the job's fingerprint (a block
    /// exported before its store was lost): it reads SUCCEEDED with no task on Earth Engine.
    static let adoptedPrefix = "adopted:"

    public func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        let body = try exportBody(job, requestId: requestId)
        try await prepareDestination(job.stage)
        // A block's export is dear (its whole series): one already in the destination under the
        // same fingerprint is taken, as the local engine takes a published file. (Masks are
        // adopted at discovery, from one listing of the collection.)
        if job.stage != .cloudMask, case .collection = settings.destination {
            let name = assetName(of: job.id, stage: job.stage)
            let made = try await Self.mapped { try await self.api.asset(name) }
            if let made, made.properties[Self.fingerprintProperty] as? String == job.paramsHash { return Self.adoptedPrefix + name }
        }
        do {
            return try await api.export(body).name
        } catch let error as APIError where error.httpStatus == 409 {
            // The request id was used already: that task is ours, named by this submission's
            // description, whatever its state (a failed one is this submission's outcome).
            let description = Self.description(job, requestId: requestId)
            let all = try await Self.mapped { try await self.allOperations(fresh: true) }
            if let mine = all.first(where: { $0.description == description }) { return mine.id }
            throw EngineError.transient("request id \(requestId) already used, its task not listed yet")
        } catch {
            throw Self.engineError(error)
        }
    }

    /// Creates the stage's destination collection (and its parents) once per run. A problem
    /// there holds every submission, it is not the image's fault.
    private func prepareDestination(_ stage: Stage) async throws {
        guard let collection = settings.destination.collection(of: stage) else { return }
        do {
            try await (stage == .cloudMask ? masksReady : blocksReady).ensure {
                try await self.api.createAsset(collection, type: "IMAGE_COLLECTION")
            }
        } catch let error as APIError where error.httpStatus != 401 && error.httpStatus != 403 && !RetryPolicy.isRetryable(status: error.httpStatus) {
            throw EngineError.unavailable(.unreachable, "destination \(collection) cannot be created: \(error)")
        } catch {
            throw Self.engineError(error)
        }
    }

    public func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage {
        try await Self.mapped {
            let page = try await self.api.operations(pageToken: pageToken, pageSize: min(500, pageSize))
            return EngineTaskPage(tasks: page.operations.map(self.status), nextPageToken: page.next)
        }
    }

    /// From one listing of every operation (cached for a second, so poll and quotas of one
    /// cycle share it). Tasks submitted after that listing make it fresh once; only ids a fresh
    /// listing lacks are asked for one by one.
    public func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] {
        let adopted = ids.filter { $0.hasPrefix(Self.adoptedPrefix) }.map { id in
            EngineTaskStatus(id: id, state: .succeeded, requestId: nil, description: "adopted",
                             output: String(id.dropFirst(Self.adoptedPrefix.count)), progress: 1)
        }
        let ids = ids.filter { !$0.hasPrefix(Self.adoptedPrefix) }
        guard !ids.isEmpty else { return adopted }
        return adopted + (try await Self.mapped {
            var all = try await self.allOperations(fresh: false)
            var byID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            if ids.contains(where: { byID[$0] == nil }) {
                all = try await self.allOperations(fresh: true)
                byID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            }
            var found: [EngineTaskStatus] = []
            for id in ids {
                if let status = byID[id] { found.append(status) } else if let op = try await self.api.operation(id) {
                    found.append(self.status(op))
                }
            }
            return found
        })
    }

    /// Eight calls at a time; a task that cannot be cancelled any more is no error (the API
    /// module ignores those answers), and the next listing is fresh whatever happened.
    public func cancel(_ ids: [EngineTaskID]) async throws {
        let ids = ids.filter { !$0.hasPrefix(Self.adoptedPrefix) }
        do {
            try await Self.mapped {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var next = 0
                    func add() { let id = ids[next]; next += 1; group.addTask { try await self.api.cancel(id) } }
                    while next < min(8, ids.count) { add() }
                    while try await group.next() != nil { if next < ids.count { add() } }
                }
            }
        } catch {
            await listing.invalidate()
            throw error
        }
        await listing.invalidate()
    }

    public func quotas() async throws -> EngineQuota {
        try await Self.mapped {
            let all = try await self.allOperations(fresh: false)
            let pending = all.filter { $0.state == .pending }.count
            let running = all.filter { $0.state == .running || $0.state == .cancelling }.count
            // Files in Drive or Cloud Storage count against no asset quota.
            let quota: AssetQuota?
            if case .collection = self.settings.destination { quota = try await self.api.rootQuota() } else { quota = nil }
            // The limit verdant may use: the quota less the margin kept free.
            return EngineQuota(maxQueuedTasks: Self.queueLimit, concurrentTasks: nil, queuedOrRunning: pending + running,
                               pending: pending, running: running, assetsUsed: quota.map { Int($0.assetCount) },
                               assetsLimit: quota?.maxAssets.map { max(0, Int($0) - self.settings.assetMargin) },
                               bytesUsed: quota?.sizeBytes, bytesLimit: quota?.maxSizeBytes)
        }
    }

    public func shutdown() async {}

    /// Every operation of the project, following pages, each once (a task moving between
    /// pages while they are read is not counted twice); at most one listing a second.
    func allOperations(fresh: Bool) async throws -> [EngineTaskStatus] {
        if !fresh, let cached = await listing.recent(maxAge: 1) { return cached }
        var all: [EngineTaskStatus] = []
        var seen = Set<String>()
        var token: String? = nil
        repeat {
            let page = try await api.operations(pageToken: token)
            for op in page.operations where seen.insert(op.name).inserted { all.append(status(op)) }
            token = page.next
        } while token != nil
        await listing.store(all)
        return all
    }

    /// The asset is the output (not the Code Editor link the metadata carries).
    func status(_ op: Operation) -> EngineTaskStatus {
        let state = EngineTaskState(rawValue: op.state) ?? .pending
        let output = Self.key(fromDescription: op.description).map { assetName(of: $0.id, stage: $0.stage) } ?? op.destinationUris.first
        return EngineTaskStatus(id: op.name, state: state, requestId: nil, description: op.description,
                                error: state == .failed ? op.errorMessage : nil,
                                failureKind: state == .failed ? Self.failureKind(op.errorMessage ?? "") : nil,
                                output: output, progress: op.progress)
    }

    /// A failed export that trying again cannot heal (a graph the API refuses, an asset it
    /// will not write) fails at once; quota and internal errors are retried.
    static func failureKind(_ message: String) -> FailureKind {
        let text = message.lowercased()
        if text.contains("quota") || text.contains("internal error") || text.contains("timed out") || text.contains("computation timed out") {
            return .retryable
        }
        // The destination or the account (deleted folder, lost permission) is not the image's
        // fault: tried again, not failed for good.
        if text.contains("permission") || text.contains("parent folder") || text.contains("destination") { return .retryable }
        if text.contains("cannot overwrite") || text.contains("not found") || text.contains("invalid")
            || text.contains("does not exist") || text.contains("no band") {
            return .permanent
        }
        return .retryable
    }

    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw engineError(error) }
    }

    /// The scheduler's view of a failed call.
    static func engineError(_ error: Error) -> Error {
        switch error {
        case let e as EngineError: return e
        case let e as AuthError:
            if case .refused = e { return EngineError.unavailable(.authentication, e.description) }
            return EngineError.unavailable(.unreachable, e.description)
        case let e as TransportError: return EngineError.unavailable(.unreachable, e.description)
        case let e as APIError:
            if e.message.contains("Too many tasks already in the queue") { return EngineError.unavailable(.queueFull, e.message, retryAfter: e.retryAfter) }
            // 403 also says "slow down" (rateLimitExceeded): that passes.
            let rateLimited = e.message.contains("rateLimitExceeded") || e.message.contains("userRateLimitExceeded")
                || e.message.lowercased().contains("rate limit")
            switch e.httpStatus {
            case 403 where rateLimited: return EngineError.transient(e.description, retryAfter: e.retryAfter)
            case 401, 403: return EngineError.unavailable(.authentication, e.description)
            case 429, 500...599: return EngineError.transient(e.description, retryAfter: e.retryAfter)
            default: return EngineError.rejected(e.description)
            }
        default: return error
        }
    }
}

/// The last full listing of operations, for a second.
actor ListingCache {
    private var last: (at: Date, tasks: [EngineTaskStatus])?
    func recent(maxAge: Double) -> [EngineTaskStatus]? {
        guard let last, Date().timeIntervalSince(last.at) < maxAge else { return nil }
        return last.tasks
    }
    func store(_ tasks: [EngineTaskStatus]) { last = (Date(), tasks) }
    func invalidate() { last = nil }
}

/// Done once: concurrent submissions wait for the one creation under way instead of each
/// asking for the destination (24 at once at the start of a run); a failure lets the next try.
actor DestinationFlag {
    private var done = false
    private var running: Task<Void, Error>?
    func ensure(_ body: @escaping @Sendable () async throws -> Void) async throws {
        if done { return }
        if let running { return try await running.value }
        let task = Task { try await body() }
        running = task
        defer { running = nil }
        try await task.value
        done = true
    }
}
