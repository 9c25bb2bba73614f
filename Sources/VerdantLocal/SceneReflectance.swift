import VerdantRaster

/// Reads bands of a catalog item onto one grid as top-of-atmosphere reflectance (Float, NaN
/// where the asset has no data), whatever each band's native resolution.
struct SceneReflectance {
    let item: CatalogItem
    let grid: RasterGrid

    /// The grid a mask is computed on: the footprint within the reference band's extent, at
    /// `scale` metres, in the source CRS. B2 is a 10 m band, so the grid snaps to native edges.
    static func grid(for item: CatalogItem, scale: Double) throws -> RasterGrid {
        guard let reference = item.bands["B2"] ?? item.bands["B3"] ?? item.bands["B4"] ?? item.bands["B8"] else {
            throw CloudMaskError.missingBand(item: item.id, band: "B2")
        }
        return try RasterGrid.covering(footprintGeoJSON: item.footprint, referenceRaster: reference.path, scale: scale)
    }

    /// One band: GDAL averages the native pixels each grid cell covers (nodata excluded), then
    /// value × scale + offset (seed-algorithm.md §1; the offset is −0.1 from baseline 04.00).
    func read(_ band: String, isCancelled: (@Sendable () -> Bool)? = nil) throws -> [Float] {
        guard let asset = item.bands[band] else { throw CloudMaskError.missingBand(item: item.id, band: band) }
        var values = try readBand(path: asset.path, grid: grid, resampling: .average, nodata: asset.nodata,
                                  isCancelled: isCancelled)
        let scale = Float(asset.scale), offset = Float(asset.offset)
        for i in values.indices { values[i] = values[i] * scale + offset }
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
