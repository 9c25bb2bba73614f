import Foundation
import VerdantRaster

/// The JSON written beside each NDVI raster: the common image fields, the fractions and mean,
/// the cloud mask it went through (path and the mask job's request id) and the parameters.
struct NDVISidecar {
    var item: CatalogItem
    var requestId: String
    var grid: RasterGrid
    var summary: NDVIComputation.Summary
    var mask: MaskProvenance
    var settings: NDVISettings

    func jsonObject() throws -> [String: Any] {
        try ImageSidecarFields.of(item: item, requestId: requestId, grid: grid).merging([
            "nodata": "NaN",
            "valid_fraction": summary.validFraction,
            "cloud_fraction": summary.cloudFraction,
            "nodata_fraction": summary.nodataFraction,
            "mean_ndvi": summary.mean.map { $0 as Any } ?? NSNull(),
            "mask_path": mask.maskPath,
            "mask_request_id": mask.requestId,
            "parameters": [
                "scale": settings.scale,
                "source": item.otherAssets[settings.ndviAsset.lowercased()] != nil
                    ? "asset \(settings.ndviAsset.lowercased())" : "bands \(NDVIJob.redBand), \(NDVIJob.nearInfraredBand)",
                "resampling": Resampling.average.rawValue,
            ] as [String: Any],
        ]) { common, _ in common }
    }

    func write(to path: String) throws {
        try ImageSidecarFields.write(try jsonObject(), to: path)
    }
}
