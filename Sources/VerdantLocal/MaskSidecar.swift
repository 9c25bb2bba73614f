import Foundation
import VerdantRaster

/// The JSON written beside each mask: the common image fields (`ImageSidecarFields`) plus the
/// mask's values, fractions and the parameters, so a mask can be checked and re-made.
struct MaskSidecar {
    var item: CatalogItem
    var requestId: String
    var grid: RasterGrid
    var fractions: MaskComposition.Fractions
    var settings: CloudMaskSettings
    /// Method "seed": the model file, features, cut-off and neighbour images used; the asset
    /// methods: the asset read.
    var model: [String: Any] = [:]

    func jsonObject() throws -> [String: Any] {
        try ImageSidecarFields.of(item: item, requestId: requestId, grid: grid).merging([
            "values": ["clear": 0, "cloud": 1, "nodata": Int(255)],
            "cloud_fraction": fractions.cloud,
            "clear_fraction": fractions.clear,
            "nodata_fraction": fractions.nodata,
            "parameters": [
                "scale": settings.scale,
                "method": settings.method,
                "coef_normalisation": settings.coefNormalisation,
                "land_geometry": settings.landGeometryPath,
                "radiometric_offset": settings.radiometricOffset,
            ] as [String: Any],
            // What the method read besides the image: the model, its neighbours, or the asset.
            "method_inputs": model,
        ]) { common, _ in common }
    }

    func write(to path: String) throws {
        try ImageSidecarFields.write(try jsonObject(), to: path)
    }
}
