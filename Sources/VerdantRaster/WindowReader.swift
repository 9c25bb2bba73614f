import CGDAL
import Foundation

/// Rows of band 1 of a raster that must lie on a given grid (the NDVI images of one block):
/// a series is read window by window, so a whole tile never has to be in memory.
public final class WindowReader {
    private let dataset: RasterDataset
    public let grid: RasterGrid

    /// Throws `RasterError.gridMismatch` naming the file when its grid is not `expected`.
    public init(path: String, expected: RasterGrid? = nil) throws {
        dataset = try RasterDataset(openingPath: path)
        let own = RasterGrid(crsWKT: dataset.projectionWKT, geoTransform: dataset.geoTransform,
                             width: dataset.width, height: dataset.height)
        if let expected, !own.matches(expected) {
            throw RasterError.gridMismatch(path: path, reason: "expected \(expected.summary) like the first image of the series, found \(own.summary)")
        }
        grid = own
    }

    public var bandCount: Int { dataset.bandCount }

    /// Rows `range` of `band` (1-based) as Float32, row-major; the file's nodata value becomes NaN.
    public func rows(_ range: Range<Int>, band index: Int = 1) throws -> [Float] {
        let band = try dataset.band(index)
        var values = [Float](repeating: .nan, count: range.count * grid.width)
        CPLErrorReset()
        let status = values.withUnsafeMutableBytes {
            GDALRasterIO(band, GF_Read, 0, Int32(range.lowerBound), Int32(grid.width), Int32(range.count), $0.baseAddress,
                         Int32(grid.width), Int32(range.count), GDT_Float32, 0, 0)
        }
        guard status == CE_None else { throw RasterError.readFailed(path: dataset.path, reason: GDALRuntime.lastError()) }
        if let nodata = try dataset.nodata(band: index), !nodata.isNaN {
            let n = Float(nodata)
            for i in values.indices where values[i] == n { values[i] = .nan }
        }
        return values
    }
}

extension RasterGrid {
    /// Same size, same transform (to a millionth of a pixel) and the same CRS.
    public func matches(_ other: RasterGrid) -> Bool {
        guard width == other.width, height == other.height, geoTransform.count == 6, other.geoTransform.count == 6 else { return false }
        let pixel = max(abs(geoTransform[1]), abs(geoTransform[5]), 1e-12)
        for i in 0..<6 where abs(geoTransform[i] - other.geoTransform[i]) > pixel * 1e-6 { return false }
        if crsWKT == other.crsWKT { return true }
        guard let a = try? SpatialReference.from(definition: crsWKT, source: "grid"),
              let b = try? SpatialReference.from(definition: other.crsWKT, source: "grid") else { return false }
        return a.isSame(as: b)
    }

    /// "100 × 101 px, origin (465181.05, 5080254.63), pixel 30.0 m, EPSG:32633" for messages.
    public var summary: String {
        let t = geoTransform
        return String(format: "%d × %d px, origin (%.2f, %.2f), pixel %.4g × %.4g", width, height, t[0], t[3], t[1], -t[5])
            + (epsgCode.map { ", EPSG:\($0)" } ?? "")
    }
}
