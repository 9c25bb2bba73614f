import VerdantRaster

/// A band at its native resolution, averaged by hand onto a coarser grid: the mean of the native
/// pixels a target cell covers, each weighted by the area it shares with the cell, nodata (0)
/// left out. Independent of GDAL's warper, which the job uses.
struct NativeBand {
    let info: RasterInfo

    init(_ path: String) throws { info = try RasterInfo.read(path: path) }

    /// Whether the target cell lies entirely within the band's extent.
    func coversWholly(row: Int, column: Int, of grid: RasterGrid) -> Bool {
        let t = grid.geoTransform, n = info.grid.geoTransform
        let left = t[0] + Double(column) * t[1], top = t[3] + Double(row) * t[5]
        return left >= n[0] && left + t[1] <= n[0] + Double(info.width) * n[1]
            && top <= n[3] && top + t[5] >= n[3] + Double(info.height) * n[5]
    }

    func areaWeightedMean(row: Int, column: Int, on grid: RasterGrid) -> Double? {
        let t = grid.geoTransform, n = info.grid.geoTransform
        let left = t[0] + Double(column) * t[1], right = left + t[1]
        let top = t[3] + Double(row) * t[5], bottom = top + t[5]
        let firstColumn = max(0, Int(((left - n[0]) / n[1]).rounded(.down)))
        let lastColumn = min(info.width - 1, Int(((right - n[0]) / n[1]).rounded(.up)) - 1)
        let firstRow = max(0, Int(((top - n[3]) / n[5]).rounded(.down)))
        let lastRow = min(info.height - 1, Int(((bottom - n[3]) / n[5]).rounded(.up)) - 1)
        guard firstColumn <= lastColumn, firstRow <= lastRow else { return nil }
        var weighted = 0.0, weights = 0.0
        for r in firstRow...lastRow {
            let pixelTop = n[3] + Double(r) * n[5], pixelBottom = pixelTop + n[5]
            let height = min(top, pixelTop) - max(bottom, pixelBottom)
            for c in firstColumn...lastColumn {
                let pixelLeft = n[0] + Double(c) * n[1], pixelRight = pixelLeft + n[1]
                let width = min(right, pixelRight) - max(left, pixelLeft)
                let value = info.values[r * info.width + c]
                guard width > 0, height > 0, value != 0 else { continue }
                weighted += Double(value) * width * height
                weights += width * height
            }
        }
        return weights > 0 ? weighted / weights : nil
    }
}
