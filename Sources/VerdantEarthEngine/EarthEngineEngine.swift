import Foundation
import VerdantCore
import VerdantHTTP

/// Where and how the Earth Engine engine exports.
public struct EarthEngineSettings: Sendable {
    public var project: String
    /// ImageCollection receiving the masks (`projects/p/assets/...`), created with its parents.
    public var destination: String
    /// Export scale in metres (the original's 30 m).
    public var scale: Double = 30
    /// An Earth Engine table the masks are clipped to (`land_geometry`), if any.
    public var landTable: String?
    public var coefficient: Double = 10_000
    public init(project: String, destination: String) { self.project = project; self.destination = destination }
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

    let api: EarthEngineAPI
    let settings: EarthEngineSettings
    private let listing = ListingCache()
    private let destinationReady = DestinationFlag()

    public init(api: EarthEngineAPI, settings: EarthEngineSettings) {
        self.api = api; self.settings = settings
    }

    /// The export request of a job: its graph, description, request id and destination.
    public func exportBody(_ job: Job, requestId: String) throws -> [String: Any] {
        guard job.stage == .cloudMask else {
            throw EngineError.rejected("stage \(job.stage.rawValue) does not run on Earth Engine yet (masks only)")
        }
        var image = HollsteinGraph.cloudMask(imageId: job.source, coefficient: settings.coefficient)
        if let land = settings.landTable { image = image.clip(toTable: land) }
        let exported = ExpressionNode.call("Image.clipToBoundsAndScale", ["input": image.node, "scale": .constant(.number(settings.scale))])
        return [
            "expression": exported.expression(),
            "description": job.description,
            "requestId": requestId,
            "maxPixels": "10000000000000",
            "assetExportOptions": [
                "earthEngineDestination": ["name": "\(settings.destination)/\(job.id)", "overwrite": false],
                "pyramidingPolicy": "MODE",
            ],
        ]
    }

    public func submit(_ job: Job, requestId: String) async throws -> EngineTaskID {
        let body = try exportBody(job, requestId: requestId)
        do {
            if await !destinationReady.isSet {
                try await api.createAsset(settings.destination, type: "IMAGE_COLLECTION")
                await destinationReady.set()
            }
            return try await api.export(body).name
        } catch let error as APIError where error.httpStatus == 409 {
            // The request id was used already: that task is ours; find it by its description.
            let all = try await Self.mapped { try await self.allOperations(fresh: true) }
            if let mine = all.first(where: { $0.description == job.description && $0.state != .cancelled && $0.state != .failed }) {
                return mine.id
            }
            throw EngineError.transient("request id \(requestId) already used, its task not listed yet")
        } catch {
            throw Self.engineError(error)
        }
    }

    public func list(pageToken: String?, pageSize: Int) async throws -> EngineTaskPage {
        try await Self.mapped {
            let page = try await self.api.operations(pageToken: pageToken, pageSize: min(500, pageSize))
            return EngineTaskPage(tasks: page.operations.map(Self.status), nextPageToken: page.next)
        }
    }

    /// From one listing of every operation (cached for a second, so poll and quotas of one
    /// cycle share it); ids missing from it are asked for one by one.
    public func poll(_ ids: [EngineTaskID]) async throws -> [EngineTaskStatus] {
        try await Self.mapped {
            let all = try await self.allOperations(fresh: false)
            let byID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var found: [EngineTaskStatus] = []
            for id in ids {
                if let status = byID[id] { found.append(status) } else if let op = try await self.api.operation(id) {
                    found.append(Self.status(op))
                }
            }
            return found
        }
    }

    public func cancel(_ ids: [EngineTaskID]) async throws {
        try await Self.mapped {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func add() { let id = ids[next]; next += 1; group.addTask { try await self.api.cancel(id) } }
                while next < min(8, ids.count) { add() }
                while try await group.next() != nil { if next < ids.count { add() } }
            }
            await self.listing.invalidate()
        }
    }

    public func quotas() async throws -> EngineQuota {
        try await Self.mapped {
            let all = try await self.allOperations(fresh: false)
            let pending = all.filter { $0.state == .pending }.count
            let running = all.filter { $0.state == .running || $0.state == .cancelling }.count
            let quota = try await self.api.rootQuota()
            return EngineQuota(maxQueuedTasks: Self.queueLimit, concurrentTasks: nil, queuedOrRunning: pending + running,
                               pending: pending, running: running, assetsUsed: Int(quota.assetCount),
                               assetsLimit: quota.maxAssets.map(Int.init), bytesUsed: quota.sizeBytes, bytesLimit: quota.maxSizeBytes)
        }
    }

    public func shutdown() async {}

    /// Every operation of the project, following pages; at most one listing a second.
    func allOperations(fresh: Bool) async throws -> [EngineTaskStatus] {
        if !fresh, let cached = await listing.recent(maxAge: 1) { return cached }
        var all: [EngineTaskStatus] = []
        var token: String? = nil
        repeat {
            let page = try await api.operations(pageToken: token)
            all += page.operations.map(Self.status)
            token = page.next
        } while token != nil
        await listing.store(all)
        return all
    }

    static func status(_ op: Operation) -> EngineTaskStatus {
        let state = EngineTaskState(rawValue: op.state) ?? .pending
        return EngineTaskStatus(id: op.name, state: state, requestId: nil, description: op.description,
                                error: state == .failed ? op.errorMessage : nil, output: op.destinationUris.first, progress: op.progress)
    }

    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw engineError(error) }
    }

    /// The scheduler's view of a failed call.
    static func engineError(_ error: Error) -> Error {
        switch error {
        case let e as EngineError: return e
        case let e as AuthError:
            if case .refused(let m) = e { return EngineError.unavailable(.authentication, m) }
            return EngineError.unavailable(.unreachable, e.description)
        case let e as TransportError: return EngineError.unavailable(.unreachable, e.description)
        case let e as APIError:
            if e.message.contains("Too many tasks already in the queue") { return EngineError.unavailable(.queueFull, e.message, retryAfter: e.retryAfter) }
            switch e.httpStatus {
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

actor DestinationFlag {
    private(set) var isSet = false
    func set() { isSet = true }
}
