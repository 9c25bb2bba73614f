import Foundation
import VerdantCore
import VerdantMask
import VerdantRaster

/// Method "seed" for one image (seed-algorithm.md §2–§4): its 13 bands and, band by band, the
/// same band of each neighbour image, whose per-pixel medians are the two backgrounds; then the
/// model's features and its forest. Every neighbour band is read once for both backgrounds.
struct SeedMask {
    let item: CatalogItem
    let grid: RasterGrid
    let settings: CloudMaskSettings
    /// Neighbour items of each background, already loaded.
    let neighbours: [NeighbourSet: [CatalogItem]]
    let cache: GridBandCache

    init(item: CatalogItem, grid: RasterGrid, settings: CloudMaskSettings,
         neighbours: [NeighbourSet: [CatalogItem]], cache: GridBandCache) {
        self.item = item; self.grid = grid; self.settings = settings; self.cache = cache
        // A neighbour missing a band file is left out of the backgrounds (and named in the
        // sidecar) rather than failing every image whose background it would join.
        self.neighbours = neighbours.mapValues { $0.filter(Self.readable) }
        self.skipped = Set(neighbours.values.joined().filter { !Self.readable($0) }.map(\.id)).sorted()
    }

    /// Neighbours left out because a band is missing.
    let skipped: [String]

    static func readable(_ item: CatalogItem) -> Bool {
        Sentinel2.bands.allSatisfy { band in
            guard let asset = item.bands[band] else { return false }
            return asset.path.hasPrefix("/vsi") || FileManager.default.fileExists(atPath: asset.path)
        }
    }

    struct Output {
        var mask: [UInt8]
        /// What the sidecar says of the model's inputs.
        var notes: [String: Any]
    }

    /// The image, where the model applies, and the backgrounds of `sets` that have neighbours.
    func inputs(region: [UInt8], sets: Set<NeighbourSet>, isCancelled: @escaping @Sendable () -> Bool) throws
        -> (image: BandStack, eligible: [UInt8], backgrounds: [NeighbourSet: BandStack]) {
        let image = try readStack(item, isCancelled: isCancelled)
        var eligible = image.complete()
        for i in eligible.indices where region[i] == 0 { eligible[i] = 0 }
        let backgrounds = try self.backgrounds(for: sets.filter { !(neighbours[$0] ?? []).isEmpty }, isCancelled: isCancelled)
        return (image, eligible, backgrounds)
    }

    /// `region`: 1 inside the footprint and the land.
    func run(_ model: CloudModel, region: [UInt8], isCancelled: @escaping @Sendable () -> Bool) throws -> Output {
        let (image, eligible, backgrounds) = try inputs(region: region, sets: model.backgroundsNeeded, isCancelled: isCancelled)
        let needed = Set(backgrounds.keys)
        if isCancelled() { throw CancellationError() }
        var notes: [String: Any] = [
            "model": settings.modelPath, "cutoff": settings.cutoff, "features": model.features.map(\.name),
            "neighbours": Dictionary(uniqueKeysWithValues: NeighbourSet.allCases.map { ($0.rawValue, (neighbours[$0] ?? []).map(\.id)) }),
        ]
        if !skipped.isEmpty { notes["neighbours_left_out"] = skipped }
        // Without a background (the first image of a tile, a lone scene) the multitemporal tests
        // cannot run: the single-image tests decide, and the sidecar says so.
        guard needed.count == model.backgroundsNeeded.count else {
            notes["fallback"] = skipped.isEmpty
                ? "no neighbour image qualifies (same tile, number_hours, common_area): tree2 OR tree3 alone"
                : "every neighbour image lacks a band file (neighbours_left_out): tree2 OR tree3 alone"
            return Output(mask: Hollstein.cloudMask(image.reflectance, workers: settings.workers), notes: notes)
        }
        let output = model.apply(image: image, backgrounds: backgrounds, eligible: eligible, workers: settings.workers)
        return Output(mask: output.mask, notes: notes)
    }

    func readStack(_ item: CatalogItem, isCancelled: @escaping @Sendable () -> Bool) throws -> BandStack {
        let scene = SceneReflectance(item: item, grid: grid, rule: settings.offsetRule, cache: cache)
        let bands = try Sentinel2.bands.map { band -> [Float] in
            if isCancelled() { throw CancellationError() }
            return try scene.read(band, isCancelled: isCancelled)
        }
        return BandStack(width: grid.width, height: grid.height, bands: bands)
    }

    /// The backgrounds, one band at a time and, within a band, one window of rows at a time:
    /// every distinct neighbour's window is read once for both backgrounds, and no more than
    /// `settings.windowBytes` of neighbour values are in memory at once, however many
    /// neighbours a tile has.
    func backgrounds(for sets: Set<NeighbourSet>, isCancelled: @escaping @Sendable () -> Bool) throws -> [NeighbourSet: BandStack] {
        guard !sets.isEmpty else { return [:] }
        var seen = Set<String>()
        let union = NeighbourSet.allCases.filter(sets.contains).flatMap { neighbours[$0] ?? [] }.filter { seen.insert($0.id).inserted }
        let width = grid.width, height = grid.height
        let rows = max(1, min(height, settings.windowBytes / max(1, union.count * width * MemoryLayout<Float>.size)))
        var bands: [NeighbourSet: [[Float]]] = [:]
        for band in Sentinel2.bands {
            var medians = Dictionary(uniqueKeysWithValues: sets.map { ($0, [Float](repeating: .nan, count: grid.pixelCount)) })
            for top in stride(from: 0, to: height, by: rows) {
                let window = grid.rows(top..<min(height, top + rows))
                var read: [String: [Float]] = [:]
                for neighbour in union {
                    if isCancelled() { throw CancellationError() }
                    let scene = SceneReflectance(item: neighbour, grid: window, rule: settings.offsetRule, cache: cache)
                    read[neighbour.id] = try scene.read(band, isCancelled: isCancelled)
                }
                for set in sets {
                    let values = (neighbours[set] ?? []).compactMap { read[$0.id] }
                    BackgroundMedian.median(of: values, range: 0..<window.pixelCount, into: &medians[set]!, offset: top * width)
                }
            }
            for set in sets { bands[set, default: []].append(medians[set]!) }
        }
        return bands.mapValues { BandStack(width: width, height: height, bands: $0) }
    }
}
