import Foundation
import VerdantRaster

/// What every per-image sidecar (mask, NDVI) holds first: what the original put in its Drive
/// export metadata (footprint, system:time_start, system:time_end; seed-algorithm.md §5), the
/// request that made the file, and its grid, so a file can be checked without the run's files.
enum ImageSidecarFields {
    /// Earth Engine times are integer milliseconds since the Unix epoch.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func of(item: CatalogItem, requestId: String, grid: RasterGrid) throws -> [String: Any] {
        let footprint = try JSONSerialization.jsonObject(with: Data(item.footprint.utf8), options: [.fragmentsAllowed])
        let crs: String = grid.epsgCode.map { "EPSG:\($0)" } ?? grid.crsWKT
        return [
            "id": item.id,
            "request_id": requestId,
            "footprint": footprint,
            "system:time_start": milliseconds(item.datetime),
            "system:time_end": milliseconds(item.endDatetime),
            "crs": crs,
            "crs_wkt": grid.crsWKT,
            "grid": ["geotransform": grid.geoTransform, "width": grid.width, "height": grid.height] as [String: Any],
        ]
    }

    /// Sorted keys and pretty printing, so sidecars diff well between runs.
    static func write(_ object: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: URL(fileURLWithPath: path))
    }
}
