import CGDAL
import Foundation

/// An open GDAL raster dataset, closed when released. One per call and thread: GDAL datasets
/// must not be shared between threads.
final class RasterDataset {
    let handle: GDALDatasetH
    let path: String

    /// A remote path as errors show it: its query string (signed URLs carry keys and
    /// signatures there) left out.
    static func shown(_ path: String) -> String {
        guard path.hasPrefix("/vsi"), let question = path.firstIndex(of: "?") else { return path }
        return path[..<question] + "?…"
    }

    /// `text` with the query string of `path`'s URL left out wherever GDAL repeated it.
    static func shown(_ text: String, hiding path: String) -> String {
        guard path.hasPrefix("/vsi"), let question = path.firstIndex(of: "?") else { return text }
        return text.replacingOccurrences(of: String(path[question...]), with: "?…")
    }

    /// Why a remote file (`/vsicurl/`, `/vsis3/`) cannot be read, as GDAL's virtual file
    /// layer says it (the HTTP status: "HTTP response code: 404"); nil for a local path or a
    /// file that opens (then it is not a raster, or a truncated one).
    static func remoteReason(_ path: String) -> String? {
        guard path.hasPrefix("/vsi") else { return nil }
        // GDAL remembers a missing remote file without its status: forget it, ask again.
        VSICurlPartialClearCache(path)
        VSIErrorReset()
        // VSIStatBufL (a struct stat) is opaque to Swift: room enough for it.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 16)
        defer { buffer.deallocate() }
        if VSIStatExL(path, OpaquePointer(buffer), VSI_STAT_EXISTS_FLAG | VSI_STAT_SET_ERROR_FLAG) == 0 { return nil }
        guard let message = VSIGetLastErrorMsg(), message.pointee != 0 else { return "cannot be read" }
        return String(cString: message)
    }

    init(openingPath path: String) throws {
        GDALRuntime.ensureRegistered()
        // GDAL paths such as /vsicurl/ are not local files; only check those that are.
        if !path.hasPrefix("/vsi") && !FileManager.default.fileExists(atPath: path) {
            throw RasterError.fileNotFound(path: path)
        }
        CPLErrorReset()
        guard let handle = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
            let reason = GDALRuntime.lastError(Self.remoteReason(path) ?? "not a raster")
            throw RasterError.cannotOpen(path: Self.shown(path), reason: Self.shown(reason, hiding: path))
        }
        self.handle = handle
        self.path = path
    }

    /// Takes ownership of a dataset made here (MEM datasets, GDALWarp results).
    init(owning handle: GDALDatasetH, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit { GDALClose(handle) }

    var width: Int { Int(GDALGetRasterXSize(handle)) }
    var height: Int { Int(GDALGetRasterYSize(handle)) }
    var bandCount: Int { Int(GDALGetRasterCount(handle)) }

    var geoTransform: [Double] {
        var transform = [Double](repeating: 0, count: 6)
        _ = transform.withUnsafeMutableBufferPointer { GDALGetGeoTransform(handle, $0.baseAddress) }
        return transform
    }

    /// (minX, minY, maxX, maxY) in the raster's CRS, for north-up rasters.
    var bounds: (Double, Double, Double, Double) {
        let t = geoTransform
        let x0 = t[0], x1 = t[0] + Double(width) * t[1]
        let y0 = t[3], y1 = t[3] + Double(height) * t[5]
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    }

    var projectionWKT: String {
        GDALGetProjectionRef(handle).map { String(cString: $0) } ?? ""
    }

    func spatialReference() throws -> SpatialReference {
        guard let borrowed = GDALGetSpatialRef(handle) else {
            throw RasterError.projectionFailed(source: path, reason: "the raster has no CRS")
        }
        return SpatialReference.cloning(borrowed)
    }

    func band(_ index: Int) throws -> GDALRasterBandH {
        guard index >= 1, index <= bandCount, let band = GDALGetRasterBand(handle, Int32(index)) else {
            throw RasterError.readFailed(path: path, reason: "no band \(index) (the file has \(bandCount))")
        }
        return band
    }

    func nodata(band index: Int) throws -> Double? {
        var hasNodata: Int32 = 0
        let value = GDALGetRasterNoDataValue(try band(index), &hasNodata)
        return hasNodata != 0 ? value : nil
    }

    /// The whole band as Float32 (GDAL converts from the stored type).
    func readFloats(band index: Int) throws -> [Float] {
        try readPixels(band: index, as: GDT_Float32, zero: Float(0))
    }

    /// The whole band as bytes; the band must store bytes, since GDAL would otherwise clamp or
    /// round (a Float32 raster read as bytes is not a mask).
    func readBytes(band index: Int) throws -> [UInt8] {
        let stored = GDALGetRasterDataType(try band(index))
        guard stored == GDT_Byte else {
            let name = GDALGetDataTypeName(stored).map { String(cString: $0) } ?? "unknown"
            throw RasterError.readFailed(path: path, reason: "band \(index) holds \(name), expected Byte (uint8)")
        }
        return try readPixels(band: index, as: GDT_Byte, zero: UInt8(0))
    }

    private func readPixels<Pixel>(band index: Int, as type: GDALDataType, zero: Pixel) throws -> [Pixel] {
        precondition(MemoryLayout<Pixel>.stride == Int(GDALGetDataTypeSizeBytes(type)), "pixel type does not match GDAL's")
        let band = try band(index)
        let (width, height) = (self.width, self.height)
        var values = [Pixel](repeating: zero, count: width * height)
        CPLErrorReset()
        let status = values.withUnsafeMutableBytes {
            GDALRasterIO(band, GF_Read, 0, 0, Int32(width), Int32(height), $0.baseAddress,
                         Int32(width), Int32(height), type, 0, 0)
        }
        guard status == CE_None else {
            throw RasterError.readFailed(path: path, reason: GDALRuntime.lastError())
        }
        return values
    }

    /// The grid of a georeferenced, north-up raster; anything else cannot be a working grid,
    /// since bands are warped onto it by its bounds and size.
    func georeferencedGrid() throws -> RasterGrid {
        var transform = [Double](repeating: 0, count: 6)
        let status = transform.withUnsafeMutableBufferPointer { GDALGetGeoTransform(handle, $0.baseAddress) }
        guard status == CE_None else { throw RasterError.notGeoreferenced(path: path, reason: "it has no geotransform") }
        guard transform[1] > 0, transform[5] < 0, transform[2] == 0, transform[4] == 0 else {
            throw RasterError.notGeoreferenced(path: path, reason: "its geotransform \(transform) is not north-up")
        }
        let wkt = projectionWKT
        guard !wkt.isEmpty else { throw RasterError.notGeoreferenced(path: path, reason: "it has no CRS") }
        return RasterGrid(crsWKT: wkt, geoTransform: transform, width: width, height: height)
    }
}
