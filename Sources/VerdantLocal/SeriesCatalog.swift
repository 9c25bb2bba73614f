import Foundation
import VerdantFill
import VerdantRaster

/// An NDVI series given as a STAC catalog of NDVI-and-mask items (samples/series): every item's
/// NDVI asset on its own grid, missing where its mask asset says cloud (or the NDVI is NaN),
/// in time order. What `verdant evaluate-fill` fills and the benchmark times.
public struct SeriesCatalog: Sendable {
    public var ids: [String]
    public var dates: [Date]
    public var grid: RasterGrid
    public var cube: SeriesCube

    public static func load(path: String, ndviAsset: String = "ndvi", maskAsset: String = "cloud_mask") throws -> SeriesCatalog {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SeriesError("\(path): no such catalog (give --series CATALOG, or run from the repository root for samples/series)")
        }
        let listing = try StacCatalog.load(path: path, coefNormalisation: 10000)
        if let failure = listing.failures.first { throw SeriesError("\(path): \(failure.catalogFailure)") }
        let items = listing.items.sorted { ($0.datetime, $0.id) < ($1.datetime, $1.id) }
        guard !items.isEmpty else { throw SeriesError("\(path): the catalog lists no item") }
        var grid: RasterGrid?
        var values: [Float] = []
        for item in items {
            guard let ndvi = item.otherAssets[ndviAsset.lowercased()], let mask = item.otherAssets[maskAsset.lowercased()] else {
                throw SeriesError("\(item.itemPath): expected assets \"\(ndviAsset)\" and \"\(maskAsset)\" (an NDVI series item)")
            }
            let ndviReader = try WindowReader(path: ndvi.path, expected: grid)
            grid = grid ?? ndviReader.grid
            let maskReader = try WindowReader(path: mask.path, expected: grid)
            let rows = 0..<grid!.height
            var n = try ndviReader.rows(rows)
            let m = try maskReader.rows(rows)
            for i in n.indices where m[i] != 0 || !(n[i] >= -1 && n[i] <= 1) { n[i] = .nan }
            values += n
        }
        return SeriesCatalog(ids: items.map(\.id), dates: items.map(\.datetime), grid: grid!,
                             cube: SeriesCube(dates: items.count, pixels: grid!.pixelCount, values: values))
    }
}

/// Withheld observations: `date_index` (or `date`), `row`, `col`, `ndvi`; row and col count
/// pixels of the series' grid from the top left.
public struct WithheldValues: Sendable {
    /// Indices into the cube's values, and the true NDVI at each.
    public var indices: [Int]
    public var truths: [Float]

    public static func load(path: String, series: SeriesCatalog) throws -> WithheldValues {
        guard let data = FileManager.default.contents(atPath: path) else { throw SeriesError("\(path): no such file") }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" }).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw SeriesError("\(path): empty; expected a header date_index,row,col,ndvi") }
        let names = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func column(_ name: String) -> Int? { names.firstIndex(of: name) }
        guard let row = column("row"), let col = column("col"), let ndvi = column("ndvi"),
              column("date_index") != nil || column("date") != nil else {
            throw SeriesError("\(path):1: expected the columns date_index (or date), row, col, ndvi; found \(header)")
        }
        let dayFormatter = ISO8601DateFormatter()
        dayFormatter.formatOptions = [.withFullDate]
        dayFormatter.timeZone = TimeZone(identifier: "UTC")
        let days = series.dates.map { dayFormatter.string(from: $0) }
        var result = WithheldValues(indices: [], truths: [])
        let grid = series.grid, D = series.dates.count
        for (number, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let at = "\(path):\(number + 1)"
            guard fields.count == names.count else { throw SeriesError("\(at): expected \(names.count) fields, found \(fields.count)") }
            let date: Int
            if let i = column("date_index") {
                guard let d = Int(fields[i]), (0..<D).contains(d) else {
                    throw SeriesError("\(at): date_index: expected a whole number from 0 to \(D - 1), found \"\(fields[i])\"")
                }
                date = d
            } else {
                let text = fields[column("date")!]
                let matches = days.indices.filter { days[$0] == String(text.prefix(10)) }
                guard matches.count == 1 else {
                    throw SeriesError("\(at): date: \"\(text)\" matches \(matches.count) dates of the series (expected one; use date_index)")
                }
                date = matches[0]
            }
            guard let r = Int(fields[row]), (0..<grid.height).contains(r) else {
                throw SeriesError("\(at): row: expected a whole number from 0 to \(grid.height - 1), found \"\(fields[row])\"")
            }
            guard let c = Int(fields[col]), (0..<grid.width).contains(c) else {
                throw SeriesError("\(at): col: expected a whole number from 0 to \(grid.width - 1), found \"\(fields[col])\"")
            }
            guard let v = Float(fields[ndvi]), v >= -1, v <= 1 else {
                throw SeriesError("\(at): ndvi: expected a number from -1 to 1, found \"\(fields[ndvi])\"")
            }
            result.indices.append(date * grid.pixelCount + r * grid.width + c)
            result.truths.append(v)
        }
        guard !result.indices.isEmpty else { throw SeriesError("\(path): no withheld value below the header") }
        return result
    }
}

/// A series or withheld file that cannot be used, naming the file (and line) and what was expected.
public struct SeriesError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
