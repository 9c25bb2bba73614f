import CGDAL

/// How source pixels are combined onto a coarser or shifted grid (GDAL's `-r`).
public enum Resampling: String, Sendable {
    case nearest = "near"
    case bilinear
    case cubic
    /// Mean of the source pixels each target pixel covers, weighted by covered area; what Earth
    /// Engine's reduceResolution(mean) does and what a 30 m mask of 10 m bands needs.
    case average
    case mode
}

/// Reads band 1 of `path` onto `grid` with GDALWarp into memory, as Float32. Pixels whose
/// sources are all nodata (the file's own nodata, or `nodata` when given — L1C files often
/// declare none although 0 means "no data") and pixels outside the file come out NaN.
public func readBand(path: String, grid: RasterGrid, resampling: Resampling = .average,
                     nodata: Double? = nil) throws -> [Float] {
    let source = try RasterDataset(openingPath: path)
    let bounds = grid.bounds
    var arguments = [
        "-of", "MEM", "-t_srs", grid.crsWKT,
        "-te", "\(bounds.minX)", "\(bounds.minY)", "\(bounds.maxX)", "\(bounds.maxY)",
        "-ts", "\(grid.width)", "\(grid.height)",
        "-r", resampling.rawValue, "-ot", "Float32", "-dstnodata", "nan",
        // Full resolution only: GDAL would otherwise average a COG's overview (e.g. 20 m for a
        // 30 m target), so a 30 m pixel would no longer be the mean of its nine 10 m pixels.
        "-ovr", "NONE",
    ]
    if let nodata { arguments += ["-srcnodata", "\(nodata)"] }
    let argumentList = CStringList(arguments)
    guard let options = GDALWarpAppOptionsNew(argumentList.pointer, nil) else {
        throw RasterError.readFailed(path: path, reason: "bad warp options: \(GDALRuntime.lastError())")
    }
    defer { GDALWarpAppOptionsFree(options) }
    var sources: [GDALDatasetH?] = [source.handle]
    var usageError: Int32 = 0
    CPLErrorReset()
    // GDALWarp borrows the source handle: keep its Swift owner alive until the call returns.
    let warped = withExtendedLifetime(source) {
        sources.withUnsafeMutableBufferPointer { GDALWarp("", nil, 1, $0.baseAddress, options, &usageError) }
    }
    guard let warped else {
        throw RasterError.readFailed(path: path, reason: "warp to the grid failed: \(GDALRuntime.lastError())")
    }
    let result = RasterDataset(owning: warped, path: path)
    return try result.readFloats(band: 1)
}
