/// Band 1 of a uint8 raster (a class mask such as 0 clear, 1 cloud, 255 nodata) exactly as
/// stored, when the file lies on `grid`. There is no resampling: class values must never be
/// averaged, so a file on another grid is an error (`RasterError.gridMismatch`) rather than
/// silently warped, and a band of another type is a read error rather than clamped to bytes.
public func readByteBand(path: String, grid: RasterGrid) throws -> [UInt8] {
    let dataset = try RasterDataset(openingPath: path)
    let own = try dataset.georeferencedGrid()
    guard own.width == grid.width, own.height == grid.height else {
        throw RasterError.gridMismatch(path: path, reason: "\(own.width) × \(own.height) pixels, expected \(grid.width) × \(grid.height)")
    }
    guard own.geoTransform == grid.geoTransform else {
        throw RasterError.gridMismatch(path: path, reason: "geotransform \(own.geoTransform), expected \(grid.geoTransform)")
    }
    let fileCRS = try SpatialReference.from(definition: own.crsWKT, source: path)
    let expectedCRS = try SpatialReference.from(definition: grid.crsWKT, source: "expected grid of \(path)")
    guard fileCRS.isSame(as: expectedCRS) else {
        throw RasterError.gridMismatch(path: path, reason: "its CRS differs from the grid's")
    }
    return try dataset.readBytes(band: 1)
}
