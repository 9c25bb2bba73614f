import CGDAL
import Foundation

/// The `land_geometry` parameter: the union of every polygon of a vector file, in EPSG:4326.
/// Pixels outside it are masked and an image whose footprint misses it is "Out of area"
/// (seed-algorithm.md §1). Kept as WKB so the value is `Sendable` and cheap to pass to jobs.
public struct LandArea: Sendable, Equatable {
    public let sourcePath: String
    /// The union, EPSG:4326 lon/lat, as little-endian WKB.
    public let wkb: [UInt8]

    /// Reads every feature of every layer of a GeoJSON, GeoPackage, Shapefile or any other OGR
    /// vector, reprojecting from the layer's CRS (a layer without one is taken as EPSG:4326, as
    /// GeoJSON specifies).
    public static func load(path: String) throws -> LandArea {
        GDALRuntime.ensureRegistered()
        guard FileManager.default.fileExists(atPath: path) else { throw RasterError.fileNotFound(path: path) }
        CPLErrorReset()
        guard let dataset = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil) else {
            throw RasterError.notAVector(path: path)
        }
        defer { GDALClose(dataset) }
        let wgs84 = SpatialReference.wgs84()
        let parts = OGR_G_CreateGeometry(wkbMultiPolygon)!
        defer { OGR_G_DestroyGeometry(parts) }
        let layerCount = GDALDatasetGetLayerCount(dataset)
        guard layerCount > 0 else { throw RasterError.notAVector(path: path) }
        for layerIndex in 0..<layerCount {
            guard let layer = GDALDatasetGetLayer(dataset, layerIndex) else { continue }
            let layerReference = OGR_L_GetSpatialRef(layer).map(SpatialReference.cloning)
            OGR_L_ResetReading(layer)
            while let feature = OGR_L_GetNextFeature(layer) {
                defer { OGR_F_Destroy(feature) }
                guard let borrowed = OGR_F_GetGeometryRef(feature) else { continue }
                let geometry = Geometry(owning: OGR_G_Clone(borrowed))
                guard geometry.isPolygonal else { continue }
                let reference = layerReference ?? wgs84
                withExtendedLifetime(reference) { OGR_G_AssignSpatialReference(geometry.handle, reference.handle) }
                let lonLat = try geometry.transformed(to: wgs84, source: path)
                try addPolygons(of: lonLat, to: parts, path: path)
            }
        }
        guard OGR_G_GetGeometryCount(parts) > 0 else { throw RasterError.noPolygonFeatures(path: path) }
        CPLErrorReset()
        guard let union = OGR_G_UnionCascaded(parts) else {
            throw RasterError.invalidGeometry(source: path, reason: "union failed: \(GDALRuntime.lastError())")
        }
        return LandArea(sourcePath: path, wkb: Geometry(owning: union).wkb)
    }

    private static func addPolygons(of geometry: Geometry, to parts: OGRGeometryH, path: String) throws {
        let polygons: [OGRGeometryH]
        if OGR_GT_Flatten(OGR_G_GetGeometryType(geometry.handle)) == wkbPolygon {
            polygons = [geometry.handle]
        } else {
            polygons = (0..<OGR_G_GetGeometryCount(geometry.handle)).compactMap {
                OGR_G_GetGeometryRef(geometry.handle, $0)
            }
        }
        for polygon in polygons where OGR_G_AddGeometry(parts, polygon) != OGRERR_NONE {
            throw RasterError.invalidGeometry(source: path, reason: "a polygon could not be collected")
        }
    }

    func geometry() throws -> Geometry {
        try Geometry(wkb: wkb, source: sourcePath)
    }

    /// The union as a GeoJSON geometry (EPSG:4326).
    public var geoJSON: String {
        (try? geometry().geoJSON) ?? "null"
    }

    /// Whether an image footprint (GeoJSON geometry, EPSG:4326) meets the land at all; an
    /// image that does not is recorded "Out of area" and not processed.
    public func intersects(footprintGeoJSON: String) throws -> Bool {
        let footprint = try Geometry(geoJSON: footprintGeoJSON, source: "footprint")
        return try geometry().intersects(footprint)
    }
}
