import CGDAL
import Foundation

/// The pixel grid a job computes on: a CRS, a north-up geotransform and a size. Every band,
/// whatever its native resolution, is read onto one such grid.
public struct RasterGrid: Sendable, Equatable, Codable {
    /// The CRS as WKT (the source image's CRS: masks are written in it).
    public var crsWKT: String
    /// GDAL order: [originX, pixelWidth, 0, originY, 0, -pixelHeight].
    public var geoTransform: [Double]
    public var width: Int
    public var height: Int

    public init(crsWKT: String, geoTransform: [Double], width: Int, height: Int) {
        self.crsWKT = crsWKT; self.geoTransform = geoTransform; self.width = width; self.height = height
    }

    public var pixelCount: Int { width * height }

    /// (minX, minY, maxX, maxY) in the grid's CRS.
    public var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        let x0 = geoTransform[0], y0 = geoTransform[3]
        let x1 = x0 + Double(width) * geoTransform[1], y1 = y0 + Double(height) * geoTransform[5]
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    }

    /// The EPSG code of the CRS when it has one (32633 for the samples).
    public var epsgCode: Int? {
        (try? SpatialReference.from(definition: crsWKT, source: "grid"))?.epsgCode
    }

    /// A grid of `scale`-metre pixels, in the CRS of `referenceRaster`, over the part of the
    /// footprint (EPSG:4326 GeoJSON) that the raster covers. Edges are snapped outwards to
    /// multiples of `scale`, so that grids of the same tile line up (Sentinel-2 tile origins are
    /// multiples of 60 m, so 10/20/30/60 m grids fall on native pixel edges).
    /// With `land`, only the part of it inside the land area: pixels outside land are masked
    /// anyway, so a small area on a large tile reads (remotely: fetches) only its own windows.
    public static func covering(footprintGeoJSON: String, referenceRaster path: String,
                                scale: Double, within land: LandArea? = nil) throws -> RasterGrid {
        precondition(scale > 0, "scale must be positive")
        let dataset = try RasterDataset(openingPath: path)
        let reference = try dataset.spatialReference()
        let (minX, minY, maxX, maxY) = dataset.bounds
        let extent = Geometry.rectangle(minX: minX, minY: minY, maxX: maxX, maxY: maxY, in: reference)
        let footprint = try Geometry(geoJSON: footprintGeoJSON, source: "footprint of \(path)")
            .transformed(to: reference, source: path)
        guard let common = footprint.intersection(extent), !common.isEmpty, common.area > 0 else {
            throw RasterError.emptyIntersection(path: path)
        }
        var window = common
        if let land {
            let projected = try land.geometry().transformed(to: reference, source: land.sourcePath)
            // An image off the land (discovery leaves it out of area; a job told to mask it
            // anyway) keeps the footprint's grid, all of it nodata.
            if let part = common.intersection(projected), !part.isEmpty, part.area > 0 { window = part }
        }
        let box = window.envelope
        // The tolerance keeps an edge already on a multiple (345360 / 30) from moving a pixel out.
        let tolerance = 1e-6
        let left = ((box.minX / scale) + tolerance).rounded(.down) * scale
        let right = ((box.maxX / scale) - tolerance).rounded(.up) * scale
        let bottom = ((box.minY / scale) + tolerance).rounded(.down) * scale
        let top = ((box.maxY / scale) - tolerance).rounded(.up) * scale
        let width = Int(((right - left) / scale).rounded())
        let height = Int(((top - bottom) / scale).rounded())
        return RasterGrid(crsWKT: reference.wkt, geoTransform: [left, scale, 0, top, 0, -scale],
                          width: width, height: height)
    }

    /// The native grid of a raster file; throws `RasterError.notGeoreferenced` when the file has
    /// no geotransform or CRS, or is not north-up.
    public static func of(rasterPath path: String) throws -> RasterGrid {
        try RasterDataset(openingPath: path).georeferencedGrid()
    }

    /// An empty in-memory dataset on this grid, for rasterizing and writing.
    func memoryDataset(type: GDALDataType, purpose: String) throws -> RasterDataset {
        GDALRuntime.ensureRegistered()
        guard let driver = GDALGetDriverByName("MEM"),
              let handle = GDALCreate(driver, "", Int32(width), Int32(height), 1, type, nil) else {
            throw RasterError.writeFailed(path: purpose, reason: GDALRuntime.lastError("cannot create a MEM dataset"))
        }
        let dataset = RasterDataset(owning: handle, path: purpose)
        var transform = geoTransform
        _ = transform.withUnsafeMutableBufferPointer { GDALSetGeoTransform(handle, $0.baseAddress) }
        GDALSetProjection(handle, crsWKT)
        return dataset
    }
}

extension RasterGrid {
    /// Rows `range` of this grid as a grid of their own (same columns, CRS and pixel size): a
    /// window read through it gives exactly those rows of a read of the whole grid.
    public func rows(_ range: Range<Int>) -> RasterGrid {
        precondition(range.lowerBound >= 0 && range.upperBound <= height && !range.isEmpty, "rows outside the grid")
        var transform = geoTransform
        transform[3] += Double(range.lowerBound) * geoTransform[5]
        return RasterGrid(crsWKT: crsWKT, geoTransform: transform, width: width, height: range.count)
    }
}
