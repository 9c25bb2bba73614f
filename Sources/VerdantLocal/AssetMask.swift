import VerdantCore
import VerdantRaster

/// Methods "scl", "probability" and "mask": a cloud mask from an asset the catalog item already
/// has, read onto the working grid. Classes and 0/1 masks take the value most of a cell's
/// pixels have (averaging classes means nothing); probabilities are averaged.
struct AssetMask {
    let item: CatalogItem
    let grid: RasterGrid
    let settings: CloudMaskSettings

    func run(method: MaskMethod, isCancelled: @escaping @Sendable () -> Bool) throws -> [UInt8] {
        switch method {
        case .scl:
            let classes = Set(settings.sclClasses.map(Float.init))
            return try read(settings.sclAsset, key: "mask.scl_asset", method: method, resampling: .mode, isCancelled: isCancelled)
                .map { $0.isNaN ? 255 : (classes.contains($0) ? 1 : 0) }
        case .probability:
            // In the asset's own units after its declared raster:bands scale and offset (s2cloudless
            // 0–1: 0.4; a 0–100 asset: 40), the same for every image of a run.
            let asset = try self.asset(settings.probabilityAsset, key: "mask.probability_asset", method: method)
            let threshold = Float(settings.probabilityThreshold)
            let scale = Float(asset.scale), offset = Float(asset.offset)
            return try read(settings.probabilityAsset, key: "mask.probability_asset", method: method,
                            resampling: .average, isCancelled: isCancelled)
                .map { $0.isNaN ? 255 : ($0 * scale + offset > threshold ? 1 : 0) }
        case .mask:
            return try read(settings.maskAsset, key: "mask.mask_asset", method: method, resampling: .mode, isCancelled: isCancelled)
                .map { $0.isNaN ? 255 : ($0 >= 0.5 ? 1 : 0) }
        default:
            throw CloudMaskError.unknownMethod(item: item.id, method: method.rawValue)
        }
    }

    private func asset(_ asset: String, key: String, method: MaskMethod) throws -> BandAsset {
        guard let found = item.otherAssets[asset.lowercased()] else {
            throw CloudMaskError.missingAsset(item: item.id, asset: asset, method: method.rawValue, key: key)
        }
        return found
    }

    private func read(_ asset: String, key: String, method: MaskMethod, resampling: Resampling,
                      isCancelled: @escaping @Sendable () -> Bool) throws -> [Float] {
        let found = try self.asset(asset, key: key, method: method)
        return try readBand(path: found.path, grid: grid, resampling: resampling, nodata: found.nodata, isCancelled: isCancelled)
    }
}
