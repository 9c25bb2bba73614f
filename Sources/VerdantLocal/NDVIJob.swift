import Foundation
import VerdantRaster

/// The NDVI of one catalog image on the grid of its published cloud mask: a Float32 COG (NaN
/// where the mask is not clear or NDVI is undefined) and a JSON sidecar. Gap filling reads these.
/// Steps: mask grid and values → B4 and B8 as reflectance on that grid → NDVI → write.
public struct NDVIJob: Sendable {
    public static let redBand = "B4"
    public static let nearInfraredBand = "B8"

    public let item: CatalogItem
    /// The image's cloud mask (uint8: 0 clear, 1 cloud, 255 nodata), with `<same name>.json` beside it.
    public let maskPath: String
    public let settings: NDVISettings

    public init(item: CatalogItem, maskPath: String, settings: NDVISettings) {
        self.item = item; self.maskPath = maskPath; self.settings = settings
    }

    /// Writes `<directory>/<item.id>.tif` and `<directory>/<item.id>.json`; the caller (the local
    /// engine) commits the directory atomically. Throws `CancellationError` when `isCancelled`
    /// turns true, checked between steps and, through GDAL, while bands are read.
    public func run(into directory: URL, requestId: String, isCancelled: @Sendable () -> Bool) throws -> NDVIResult {
        // GDAL polls the check while warping, strictly within this call, so it never really escapes.
        try withoutActuallyEscaping(isCancelled) { try run(into: directory, requestId: requestId, checking: $0) }
    }

    private func run(into directory: URL, requestId: String,
                     checking isCancelled: @escaping @Sendable () -> Bool) throws -> NDVIResult {
        if isCancelled() { throw CancellationError() }
        let grid = try RasterGrid.of(rasterPath: maskPath)
        let mask = try readByteBand(path: maskPath, grid: grid)
        let provenance = try MaskProvenance.read(maskPath: maskPath, imageId: item.id)
        let ndvi: [Float], summary: NDVIComputation.Summary
        if let asset = item.otherAssets[settings.ndviAsset.lowercased()] {
            // The item's own NDVI, cut by the mask: its missing values (withheld, no data) stay
            // missing, never recomputed from the bands.
            if isCancelled() { throw CancellationError() }
            var values = try readBand(path: asset.path, grid: grid, resampling: .average, nodata: asset.nodata,
                                      isCancelled: isCancelled)
            if asset.scale != 1 || asset.offset != 0 {
                for i in values.indices { values[i] = values[i] * Float(asset.scale) + Float(asset.offset) }
            }
            (ndvi, summary) = NDVIComputation.cut(values, mask: mask)
        } else {
            // Both assets are checked before either is read, so a missing B8 does not cost a B4 read.
            for band in [Self.redBand, Self.nearInfraredBand] where item.bands[band] == nil {
                throw CloudMaskError.missingBand(item: item.id, band: band)
            }
            let scene = SceneReflectance(item: item, grid: grid, rule: settings.radiometricOffset)
            if isCancelled() { throw CancellationError() }
            let red = try scene.read(Self.redBand, isCancelled: isCancelled)
            if isCancelled() { throw CancellationError() }
            let nearInfrared = try scene.read(Self.nearInfraredBand, isCancelled: isCancelled)
            if isCancelled() { throw CancellationError() }
            (ndvi, summary) = NDVIComputation.compute(red: red, nearInfrared: nearInfrared, mask: mask)
        }

        if isCancelled() { throw CancellationError() }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ndviPath = directory.appendingPathComponent("\(item.id).tif").path
        let sidecarPath = directory.appendingPathComponent("\(item.id).json").path
        try writeCOG(path: ndviPath, grid: grid, values: ndvi)
        try NDVISidecar(item: item, requestId: requestId, grid: grid, summary: summary, mask: provenance,
                        settings: settings).write(to: sidecarPath)
        return NDVIResult(ndviPath: ndviPath, sidecarPath: sidecarPath, validFraction: summary.validFraction,
                          cloudFraction: summary.cloudFraction, nodataFraction: summary.nodataFraction,
                          meanNDVI: summary.mean)
    }
}
