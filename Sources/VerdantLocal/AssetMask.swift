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
            let values = try read(settings.probabilityAsset, key: "mask.probability_asset", method: method,
                                  resampling: .average, isCancelled: isCancelled)
            // s2cloudless gives 0–1, Cloud Score+ and some archives 0–100: a maximum above 1 is percent.
            let percent = (values.filter { !$0.isNaN }.max() ?? 0) > 1
            let threshold = Float(settings.probabilityThreshold) * (percent ? 100 : 1)
            return values.map { $0.isNaN ? 255 : ($0 > threshold ? 1 : 0) }
        case .mask:
            return try read(settings.maskAsset, key: "mask.mask_asset", method: method, resampling: .mode, isCancelled: isCancelled)
                .map { $0.isNaN ? 255 : ($0 >= 0.5 ? 1 : 0) }
        default:
            throw CloudMaskError.unknownMethod(item: item.id, method: method.rawValue)
        }
    }

    private func read(_ asset: String, key: String, method: MaskMethod, resampling: Resampling,
                      isCancelled: @escaping @Sendable () -> Bool) throws -> [Float] {
        guard let found = item.otherAssets[asset.lowercased()] else {
            throw CloudMaskError.missingAsset(item: item.id, asset: asset, method: method.rawValue, key: key)
        }
        return try readBand(path: found.path, grid: grid, resampling: resampling, nodata: found.nodata, isCancelled: isCancelled)
    }
}
