import VerdantCore
import VerdantRaster

/// Methods "scl", "probability" and "mask": a cloud mask from an asset the catalog item already
/// has, read onto the working grid. Classes and 0/1 masks take the value most of a cell's
/// pixels have (averaging classes means nothing); probabilities are averaged.
struct AssetMask {
    let item: CatalogItem
    let grid: RasterGrid
    let settings: CloudMaskSettings

    /// The asset a method reads, and the parameter that names it.
    static func asset(of method: MaskMethod, in settings: CloudMaskSettings) -> (name: String, key: String)? {
        switch method {
        case .scl: return (settings.sclAsset, "mask.scl_asset")
        case .probability: return (settings.probabilityAsset, "mask.probability_asset")
        case .mask: return (settings.maskAsset, "mask.mask_asset")
        case .seed, .hollstein: return nil
        }
    }

    /// The mask, and the path of the asset it was read from.
    func run(method: MaskMethod, isCancelled: @escaping @Sendable () -> Bool) throws -> (mask: [UInt8], assetPath: String) {
        guard let (name, key) = Self.asset(of: method, in: settings) else {
            throw CloudMaskError.unknownMethod(item: item.id, method: method.rawValue)
        }
        guard let asset = item.otherAssets[name.lowercased()] else {
            throw CloudMaskError.missingAsset(item: item.id, asset: name, method: method.rawValue, key: key)
        }
        let read = { (resampling: Resampling) in
            try readBand(path: asset.path, grid: grid, resampling: resampling, nodata: asset.nodata, isCancelled: isCancelled)
        }
        let mask: [UInt8]
        switch method {
        case .scl:
            let classes = Set(settings.sclClasses.map(Float.init))
            mask = try read(.mode).map { $0.isNaN ? 255 : (classes.contains($0) ? 1 : 0) }
        case .probability:
            // In the asset's own units after its declared raster:bands scale and offset (s2cloudless
            // 0–1: 0.4; a 0–100 asset: 40), the same for every image of a run.
            let threshold = Float(settings.probabilityThreshold)
            let scale = Float(asset.scale), offset = Float(asset.offset)
            mask = try read(.average).map { $0.isNaN ? 255 : ($0 * scale + offset > threshold ? 1 : 0) }
        default:
            mask = try read(.mode).map { $0.isNaN ? 255 : ($0 >= 0.5 ? 1 : 0) }
        }
        return (mask, asset.path)
    }
}
