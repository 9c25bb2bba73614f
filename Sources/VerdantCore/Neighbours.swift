import Foundation

/// One neighbour image of an image being masked: enough for a job to read it.
public struct NeighbourRef: Codable, Sendable, Equatable, Hashable {
    public var id: String
    /// Where the engine finds it (a STAC item path, an asset id).
    public var source: String
    public var acquired: Date
    public var cloudCover: Double?
    public init(id: String, source: String, acquired: Date, cloudCover: Double?) {
        self.id = id; self.source = source; self.acquired = acquired; self.cloudCover = cloudCover
    }
}

/// The two neighbour selections of seed-algorithm.md §3 for one image, recorded with its task
/// so that a rerun masks against the same images even after the catalog grew.
public struct Neighbours: Codable, Sendable, Equatable {
    /// Method 1, "percentile1": the `number_of_images` most recent candidates before the image
    /// (filled from after it with `allow_future`).
    public var recent: [NeighbourRef]
    /// Method 5, "percentile5": the `number_of_images` least cloudy of `number_preselect`.
    public var leastCloudy: [NeighbourRef]
    /// `NeighbourSelection.digest` of the parameters that chose them.
    public var selection: String
    public init(recent: [NeighbourRef], leastCloudy: [NeighbourRef], selection: String) {
        self.recent = recent; self.leastCloudy = leastCloudy; self.selection = selection
    }
    /// Every distinct neighbour, in first-use order.
    public var all: [NeighbourRef] {
        var seen = Set<String>()
        return (recent + leastCloudy).filter { seen.insert($0.id).inserted }
    }
}

/// Chooses an image's neighbours among the catalog's images (seed-algorithm.md §3 steps 1–2).
public struct NeighbourSelection: Sendable {
    public var numberOfImages: Int
    public var numberPreselect: Int
    public var allowFuture: Bool
    public var numberHours: Double
    public var commonArea: Double

    public init(numberOfImages: Int, numberPreselect: Int, allowFuture: Bool, numberHours: Double, commonArea: Double) {
        self.numberOfImages = numberOfImages; self.numberPreselect = numberPreselect
        self.allowFuture = allowFuture; self.numberHours = numberHours; self.commonArea = commonArea
    }

    public init(_ mask: MaskSettings) {
        self.init(numberOfImages: mask.numberOfImages, numberPreselect: mask.numberPreselect,
                  allowFuture: mask.allowFuture, numberHours: mask.numberHours, commonArea: mask.commonArea)
    }

    /// Identifies the parameters: a recorded selection made under others is made again.
    public var digest: String {
        "n=\(numberOfImages) pre=\(numberPreselect) future=\(allowFuture) hours=\(numberHours) common=\(commonArea)"
    }

    /// `catalog`: every image the catalog lists (any date). `coverage(candidate)`: the fraction
    /// of the image's footprint the candidate's covers, asked only of candidates that could be
    /// chosen, nearest in time first, so a tile of years of images costs a few dozen tests.
    public func select(for image: CatalogImage, among catalog: [CatalogImage],
                       coverage: (CatalogImage) throws -> Double) rethrows -> Neighbours {
        let window = numberHours * 3600
        let sameTile = catalog.filter {
            $0.spectral && $0.tile == image.tile && $0.id != image.id && abs($0.acquired.timeIntervalSince(image.acquired)) > window
        }
        let before = sameTile.filter { $0.acquired < image.acquired }.sorted { ($0.acquired, $0.id) > ($1.acquired, $1.id) }
        let after = sameTile.filter { $0.acquired > image.acquired }.sorted { ($0.acquired, $0.id) < ($1.acquired, $1.id) }
        var coverageCache: [String: Bool] = [:]
        func covers(_ c: CatalogImage) throws -> Bool {
            if let known = coverageCache[c.id] { return known }
            let ok = try coverage(c) > commonArea
            coverageCache[c.id] = ok
            return ok
        }
        func list(_ k: Int) throws -> [CatalogImage] {
            var chosen: [CatalogImage] = []
            for c in before where chosen.count < k { if try covers(c) { chosen.append(c) } }
            guard chosen.count < k, allowFuture else { return chosen }
            for c in after where chosen.count < k { if try covers(c) { chosen.append(c) } }
            return chosen
        }
        let recent = try list(numberOfImages)
        // Stable: among equal cloud covers the nearer in time (earlier in the list) wins;
        // an unknown cover sorts last.
        let preselected = try list(numberPreselect).enumerated().sorted { a, b in
            let ca = a.element.cloudCover ?? .infinity, cb = b.element.cloudCover ?? .infinity
            return ca != cb ? ca < cb : a.offset < b.offset
        }.prefix(numberOfImages).map(\.element)
        func refs(_ images: [CatalogImage]) -> [NeighbourRef] {
            images.map { NeighbourRef(id: $0.id, source: $0.source, acquired: $0.acquired, cloudCover: $0.cloudCover) }
        }
        return Neighbours(recent: refs(recent), leastCloudy: refs(Array(preselected)), selection: digest)
    }
}
