import Foundation
import VerdantRaster

/// The JSON written beside each mask: what the original put in its Drive export metadata
/// (footprint, system:time_start, system:time_end; seed-algorithm.md §5) plus the grid, the
/// fractions and the parameters, so a mask can be checked and re-made without the run's files.
struct MaskSidecar {
    var item: CatalogItem
    var requestId: String
    var grid: RasterGrid
    var fractions: MaskComposition.Fractions
    var settings: CloudMaskSettings

    /// Earth Engine times are integer milliseconds since the Unix epoch.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    func jsonObject() throws -> [String: Any] {
        let footprint = try JSONSerialization.jsonObject(with: Data(item.footprint.utf8), options: [.fragmentsAllowed])
        let crs: String = grid.epsgCode.map { "EPSG:\($0)" } ?? grid.crsWKT
        return [
            "id": item.id,
            "request_id": requestId,
            "footprint": footprint,
            "system:time_start": Self.milliseconds(item.datetime),
            "system:time_end": Self.milliseconds(item.endDatetime),
            "crs": crs,
            "crs_wkt": grid.crsWKT,
            "grid": ["geotransform": grid.geoTransform, "width": grid.width, "height": grid.height] as [String: Any],
            "values": ["clear": 0, "cloud": 1, "nodata": Int(255)],
            "cloud_fraction": fractions.cloud,
            "clear_fraction": fractions.clear,
            "nodata_fraction": fractions.nodata,
            "parameters": [
                "scale": settings.scale,
                "method": settings.method,
                "coef_normalisation": settings.coefNormalisation,
                "land_geometry": settings.landGeometryPath,
            ] as [String: Any],
        ]
    }

    func write(to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: try jsonObject(),
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: URL(fileURLWithPath: path))
    }
}
