import CGDAL

/// What a raster file holds, for tests and validation of written masks.
public struct RasterInfo: Sendable {
    public var width: Int
    public var height: Int
    public var bandCount: Int
    public var grid: RasterGrid
    /// EPSG code of the CRS when it has one.
    public var epsgCode: Int?
    /// Nodata of band 1, when declared.
    public var nodata: Double?
    /// The IMAGE_STRUCTURE `LAYOUT` metadata item: "COG" for Cloud Optimized GeoTIFFs.
    public var layout: String?
    /// Band descriptions (the samples name their bands B01 … B12).
    public var bandDescriptions: [String]
    /// Band 1's pixels, row by row, as Float.
    public var values: [Float]

    public static func read(path: String) throws -> RasterInfo {
        let dataset = try RasterDataset(openingPath: path)
        let layout = GDALGetMetadataItem(dataset.handle, "LAYOUT", "IMAGE_STRUCTURE").map { String(cString: $0) }
        let descriptions = try (1...max(1, dataset.bandCount)).map { index in
            String(cString: GDALGetDescription(try dataset.band(index)))
        }
        let grid = RasterGrid(crsWKT: dataset.projectionWKT, geoTransform: dataset.geoTransform,
                              width: dataset.width, height: dataset.height)
        return RasterInfo(width: dataset.width, height: dataset.height, bandCount: dataset.bandCount,
                          grid: grid, epsgCode: try? dataset.spatialReference().epsgCode,
                          nodata: try dataset.nodata(band: 1), layout: layout,
                          bandDescriptions: descriptions, values: try dataset.readFloats(band: 1))
    }

    /// Every band of a file at its native grid, as Float (e.g. a 13-band reflectance scene).
    public static func readAllBands(path: String) throws -> [[Float]] {
        let dataset = try RasterDataset(openingPath: path)
        return try (1...dataset.bandCount).map { try dataset.readFloats(band: $0) }
    }
}
