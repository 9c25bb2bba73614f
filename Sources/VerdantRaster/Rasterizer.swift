import CGDAL

/// Burns an EPSG:4326 geometry onto `grid`: 1 where a pixel's centre is inside, 0 elsewhere.
func rasterize(_ geometry: Geometry, onto grid: RasterGrid, source: String) throws -> [UInt8] {
    let target = try SpatialReference.from(definition: grid.crsWKT, source: "grid of \(source)")
    let projected = try geometry.transformed(to: target, source: source)
    let dataset = try grid.memoryDataset(type: GDT_Byte, purpose: "rasterized \(source)")
    var bandList: [Int32] = [1]
    var geometries: [OGRGeometryH?] = [projected.handle]
    var burnValues: [Double] = [1]
    CPLErrorReset()
    // No transformer: GDAL then maps the (already projected) coordinates with the dataset's
    // geotransform.
    // The C call borrows the handle: keep the Swift owner alive until it returns.
    let status = withExtendedLifetime(projected) {
        GDALRasterizeGeometries(dataset.handle, 1, &bandList, 1, &geometries, nil, nil, &burnValues, nil, nil, nil)
    }
    guard status == CE_None else {
        throw RasterError.writeFailed(path: "rasterized \(source)", reason: GDALRuntime.lastError())
    }
    let band = try dataset.band(1)
    var values = [UInt8](repeating: 0, count: grid.pixelCount)
    let read = values.withUnsafeMutableBytes {
        GDALRasterIO(band, GF_Read, 0, 0, Int32(grid.width), Int32(grid.height), $0.baseAddress,
                     Int32(grid.width), Int32(grid.height), GDT_Byte, 0, 0)
    }
    guard read == CE_None else {
        throw RasterError.readFailed(path: "rasterized \(source)", reason: GDALRuntime.lastError())
    }
    return values
}

/// 1 inside the land area, 0 outside, on `grid`.
public func rasterize(_ land: LandArea, onto grid: RasterGrid) throws -> [UInt8] {
    try rasterize(try land.geometry(), onto: grid, source: land.sourcePath)
}

/// 1 inside a footprint (GeoJSON geometry in EPSG:4326), 0 outside, on `grid`.
public func rasterize(footprintGeoJSON: String, onto grid: RasterGrid) throws -> [UInt8] {
    try rasterize(try Geometry(geoJSON: footprintGeoJSON, source: "footprint"), onto: grid, source: "footprint")
}
