import CGDAL
import Foundation

/// A multi-band Float32 Cloud Optimized GeoTIFF written window by window: rows go into a
/// tiled temporary GeoTIFF beside the target, and `finish()` copies it to the COG (the COG
/// driver only writes by copying a finished dataset), so memory stays one window whatever the
/// raster's size. Band descriptions name the bands; NaN is declared as nodata.
public final class BandStackWriter {
    public let path: String
    public let grid: RasterGrid
    public let bandNames: [String]
    private let temporaryPath: String
    private var handle: GDALDatasetH?

    public init(path: String, grid: RasterGrid, bandNames: [String]) throws {
        GDALRuntime.ensureRegistered()
        self.path = path; self.grid = grid; self.bandNames = bandNames
        temporaryPath = path + ".partial.tif"
        guard let driver = GDALGetDriverByName("GTiff") else {
            throw RasterError.writeFailed(path: path, reason: "this GDAL has no GTiff driver")
        }
        // Fast compression for a file read once: the COG copy compresses properly.
        let options = CStringList(["TILED=YES", "COMPRESS=DEFLATE", "ZLEVEL=1", "BIGTIFF=IF_SAFER", "INTERLEAVE=BAND"])
        CPLErrorReset()
        guard let created = GDALCreate(driver, temporaryPath, Int32(grid.width), Int32(grid.height), Int32(bandNames.count),
                                       GDT_Float32, options.pointer) else {
            throw RasterError.writeFailed(path: temporaryPath, reason: GDALRuntime.lastError("cannot create"))
        }
        handle = created
        var transform = grid.geoTransform
        _ = transform.withUnsafeMutableBufferPointer { GDALSetGeoTransform(created, $0.baseAddress) }
        GDALSetProjection(created, grid.crsWKT)
        for (i, name) in bandNames.enumerated() {
            let band = GDALGetRasterBand(created, Int32(i + 1))
            GDALSetDescription(band, name)
            GDALSetRasterNoDataValue(band, .nan)
        }
    }

    deinit {
        if let handle { GDALClose(handle) }
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }

    /// Writes rows `range` of band `band` (0-based), row-major.
    public func write(band: Int, rows range: Range<Int>, values: [Float]) throws {
        guard let handle else { throw RasterError.writeFailed(path: path, reason: "already finished") }
        guard values.count == range.count * grid.width else {
            throw RasterError.sizeMismatch(what: path, expected: range.count * grid.width, actual: values.count)
        }
        CPLErrorReset()
        let status = values.withUnsafeBytes {
            GDALRasterIO(GDALGetRasterBand(handle, Int32(band + 1)), GF_Write, 0, Int32(range.lowerBound), Int32(grid.width),
                         Int32(range.count), UnsafeMutableRawPointer(mutating: $0.baseAddress),
                         Int32(grid.width), Int32(range.count), GDT_Float32, 0, 0)
        }
        guard status == CE_None else { throw RasterError.writeFailed(path: temporaryPath, reason: GDALRuntime.lastError()) }
    }

    /// Copies the written rows to the COG at `path` and removes the temporary file.
    public func finish() throws {
        guard let handle else { return }
        GDALFlushCache(handle)
        guard let driver = GDALGetDriverByName("COG") else {
            throw RasterError.writeFailed(path: path, reason: "this GDAL has no COG driver")
        }
        let options = CStringList(["COMPRESS=DEFLATE", "PREDICTOR=FLOATING_POINT", "OVERVIEW_RESAMPLING=AVERAGE"])
        CPLErrorReset()
        let copy = GDALCreateCopy(driver, path, handle, 0, options.pointer, nil, nil)
        GDALClose(handle)
        self.handle = nil
        try? FileManager.default.removeItem(atPath: temporaryPath)
        guard let copy else { throw RasterError.writeFailed(path: path, reason: GDALRuntime.lastError()) }
        GDALClose(copy)
        if CPLGetLastErrorType() == CE_Failure { throw RasterError.writeFailed(path: path, reason: GDALRuntime.lastError()) }
    }
}
