import CGDAL
import Foundation

/// Writes a one-band uint8 Cloud Optimized GeoTIFF on `grid` (DEFLATE, CRS and nodata set).
/// Built in memory first because the COG driver only writes by copying a finished dataset.
public func writeCOG(path: String, grid: RasterGrid, values: [UInt8], nodata: UInt8) throws {
    guard values.count == grid.pixelCount else {
        throw RasterError.sizeMismatch(what: path, expected: grid.pixelCount, actual: values.count)
    }
    let memory = try grid.memoryDataset(type: GDT_Byte, purpose: path)
    let band = try memory.band(1)
    GDALSetRasterNoDataValue(band, Double(nodata))
    var pixels = values
    CPLErrorReset()
    let written = pixels.withUnsafeMutableBytes {
        GDALRasterIO(band, GF_Write, 0, 0, Int32(grid.width), Int32(grid.height), $0.baseAddress,
                     Int32(grid.width), Int32(grid.height), GDT_Byte, 0, 0)
    }
    guard written == CE_None else { throw RasterError.writeFailed(path: path, reason: GDALRuntime.lastError()) }
    guard let driver = GDALGetDriverByName("COG") else {
        throw RasterError.writeFailed(path: path, reason: "this GDAL has no COG driver")
    }
    // Overviews of a class mask must pick a class, not blend 0, 1 and 255 into new values.
    let options = CStringList(["COMPRESS=DEFLATE", "OVERVIEW_RESAMPLING=NEAREST"])
    CPLErrorReset()
    // The copy borrows the MEM dataset: keep its Swift owner alive until the copy returns.
    let copy = withExtendedLifetime(memory) { GDALCreateCopy(driver, path, memory.handle, 0, options.pointer, nil, nil) }
    guard let copy else {
        throw RasterError.writeFailed(path: path, reason: GDALRuntime.lastError())
    }
    // Closing flushes the file; a failure there is a failed write too.
    GDALClose(copy)
    if CPLGetLastErrorType() == CE_Failure {
        throw RasterError.writeFailed(path: path, reason: GDALRuntime.lastError())
    }
}
