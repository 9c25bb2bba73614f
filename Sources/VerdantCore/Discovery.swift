import Foundation

/// The original's listing step (seed-algorithm.md §5.1–5.3) for any catalog: each listed image
/// gets a verdict under the current parameters — wanted, out of area (footprint misses
/// land_geometry), excluded (image_to_exclude, exported JSON), or not matched at all (outside
/// the extended dates or `area.geometry`).
public struct Discovery: Sendable {
    public var parameters: Parameters
    public var area: AreaTests
    /// Ids from the exported-images JSON file (the original's JSON_FILE).
    public var exportedIds: Set<String>
    /// Ids whose mask is already in the Earth Engine destination, made by something other than
    /// verdant (the original's scripts): not processed again, as the original did.
    public var foreignOutputs: Set<String> = []

    public init(parameters: Parameters, area: AreaTests, exportedIds: Set<String> = []) {
        self.parameters = parameters; self.area = area; self.exportedIds = exportedIds
    }

    public enum Verdict: Sendable, Equatable {
        case wanted
        case outOfArea(String)
        case excluded(String)
        /// Outside the dates or area.geometry: not registered when new, out of the queue when stored.
        case unmatched(String)

        public var isWanted: Bool { self == .wanted }
        public var reason: String? {
            switch self {
            case .wanted: return nil
            case .outOfArea(let r), .excluded(let r), .unmatched(let r): return r
            }
        }
    }

    public struct Result: Sendable {
        public var source: String
        /// Every listed image with its verdict, in catalog order (acquisition, then id).
        public var images: [(image: CatalogImage, verdict: Verdict)]
        public var failures: [CatalogFailure]

        public func count(where test: (Verdict) -> Bool) -> Int { images.filter { test($0.verdict) }.count }
        public var outsideDates: Int { count { if case .unmatched(let r) = $0 { return r.hasPrefix(Discovery.outsideDatesPrefix) } else { return false } } }
        public var outsideGeometry: Int { count { $0 == .unmatched(Discovery.outsideGeometryReason) } }
        public var matching: Int { count { if case .unmatched = $0 { return false } else { return true } } }
        public var wanted: Int { count { $0.isWanted } }
        public var outOfArea: Int { count { if case .outOfArea = $0 { return true } else { return false } } }
        public var excluded: Int { count { if case .excluded = $0 { return true } else { return false } } }
    }

    static let outsideDatesPrefix = "outside the dates"
    static let outsideGeometryReason = "footprint outside area.geometry"
    static let outOfLandReason = "footprint does not meet land_geometry"

    public var datesReason: String {
        "\(Self.outsideDatesPrefix) \(parameters.dates.extendedStart)…\(parameters.dates.extendedEnd) (with nb_days_before/after)"
    }

    public func verdict(for image: CatalogImage) throws -> Verdict {
        try verdict(id: image.id, acquired: image.acquired, footprint: image.footprint)
    }

    /// Also used for stored tasks no longer listed: their stored date and footprint decide.
    public func verdict(id: String, acquired: Date, footprint: String) throws -> Verdict {
        guard parameters.dates.containsExtended(acquired) else { return .unmatched(datesReason) }
        guard try area.meetsGeometry(footprint) else { return .unmatched(Self.outsideGeometryReason) }
        if exportedIds.contains(id) { return .excluded("listed in run.exported_json") }
        if foreignOutputs.contains(id) { return .excluded("already in earthengine.destination_folder, not made by verdant") }
        if parameters.area.imageToExclude.contains(id) { return .excluded("listed in area.image_to_exclude") }
        guard try area.meetsLand(footprint) else { return .outOfArea(Self.outOfLandReason) }
        return .wanted
    }

    public func discover(_ listing: CatalogListing) throws -> Result {
        Result(source: listing.source,
               images: try listing.images.map { ($0, try verdict(for: $0)) },
               failures: listing.failures)
    }
}
