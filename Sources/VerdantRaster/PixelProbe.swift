import CGDAL
import Foundation

/// One pixel of a single-band raster (the dashboard's NDVI series reads one per date).
public enum PixelProbe {
    public struct Sample: Sendable {
        /// nil where the pixel is NaN or the band's nodata.
        public var value: Double?
        public var width: Int
        public var height: Int
    }

    public static func read(path: String, row: Int, col: Int, band index: Int = 1) throws -> Sample {
        let dataset = try RasterDataset(openingPath: path)
        let (width, height) = (dataset.width, dataset.height)
        guard row >= 0, col >= 0, row < height, col < width else { return Sample(value: nil, width: width, height: height) }
        let band = try dataset.band(index)
        var value: Double = .nan
        CPLErrorReset()
        let status = GDALRasterIO(band, GF_Read, Int32(col), Int32(row), 1, 1, &value, 1, 1, GDT_Float64, 0, 0)
        guard status == CE_None else { throw RasterError.readFailed(path: path, reason: GDALRuntime.lastError()) }
        let nodata = try dataset.nodata(band: index)
        let valid = !value.isNaN && value != nodata
        return Sample(value: valid ? value : nil, width: width, height: height)
    }
}
