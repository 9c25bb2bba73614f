/// Tests on image footprints: GeoJSON geometries in EPSG:4326, as STAC items and Earth Engine
/// give them.
public enum Footprint {
    /// Whether a footprint meets the `geometry` parameter (rings of [lon, lat]): the catalog
    /// pre-filter of the original scripts (seed-algorithm.md §5 step 1).
    public static func intersects(geoJSON: String, polygon: [[[Double]]]) throws -> Bool {
        let footprint = try Geometry(geoJSON: geoJSON, source: "footprint")
        let area = try Geometry(polygon: polygon, source: "geometry parameter")
        return footprint.intersects(area)
    }

    /// The fraction of `footprint`'s area that `other` covers, 0…1. Computed in EPSG:4326,
    /// which is close enough for comparing two footprints of the same tile (COMMON_AREA,
    /// seed-algorithm.md §3: a candidate must cover more than 0.95 of the image's footprint).
    public static func coveredFraction(of footprint: String, by other: String) throws -> Double {
        let base = try Geometry(geoJSON: footprint, source: "footprint")
        let cover = try Geometry(geoJSON: other, source: "other footprint")
        let baseArea = base.area
        guard baseArea > 0, let common = base.intersection(cover) else { return 0 }
        return min(1, common.area / baseArea)
    }

    /// The extent of a raster file as a closed, counter-clockwise polygon in EPSG:4326 (GeoJSON
    /// text). Edges are densified so the curved outline of a UTM rectangle stays faithful.
    public static func ofRaster(path: String) throws -> String {
        let dataset = try RasterDataset(openingPath: path)
        let (minX, minY, maxX, maxY) = dataset.bounds
        let reference = try dataset.spatialReference()
        let rectangle = Geometry.rectangle(minX: minX, minY: minY, maxX: maxX, maxY: maxY, in: reference)
        let lonLat = try rectangle.transformed(to: SpatialReference.wgs84(), source: path)
        return lonLat.geoJSON
    }
}
