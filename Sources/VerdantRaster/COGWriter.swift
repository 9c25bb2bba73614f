import CGDAL
import Foundation

/// Writes a one-band uint8 Cloud Optimized GeoTIFF on `grid` (DEFLATE, CRS and nodata set).
public func writeCOG(path: String, grid: RasterGrid, values: [UInt8], nodata: UInt8) throws {
    // Overviews of a class mask must pick a class, not blend 0, 1 and 255 into new values.
    try writeSingleBandCOG(path: path, grid: grid, values: values, type: GDT_Byte, nodata: Double(nodata),
                           options: ["COMPRESS=DEFLATE", "OVERVIEW_RESAMPLING=NEAREST"])
}

/// Writes a one-band Float32 Cloud Optimized GeoTIFF on `grid` with NaN declared as nodata
/// (DEFLATE with the floating-point predictor, which packs smooth fields such as NDVI far better).
public func writeCOG(path: String, grid: RasterGrid, values: [Float]) throws {
    // AVERAGE overviews are the mean of the valid pixels below (GDAL skips nodata), so a zoomed-out
    // view of a continuous index stays a mean, not a cubic overshoot beyond [-1, 1].
    try writeSingleBandCOG(path: path, grid: grid, values: values, type: GDT_Float32, nodata: .nan,
                           options: ["COMPRESS=DEFLATE", "PREDICTOR=FLOATING_POINT", "OVERVIEW_RESAMPLING=AVERAGE"])
}

/// The one GDAL creation path of both writers. Built in memory first because the COG driver only
/// writes by copying a finished dataset.
private func writeSingleBandCOG<Pixel>(path: String, grid: RasterGrid, values: [Pixel], type: GDALDataType,
                                       nodata: Double, options: [String]) throws {
    precondition(MemoryLayout<Pixel>.stride == Int(GDALGetDataTypeSizeBytes(type)), "pixel type does not match GDAL's")
    guard values.count == grid.pixelCount else {
        throw RasterError.sizeMismatch(what: path, expected: grid.pixelCount, actual: values.count)
    }
    let memory = try grid.memoryDataset(type: type, purpose: path)
    let band = try memory.band(1)
    GDALSetRasterNoDataValue(band, nodata)
    CPLErrorReset()
    // GF_Write only reads the buffer; GDALRasterIO's signature is shared with GF_Read, hence `mutating`.
    let written = values.withUnsafeBytes {
        GDALRasterIO(band, GF_Write, 0, 0, Int32(grid.width), Int32(grid.height), UnsafeMutableRawPointer(mutating: $0.baseAddress),
                     Int32(grid.width), Int32(grid.height), type, 0, 0)
    }
    guard written == CE_None else { throw RasterError.writeFailed(path: path, reason: GDALRuntime.lastError()) }
    guard let driver = GDALGetDriverByName("COG") else {
        throw RasterError.writeFailed(path: path, reason: "this GDAL has no COG driver")
    }
    let creationOptions = CStringList(options)
    CPLErrorReset()
    // The copy borrows the MEM dataset: keep its Swift owner alive until the copy returns.
    let copy = withExtendedLifetime(memory) {
        GDALCreateCopy(driver, path, memory.handle, 0, creationOptions.pointer, nil, nil)
    }
    guard let copy else {
        throw RasterError.writeFailed(path: path, reason: GDALRuntime.lastError())
    }
    // Closing flushes the file; a failure there is a failed write too.
    GDALClose(copy)
    if CPLGetLastErrorType() == CE_Failure {
        throw RasterError.writeFailed(path: path, reason: GDALRuntime.lastError())
    }
}
