import Foundation
import VerdantCore
import VerdantMask
import VerdantRaster

/// The model's inputs for images of a catalog outside a run (training, evaluation,
/// benchmarks): neighbours chosen from the same catalog as a run would, features computed as
/// the job computes them. One band cache serves every image, so the neighbours shared by the
/// images of a tile are read once.
public struct SceneFeatures {
    public let items: [CatalogItem]
    public let settings: CloudMaskSettings
    public let selection: NeighbourSelection
    public let land: LandArea?
    public let cache: GridBandCache
    private let byId: [String: CatalogItem]
    private let images: [CatalogImage]

    public init(items: [CatalogItem], settings: CloudMaskSettings, selection: NeighbourSelection, land: LandArea?,
                cacheBytes: Int = 1 << 30) {
        self.items = items; self.settings = settings; self.selection = selection; self.land = land
        self.cache = GridBandCache(limitBytes: cacheBytes)
        self.byId = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.images = items.map(\.catalogImage)
    }

    /// The neighbour items of each background, as `NeighbourSelection` chooses them.
    public func neighbours(of item: CatalogItem) throws -> [NeighbourSet: [CatalogItem]] {
        let chosen = try selection.select(for: item.catalogImage, among: images) { candidate in
            try Footprint.coveredFraction(of: item.footprint, by: candidate.footprint)
        }
        return [.recent: chosen.recent.compactMap { byId[$0.id] }, .leastCloudy: chosen.leastCloudy.compactMap { byId[$0.id] }]
    }

    public struct Scene {
        public var item: CatalogItem
        public var grid: RasterGrid
        /// Feature f of pixel i: `columns[f][i]`.
        public var columns: [[Float]]
        /// 1 where the model applies (inside footprint and land, every band present).
        public var eligible: [UInt8]
        /// Backgrounds that had no neighbour (their tests read 0).
        public var missingBackgrounds: [NeighbourSet]
        /// With a background missing, the mask a run makes instead of the forest's: tree2 ∨ tree3
        /// (1 cloud, 0 clear, 255 outside `eligible`).
        public var fallback: [UInt8]?
    }

    /// The features of one image on its grid.
    public func scene(_ item: CatalogItem, features: [CloudFeature]) throws -> Scene {
        let grid = try SceneReflectance.grid(for: item, scale: settings.scale)
        let region = MaskComposition.inside([try rasterize(footprintGeoJSON: item.footprint, onto: grid)]
                                            + (try land.map { [try rasterize($0, onto: grid)] } ?? []))
        let sets = Set(features.compactMap(\.background))
        let neighbours = sets.isEmpty ? [:] : try self.neighbours(of: item)
        let seed = SeedMask(item: item, grid: grid, settings: settings, neighbours: neighbours, cache: cache)
        let (image, eligible, backgrounds) = try seed.inputs(region: region, sets: sets, isCancelled: { false })
        let missing = sets.filter { backgrounds[$0] == nil }.sorted { $0.rawValue < $1.rawValue }
        // A background with no neighbour: its features read "not cloud" (0), as the tests cannot run.
        var stack = FeatureStack(image: image, backgrounds: backgrounds, eligible: eligible, percentile: settings.percentile)
        stack.workers = settings.workers
        let columns = features.map { feature -> [Float] in
            if let set = feature.background, backgrounds[set] == nil { return [Float](repeating: 0, count: grid.pixelCount) }
            return stack.column(feature)
        }
        var fallback: [UInt8]?
        if !missing.isEmpty {
            let trees = Hollstein.cloudMask(image.reflectance, workers: settings.workers)
            fallback = trees.indices.map { eligible[$0] == 1 ? trees[$0] : Hollstein.nodata }
        }
        return Scene(item: item, grid: grid, columns: columns, eligible: eligible, missingBackgrounds: missing, fallback: fallback)
    }
}

/// Reference cloud masks to train on or score against: one raster per scene, either 0/1
/// (1 = cloud, e.g. s2cloudless) or Sen2Cor SCL classes. Given as files or a folder; a file is
/// matched to an image by the acquisition date and time in its name (YYYYMMDD, then
/// YYYYMMDDTHHMMSS when two share a day).
public struct ReferenceMasks {
    public enum Kind: Equatable { case binary; case scl(Set<Int>) }
    public let kind: Kind
    public let files: [String]

    public init(kind: Kind, paths: [String]) throws {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw ReferenceError("\(path): no such file or folder (a reference mask, or a folder of them)")
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { $0.hasSuffix(".tif") || $0.hasSuffix(".tiff") }.sorted().map { "\(path)/\($0)" }
            } else {
                files.append(path)
            }
        }
        self.kind = kind; self.files = files
    }

    /// The references whose names carry an image's date: those with its date and time when
    /// there are, else those with its date.
    public func candidates(for item: CatalogItem) -> [String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX"); formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        let stamp = formatter.string(from: item.datetime)
        let sameDay = files.filter { URL(fileURLWithPath: $0).lastPathComponent.contains(stamp.prefix(8)) }
        let exact = sameDay.filter { URL(fileURLWithPath: $0).lastPathComponent.contains(stamp) }
        return exact.isEmpty ? sameDay : exact
    }

    /// The reference of an image on its grid: among the files named by its date, the one that
    /// covers the grid (the images of one pass over several tiles share a date); nil when none
    /// does. Two that cover it are an error: which one was meant cannot be guessed.
    public func reference(for item: CatalogItem, on grid: RasterGrid) throws -> (path: String, labels: [UInt8])? {
        var found: [(path: String, labels: [UInt8])] = []
        for path in candidates(for: item) {
            do { found.append((path, try read(path, onto: grid))) } catch is NoOverlap { continue }
        }
        guard found.count <= 1 else {
            throw ReferenceError("\(item.id): \(found.map(\.path).joined(separator: " and ")) all match its date and cover it; "
                + "keep one reference per image (or name each by its YYYYMMDDTHHMMSS)")
        }
        return found.first
    }

    struct NoOverlap: Error {}

    /// The reference on a grid: 1 cloud, 0 clear, 255 no data. A 0/1 mask is averaged over
    /// each cell (cloud when more than half is); classes take the cell's most common class.
    public func read(_ path: String, onto grid: RasterGrid) throws -> [UInt8] {
        let labels: [UInt8]
        switch kind {
        case .binary:
            // A probability or a class raster given as a 0/1 mask would be scored as nonsense.
            if let odd = try readBand(path: path, grid: grid, resampling: .nearest).first(where: { !$0.isNaN && $0 != 0 && $0 != 1 }) {
                throw ReferenceError("\(path): expected a 0/1 cloud mask (1 = cloud), found the value \(odd); "
                    + "for Sen2Cor classes give --reference-kind scl")
            }
            labels = try readBand(path: path, grid: grid, resampling: .average).map { $0.isNaN ? 255 : ($0 > 0.5 ? 1 : 0) }
        case .scl(let classes):
            labels = try readBand(path: path, grid: grid, resampling: .mode, nodata: 0)
                .map { $0.isNaN ? 255 : (classes.contains(Int($0)) ? 1 : 0) }
        }
        guard labels.contains(where: { $0 != 255 }) else { throw NoOverlap() }
        return labels
    }
}

public struct ReferenceError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
