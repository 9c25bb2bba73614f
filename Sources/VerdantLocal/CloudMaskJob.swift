import Foundation
import VerdantCore
import VerdantMask
import VerdantRaster

/// Masks the clouds of one catalog image: a uint8 COG (0 clear, 1 cloud, 255 nodata) in the
/// source CRS at `settings.scale`, and a JSON sidecar. Steps, each a small piece of its own:
/// grid → read reflectances → cloud tests → restrict to footprint and land → write.
public struct CloudMaskJob: Sendable {
    public let item: CatalogItem
    public let land: LandArea
    public let settings: CloudMaskSettings

    public init(item: CatalogItem, land: LandArea, settings: CloudMaskSettings) {
        self.item = item; self.land = land; self.settings = settings
    }

    /// Writes `<directory>/<item.id>.tif` and `<directory>/<item.id>.json`; the caller (the local
    /// engine) commits the directory atomically. Throws `CancellationError` when `isCancelled`
    /// turns true, checked between bands and between steps.
    public func run(into directory: URL, requestId: String, isCancelled: @Sendable () -> Bool) throws -> CloudMaskResult {
        // GDAL polls the check while warping, strictly within this call, so it never really escapes.
        try withoutActuallyEscaping(isCancelled) { try run(into: directory, requestId: requestId, checking: $0) }
    }

    private func run(into directory: URL, requestId: String,
                     checking isCancelled: @escaping @Sendable () -> Bool) throws -> CloudMaskResult {
        guard settings.method == MaskMethod.hollstein.rawValue else {
            throw CloudMaskError.unknownMethod(item: item.id, method: settings.method)
        }
        if isCancelled() { throw CancellationError() }
        let grid = try SceneReflectance.grid(for: item, scale: settings.scale)
        let scene = SceneReflectance(item: item, grid: grid)

        let bands = try scene.read(ReflectanceBands.names, isCancelled: isCancelled)
        guard let reflectance = ReflectanceBands(byName: bands) else {
            throw CloudMaskError.missingBand(item: item.id, band: ReflectanceBands.names.joined(separator: " "))
        }
        if isCancelled() { throw CancellationError() }
        // The multitemporal model plugs in here (seed-algorithm.md §3–§4): neighbour images of the
        // same tile from the catalog, read onto this same `grid` with `SceneReflectance`, give the
        // median background and the percentile1/percentile5 masks; with tree2 and tree3 (computed
        // separately through `Hollstein.tree2`/`tree3`) they are the forest's four features, and
        // the forest's P(cloud) > cut-off replaces this single-image mask.
        let cloudMask = Hollstein.cloudMask(reflectance, workers: settings.workers)

        if isCancelled() { throw CancellationError() }
        let footprintArea = try rasterize(footprintGeoJSON: item.footprint, onto: grid)
        let landArea = try rasterize(land, onto: grid)
        let mask = MaskComposition.restrict(cloudMask, to: [footprintArea, landArea])
        let fractions = MaskComposition.fractions(of: mask)

        if isCancelled() { throw CancellationError() }
        return try write(mask, grid: grid, fractions: fractions, into: directory, requestId: requestId)
    }

    private func write(_ mask: [UInt8], grid: RasterGrid, fractions: MaskComposition.Fractions,
                       into directory: URL, requestId: String) throws -> CloudMaskResult {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let maskPath = directory.appendingPathComponent("\(item.id).tif").path
        let sidecarPath = directory.appendingPathComponent("\(item.id).json").path
        try writeCOG(path: maskPath, grid: grid, values: mask, nodata: Hollstein.nodata)
        try MaskSidecar(item: item, requestId: requestId, grid: grid, fractions: fractions, settings: settings)
            .write(to: sidecarPath)
        return CloudMaskResult(maskPath: maskPath, sidecarPath: sidecarPath, cloudFraction: fractions.cloud,
                               clearFraction: fractions.clear, nodataFraction: fractions.nodata)
    }
}
