/// What went wrong while reading or writing a raster or a vector, with the file it concerns.
/// Every case reads as a sentence for a person: the path first, then what GDAL said.
public enum RasterError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case cannotOpen(path: String, reason: String)
    case notAVector(path: String)
    case noPolygonFeatures(path: String)
    case invalidGeometry(source: String, reason: String)
    case projectionFailed(source: String, reason: String)
    case emptyIntersection(path: String)
    case readFailed(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case sizeMismatch(what: String, expected: Int, actual: Int)
    case notGeoreferenced(path: String, reason: String)
    case gridMismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): no such file"
        case .cannotOpen(let path, let reason): return "\(path): GDAL cannot open it (\(reason))"
        case .notAVector(let path): return "\(path): not a vector file (no OGR layer)"
        case .noPolygonFeatures(let path): return "\(path): no polygon feature to use as an area"
        case .invalidGeometry(let source, let reason): return "\(source): invalid geometry (\(reason))"
        case .projectionFailed(let source, let reason): return "\(source): cannot reproject (\(reason))"
        case .emptyIntersection(let path): return "\(path): the footprint does not overlap this raster"
        case .readFailed(let path, let reason): return "\(path): read failed (\(reason))"
        case .writeFailed(let path, let reason): return "\(path): write failed (\(reason))"
        case .sizeMismatch(let what, let expected, let actual):
            return "\(what): expected \(expected) values, got \(actual)"
        case .notGeoreferenced(let path, let reason): return "\(path): not usable as a pixel grid (\(reason))"
        case .gridMismatch(let path, let reason): return "\(path): not on the expected grid (\(reason))"
        }
    }
}
