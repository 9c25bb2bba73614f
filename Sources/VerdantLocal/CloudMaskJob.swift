import Foundation
import VerdantCore
import VerdantMask
import VerdantRaster

/// Masks the clouds of one catalog image: a uint8 COG (0 clear, 1 cloud, 255 nodata) in the
/// source CRS at `settings.scale`, and a JSON sidecar. Steps, each a small piece of its own:
/// grid → the method's mask (`SeedMask`, Hollstein's trees, `AssetMask`) → restrict to
/// footprint and land → write.
public struct CloudMaskJob: Sendable {
    public let item: CatalogItem
    /// nil: the whole footprint (evaluation without the land area).
    public let land: LandArea?
    public let settings: CloudMaskSettings
    /// Method "seed": the neighbour items of each background, as recorded with the task.
    public var neighbours: [NeighbourSet: [CatalogItem]] = [:]
    /// Method "seed": the model, loaded once by the caller (it names its file in any error).
    public var model: CloudModel?

    public init(item: CatalogItem, land: LandArea?, settings: CloudMaskSettings) {
        self.item = item; self.land = land; self.settings = settings
    }

    /// Writes `<directory>/<item.id>.tif` and `<directory>/<item.id>.json`; the caller (the local
    /// engine) commits the directory atomically. Throws `CancellationError` when `isCancelled`
    /// turns true, checked between bands and between steps.
    public func run(into directory: URL, requestId: String, cache: GridBandCache? = nil,
                    isCancelled: @Sendable () -> Bool) throws -> CloudMaskResult {
        // GDAL polls the check while warping, strictly within this call, so it never really escapes.
        try withoutActuallyEscaping(isCancelled) { check in
            // A job reads each window of each neighbour once: a cache of its own would never hit.
            let computed = try mask(cache: cache ?? GridBandCache(limitBytes: 0), checking: check)
            if check() { throw CancellationError() }
            return try write(computed.mask, grid: computed.grid, notes: computed.notes, into: directory, requestId: requestId)
        }
    }

    /// The mask on its grid, restricted to footprint and land, without writing anything: what
    /// `verdant evaluate-mask` scores.
    public func mask(cache: GridBandCache, checking isCancelled: @escaping @Sendable () -> Bool) throws
        -> (mask: [UInt8], grid: RasterGrid, notes: [String: Any]) {
        guard var method = MaskMethod(rawValue: settings.method) else {
            throw CloudMaskError.unknownMethod(item: item.id, method: settings.method)
        }
        var notes: [String: Any] = [:]
        // An NDVI-only item (samples/series) under a method that reads bands: its own mask
        // asset when the parameters allow it, said in the sidecar.
        if method == .seed || method == .hollstein, settings.fallback == MaskFallback.mask.rawValue,
           !ReflectanceBands.names.allSatisfy({ item.bands[$0] != nil }), item.otherAssets[settings.maskAsset.lowercased()] != nil {
            notes["fallback"] = "no reflectance bands: method \(method.rawValue) replaced by the \(settings.maskAsset) asset (mask.fallback)"
            method = .mask
        }
        if isCancelled() { throw CancellationError() }
        let grid = try SceneReflectance.grid(for: item, scale: settings.scale,
                                             otherwise: [AssetMask.asset(of: method, in: settings)?.name].compactMap { $0 }, within: land)
        let footprintArea = try rasterize(footprintGeoJSON: item.footprint, onto: grid)
        let landArea = try land.map { try rasterize($0, onto: grid) } ?? [UInt8](repeating: 1, count: grid.pixelCount)
        let cloudMask: [UInt8]
        switch method {
        case .hollstein:
            let scene = SceneReflectance(item: item, grid: grid, rule: settings.offsetRule, cache: cache)
            let bands = try scene.read(ReflectanceBands.names, isCancelled: isCancelled)
            guard let reflectance = ReflectanceBands(byName: bands) else {
                throw CloudMaskError.missingBand(item: item.id, band: ReflectanceBands.names.joined(separator: " "))
            }
            cloudMask = Hollstein.cloudMask(reflectance, workers: settings.workers)
        case .seed:
            guard let model else { throw CloudMaskError.unknownMethod(item: item.id, method: "seed without a model") }
            let seed = SeedMask(item: item, grid: grid, settings: settings, neighbours: neighbours, cache: cache)
            let output = try seed.run(model, region: MaskComposition.inside([footprintArea, landArea]), isCancelled: isCancelled)
            cloudMask = output.mask
            notes = output.notes
        case .scl, .probability, .mask:
            let (mask, path) = try AssetMask(item: item, grid: grid, settings: settings).run(method: method, isCancelled: isCancelled)
            cloudMask = mask
            notes["asset"] = AssetMask.asset(of: method, in: settings)!.name
            notes["asset_path"] = path
        }
        // What the radiometric rule did to this image (its B2's offset, in reflectance).
        if let b2 = item.bands["B2"], method == .seed || method == .hollstein {
            notes["radiometric_offset_applied"] = b2.offset(under: settings.offsetRule, baseline: item.processingBaseline, acquired: item.datetime)
        }
        return (MaskComposition.restrict(cloudMask, to: [footprintArea, landArea]), grid, notes)
    }

    private func write(_ mask: [UInt8], grid: RasterGrid, notes: [String: Any],
                       into directory: URL, requestId: String) throws -> CloudMaskResult {
        let fractions = MaskComposition.fractions(of: mask)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let maskPath = directory.appendingPathComponent("\(item.id).tif").path
        let sidecarPath = directory.appendingPathComponent("\(item.id).json").path
        try writeCOG(path: maskPath, grid: grid, values: mask, nodata: Hollstein.nodata)
        try MaskSidecar(item: item, requestId: requestId, grid: grid, fractions: fractions, settings: settings, model: notes)
            .write(to: sidecarPath)
        return CloudMaskResult(maskPath: maskPath, sidecarPath: sidecarPath, cloudFraction: fractions.cloud,
                               clearFraction: fractions.clear, nodataFraction: fractions.nodata)
    }
}
