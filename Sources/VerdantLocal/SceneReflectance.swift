import Foundation
import VerdantCore
import VerdantRaster

/// Reads bands of a catalog item onto one grid as top-of-atmosphere reflectance (Float, NaN
/// where the asset has no data), whatever each band's native resolution.
///
/// Resampling to the working grid, per band: GDAL's "average" of the native pixels each grid
/// cell covers, nodata excluded, at full resolution (never a COG overview). At the default 30 m
/// a cell is the mean of 3 × 3 pixels of a 10 m band (B2 B3 B4 B8), of 1.5 × 1.5 of a 20 m band
/// (B5 B6 B7 B8A B11 B12, weighted by the part each covers) and the part of the one 60 m pixel
/// it lies in (B1 B9 B10). Finer grids than a band's resolution repeat its pixel values.
struct SceneReflectance {
    let item: CatalogItem
    let grid: RasterGrid
    var rule: RadiometricOffset = .auto
    /// Shared reads of grid bands (neighbours used by both backgrounds, images of one tile).
    var cache: GridBandCache? = nil

    /// The grid a mask is computed on: the footprint within the reference band's extent, at
    /// `scale` metres, in the source CRS. B2 is a 10 m band, so the grid snaps to native edges.
    /// The item's grid at `scale`, aligned on a 10 m band, else on the first of the assets
    /// `otherwise` names that the item has (an NDVI-only item's mask asset).
    /// With `land`, cut to the land area's part of the footprint (the windows a job reads).
    static func grid(for item: CatalogItem, scale: Double, otherwise: [String] = [], within land: LandArea? = nil) throws -> RasterGrid {
        let fallback = otherwise.lazy.compactMap { item.otherAssets[$0.lowercased()] }.first
        guard let reference = item.bands["B2"] ?? item.bands["B3"] ?? item.bands["B4"] ?? item.bands["B8"] ?? fallback else {
            throw CloudMaskError.missingBand(item: item.id, band: "B2")
        }
        return try RasterGrid.covering(footprintGeoJSON: item.footprint, referenceRaster: reference.path, scale: scale, within: land)
    }

    /// One band: value × scale + offset, the offset as `rule` decides (seed-algorithm.md §1).
    func read(_ band: String, isCancelled: (@Sendable () -> Bool)? = nil) throws -> [Float] {
        guard let asset = item.bands[band] else { throw CloudMaskError.missingBand(item: item.id, band: band) }
        let key = GridBandCache.Key(item: item.id, band: band, grid: grid, rule: rule)
        if let cached = cache?.value(key) { return cached }
        var values = try readBand(path: asset.path, grid: grid, resampling: .average, nodata: asset.nodata,
                                  isCancelled: isCancelled)
        let scale = Float(asset.scale)
        let offset = Float(asset.offset(under: rule, baseline: item.processingBaseline, acquired: item.datetime))
        for i in values.indices { values[i] = values[i] * scale + offset }
        cache?.store(key, values)
        return values
    }

    /// Several bands by name, checking for cancellation before each read and, through GDAL's
    /// progress callback, during it: a cancel lands within a fraction of a second.
    func read(_ bands: [String], isCancelled: @escaping @Sendable () -> Bool) throws -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for band in bands {
            if isCancelled() { throw CancellationError() }
            result[band] = try read(band, isCancelled: isCancelled)
        }
        return result
    }
}

/// Grid bands already read, kept up to a memory bound and dropped least recently used first:
/// the neighbours shared by an image's two backgrounds are read once, and so are those shared
/// by the images of one tile when one process masks several (training, evaluation).
public final class GridBandCache: @unchecked Sendable {
    struct Key: Hashable {
        var item: String
        var band: String
        var grid: String
        var rule: RadiometricOffset
        init(item: String, band: String, grid: RasterGrid, rule: RadiometricOffset) {
            self.item = item; self.band = band; self.rule = rule
            self.grid = "\(grid.geoTransform) \(grid.width)x\(grid.height) \(grid.crsWKT.hashValue)"
        }
    }

    public let limitBytes: Int
    private let lock = NSLock()
    private var entries: [Key: (values: [Float], used: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var bytes = 0

    public init(limitBytes: Int) { self.limitBytes = limitBytes }

    func value(_ key: Key) -> [Float]? {
        lock.lock(); defer { lock.unlock() }
        guard let entry = entries[key] else { return nil }
        clock += 1
        entries[key] = (entry.values, clock)
        return entry.values
    }

    func store(_ key: Key, _ values: [Float]) {
        let size = values.count * MemoryLayout<Float>.size
        lock.lock(); defer { lock.unlock() }
        guard size <= limitBytes, entries[key] == nil else { return }
        while bytes + size > limitBytes, let oldest = entries.min(by: { $0.value.used < $1.value.used }) {
            bytes -= oldest.value.values.count * MemoryLayout<Float>.size
            entries[oldest.key] = nil
        }
        clock += 1
        entries[key] = (values, clock)
        bytes += size
    }
}

extension CatalogItem {
    /// Its footprint's grid at `scale` metres: the grid of its mask without a land area (with
    /// one, a job cuts it to the land's window).
    public func maskGrid(scale: Double) throws -> RasterGrid { try SceneReflectance.grid(for: self, scale: scale) }

    /// One band as reflectance on `grid`, as a mask job reads it (no cache).
    public func reflectance(_ band: String, on grid: RasterGrid, rule: RadiometricOffset = .auto) throws -> [Float] {
        try SceneReflectance(item: self, grid: grid, rule: rule).read(band)
    }
}
