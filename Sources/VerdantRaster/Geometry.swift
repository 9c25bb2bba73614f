import CGDAL

/// An owned OGR geometry. Internal: the public API passes geometries as GeoJSON text or WKB
/// bytes, which are `Sendable`, and rebuilds the OGR object where it is needed.
final class Geometry {
    let handle: OGRGeometryH

    init(owning handle: OGRGeometryH) { self.handle = handle }

    deinit { OGR_G_DestroyGeometry(handle) }

    /// A GeoJSON geometry (object text, not a Feature) in EPSG:4326, lon/lat.
    convenience init(geoJSON: String, source: String) throws {
        GDALRuntime.ensureRegistered()
        CPLErrorReset()
        guard let handle = OGR_G_CreateGeometryFromJson(geoJSON) else {
            throw RasterError.invalidGeometry(source: source, reason: GDALRuntime.lastError("not GeoJSON"))
        }
        self.init(owning: handle)
        assignWGS84()
    }

    /// Rings of [lon, lat] pairs, as the `geometry` parameter of the original scripts.
    convenience init(polygon rings: [[[Double]]], source: String) throws {
        GDALRuntime.ensureRegistered()
        let polygon = OGR_G_CreateGeometry(wkbPolygon)!
        for ring in rings {
            let linearRing = OGR_G_CreateGeometry(wkbLinearRing)!
            for point in ring {
                guard point.count >= 2 else {
                    OGR_G_DestroyGeometry(linearRing); OGR_G_DestroyGeometry(polygon)
                    throw RasterError.invalidGeometry(source: source, reason: "a point has fewer than 2 coordinates")
                }
                OGR_G_AddPoint_2D(linearRing, point[0], point[1])
            }
            OGR_G_CloseRings(linearRing)
            OGR_G_AddGeometryDirectly(polygon, linearRing)
        }
        self.init(owning: polygon)
        assignWGS84()
    }

    /// Well-known text in EPSG:4326, lon/lat (a SAFE product's FOOTPRINT).
    convenience init(wkt: String, source: String) throws {
        GDALRuntime.ensureRegistered()
        var handle: OGRGeometryH?
        var text: UnsafeMutablePointer<CChar>? = strdup(wkt)
        let start = text
        defer { free(start) }
        guard OGR_G_CreateFromWkt(&text, nil, &handle) == OGRERR_NONE, let handle else {
            throw RasterError.invalidGeometry(source: source, reason: "unreadable WKT")
        }
        self.init(owning: handle)
        assignWGS84()
    }

    convenience init(wkb: [UInt8], source: String) throws {
        GDALRuntime.ensureRegistered()
        var handle: OGRGeometryH?
        let status = wkb.withUnsafeBytes { OGR_G_CreateFromWkb($0.baseAddress, nil, &handle, Int32($0.count)) }
        guard status == OGRERR_NONE, let handle else {
            throw RasterError.invalidGeometry(source: source, reason: "unreadable WKB")
        }
        self.init(owning: handle)
        assignWGS84()
    }

    /// The geometry takes its own count on the reference (OGR reference-counts them); the
    /// Swift object must still live until the call returns, not just until `.handle` is read.
    private func assignWGS84() {
        let wgs84 = SpatialReference.wgs84()
        withExtendedLifetime(wgs84) { OGR_G_AssignSpatialReference(handle, wgs84.handle) }
    }

    var wkb: [UInt8] {
        let size = Int(OGR_G_WkbSize(handle))
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBufferPointer { OGR_G_ExportToWkb(handle, wkbNDR, $0.baseAddress) }
        return bytes
    }

    var geoJSON: String {
        guard let text = OGR_G_ExportToJson(handle) else { return "null" }
        defer { VSIFree(text) }
        return String(cString: text)
    }

    var isPolygonal: Bool {
        let type = OGR_GT_Flatten(OGR_G_GetGeometryType(handle))
        return type == wkbPolygon || type == wkbMultiPolygon
    }

    var isEmpty: Bool { OGR_G_IsEmpty(handle) != 0 }

    func clone() -> Geometry { Geometry(owning: OGR_G_Clone(handle)) }

    /// A copy in `target`; the geometry must carry its own spatial reference.
    func transformed(to target: SpatialReference, source: String) throws -> Geometry {
        let copy = clone()
        CPLErrorReset()
        guard OGR_G_TransformTo(copy.handle, target.handle) == OGRERR_NONE else {
            throw RasterError.projectionFailed(source: source, reason: GDALRuntime.lastError())
        }
        return copy
    }

    func intersects(_ other: Geometry) -> Bool { OGR_G_Intersects(handle, other.handle) != 0 }

    func intersection(_ other: Geometry) -> Geometry? {
        OGR_G_Intersection(handle, other.handle).map { Geometry(owning: $0) }
    }

    /// Planar area in the units of the geometry's CRS (square degrees in EPSG:4326).
    var area: Double { OGR_G_Area(handle) }

    var envelope: (minX: Double, maxX: Double, minY: Double, maxY: Double) {
        var envelope = OGREnvelope()
        OGR_G_GetEnvelope(handle, &envelope)
        return (envelope.MinX, envelope.MaxX, envelope.MinY, envelope.MaxY)
    }

    /// An axis-aligned rectangle as a polygon in `reference`.
    static func rectangle(minX: Double, minY: Double, maxX: Double, maxY: Double,
                          in reference: SpatialReference) -> Geometry {
        let ring = OGR_G_CreateGeometry(wkbLinearRing)!
        for (x, y) in [(minX, minY), (maxX, minY), (maxX, maxY), (minX, maxY), (minX, minY)] {
            OGR_G_AddPoint_2D(ring, x, y)
        }
        let polygon = OGR_G_CreateGeometry(wkbPolygon)!
        OGR_G_AddGeometryDirectly(polygon, ring)
        OGR_G_AssignSpatialReference(polygon, reference.handle)
        return Geometry(owning: polygon)
    }
}
