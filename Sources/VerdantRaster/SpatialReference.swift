import CGDAL

/// An OGR spatial reference with x = easting/longitude, y = northing/latitude: GDAL 3 would
/// otherwise follow the EPSG axis order and make EPSG:4326 latitude first.
final class SpatialReference {
    let handle: OGRSpatialReferenceH

    private init(handle: OGRSpatialReferenceH) {
        self.handle = handle
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    // Geometries that are assigned this reference hold a count on it (OGR reference-counts
    // spatial references), so release rather than destroy.
    deinit { OSRRelease(handle) }

    static func wgs84() -> SpatialReference {
        GDALRuntime.ensureRegistered()
        let handle = OSRNewSpatialReference(nil)!
        OSRImportFromEPSG(handle, 4326)
        return SpatialReference(handle: handle)
    }

    /// From WKT (as stored by rasters and `RasterGrid`), or any user input OSRSetFromUserInput takes.
    static func from(definition: String, source: String) throws -> SpatialReference {
        GDALRuntime.ensureRegistered()
        let handle = OSRNewSpatialReference(nil)!
        guard OSRSetFromUserInput(handle, definition) == OGRERR_NONE else {
            OSRRelease(handle)
            throw RasterError.projectionFailed(source: source, reason: "unknown CRS definition")
        }
        return SpatialReference(handle: handle)
    }

    /// Borrows a reference owned by a dataset or layer: cloned, so it outlives its owner.
    static func cloning(_ borrowed: OGRSpatialReferenceH) -> SpatialReference {
        SpatialReference(handle: OSRClone(borrowed))
    }

    var wkt: String {
        var text: UnsafeMutablePointer<CChar>?
        OSRExportToWkt(handle, &text)
        defer { VSIFree(text) }
        return text.map { String(cString: $0) } ?? ""
    }

    /// The EPSG code when the definition carries one (e.g. 32633), for sidecars and tests.
    var epsgCode: Int? {
        OSRAutoIdentifyEPSG(handle)
        for target in ["PROJCS", "GEOGCS", nil] as [String?] {
            if let name = OSRGetAuthorityName(handle, target), String(cString: name) == "EPSG",
               let code = OSRGetAuthorityCode(handle, target) {
                return Int(String(cString: code))
            }
        }
        return nil
    }

    func isSame(as other: SpatialReference) -> Bool {
        OSRIsSame(handle, other.handle) != 0
    }
}
