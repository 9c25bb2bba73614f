import Foundation
import VerdantCore
import VerdantFill
import VerdantRaster

/// One block's gap filling (seed-algorithm.md §6): the NDVI of every image of the block over
/// the extended date range, read window of rows by window, filled pixel by pixel by the
/// chosen method, and written for each date inside the date range as a COG with bands
/// `NDVI` (observed), `NDVI_final` (observed or filled) and `quality`, clipped to the land
/// area, with a JSON sidecar; plus `<block>.tif` (per-pixel counts) and `<block>.json`, the
/// manifest the productivity stage reads.
public struct GapFillJob: Sendable {
    public struct Input: Sendable, Equatable {
        public var imageId: String
        public var ndviPath: String
        public init(imageId: String, ndviPath: String) { self.imageId = imageId; self.ndviPath = ndviPath }
    }

    /// `interval90`: half the width of the 90 % interval around a filled value (0 where
    /// observed; NaN when the method gives none).
    public static let bandNames = ["NDVI", "NDVI_final", "quality", "interval90"]
    public static let summaryBands = ["clear_count", "filled_count", "unfilled_count"]
    /// Bytes held per value of a window (input, result, the methods' working copies).
    static let bytesPerValue = 24

    public let block: String
    public let inputs: [Input]
    public let settings: BlockSettings

    public init(block: String, inputs: [Input], settings: BlockSettings) {
        self.block = block; self.inputs = inputs; self.settings = settings
    }

    public struct Result: Sendable {
        public var dates: Int
        public var written: Int
        public var filled: Int
        public var unfilled: Int
        public var observed: Int
    }

    public func run(into directory: URL, requestId: String, isCancelled: @Sendable () -> Bool) throws -> Result {
        guard !inputs.isEmpty else { throw BlockInputError.noImages(block: block) }
        guard GapFiller.names.contains(settings.gapFill.method.rawValue) else {
            throw BlockInputError.settings(path: "gapfill.method \(settings.gapFill.method.rawValue)")
        }
        let series = try SeriesInputs(inputs)
        let readers = try series.openReaders()
        let grid = readers[0].grid
        let land = try rasterize(try LandArea.load(path: settings.landGeometryPath), onto: grid)
        let time = SeriesTime(dates: series.dates)
        let outputs = series.dates.indices.filter { settings.inRange(series.dates[$0]) }

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let writers = try outputs.map {
            try BandStackWriter(path: directory.appendingPathComponent("\(series.ids[$0]).tif").path, grid: grid, bandNames: Self.bandNames)
        }
        let summary = try BandStackWriter(path: directory.appendingPathComponent("\(block).tif").path, grid: grid,
                                          bandNames: Self.summaryBands)
        let D = series.dates.count
        let rowsPerWindow = max(1, min(grid.height, settings.gapFill.memoryMB << 20 / max(1, D * grid.width * Self.bytesPerValue)))
        var totals = Result(dates: D, written: outputs.count, filled: 0, unfilled: 0, observed: 0)
        var row = 0
        while row < grid.height {
            if isCancelled() { throw CancellationError() }
            let range = row..<min(grid.height, row + rowsPerWindow)
            let P = range.count * grid.width
            var values = [Float]()
            values.reserveCapacity(D * P)
            for reader in readers { values += try reader.rows(range) }
            let inLand = Array(land[(range.lowerBound * grid.width)..<(range.upperBound * grid.width)])
            for d in 0..<D { for p in 0..<P where inLand[p] == 0 { values[d * P + p] = .nan } }
            let cube = SeriesCube(dates: D, pixels: P, values: values)
            guard let filled = GapFiller.fill(cube, time: time, method: settings.gapFill.method.rawValue,
                                              seedLiteral: settings.gapFill.seedLiteral) else { break }
            var clear = [Float](repeating: 0, count: P), filledCount = clear, unfilledCount = clear
            for d in 0..<D { for p in 0..<P where !values[d * P + p].isNaN { clear[p] += 1 } }
            for (w, d) in outputs.enumerated() {
                let base = d * P
                var final = Array(filled.final[base..<(base + P)]), quality = [Float](repeating: .nan, count: P)
                var interval = filled.halfWidth.map { Array($0[base..<(base + P)]) } ?? [Float](repeating: .nan, count: P)
                for p in 0..<P {
                    let code = filled.quality[base + p]
                    if inLand[p] == 0 || code == FillQuality.none {
                        final[p] = .nan; interval[p] = .nan
                        if inLand[p] != 0 { unfilledCount[p] += 1 }
                        continue
                    }
                    quality[p] = Float(code)
                    if code == FillQuality.observed { totals.observed += 1 } else { filledCount[p] += 1 }
                }
                try writers[w].write(band: 0, rows: range, values: Array(values[base..<(base + P)]))
                try writers[w].write(band: 1, rows: range, values: final)
                try writers[w].write(band: 2, rows: range, values: quality)
                try writers[w].write(band: 3, rows: range, values: interval)
            }
            for p in 0..<P where inLand[p] == 0 { clear[p] = .nan; filledCount[p] = .nan; unfilledCount[p] = .nan }
            totals.filled += Int(filledCount.reduce(0) { $0 + ($1.isNaN ? 0 : $1) })
            totals.unfilled += Int(unfilledCount.reduce(0) { $0 + ($1.isNaN ? 0 : $1) })
            try summary.write(band: 0, rows: range, values: clear)
            try summary.write(band: 1, rows: range, values: filledCount)
            try summary.write(band: 2, rows: range, values: unfilledCount)
            row = range.upperBound
        }
        for writer in writers {
            if isCancelled() { throw CancellationError() }
            try writer.finish()
        }
        try summary.finish()
        try GapFillManifest(block: block, requestId: requestId, method: settings.gapFill.method.rawValue,
                            seedLiteral: settings.gapFill.seedLiteral, grid: grid,
                            dates: series.dates.indices.map {
                                .init(id: series.ids[$0], time: series.dates[$0], file: outputs.contains($0) ? "\(series.ids[$0]).tif" : nil,
                                      ndvi: series.paths[$0])
                            }).write(directory: directory)
        return totals
    }
}

/// The NDVI images of a block in time order, with their acquisition times from their sidecars.
struct SeriesInputs {
    var ids: [String] = []
    var paths: [String] = []
    var dates: [Date] = []

    init(_ inputs: [GapFillJob.Input]) throws {
        var entries: [(Date, String, String)] = []
        for input in inputs {
            let sidecar = (input.ndviPath as NSString).deletingPathExtension + ".json"
            guard let data = FileManager.default.contents(atPath: sidecar) else {
                throw BlockInputError.sidecar(path: sidecar, reason: "no such file")
            }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let start = (object["system:time_start"] as? NSNumber)?.doubleValue else {
                throw BlockInputError.sidecar(path: sidecar, reason: "expected a JSON object with system:time_start")
            }
            entries.append((Date(timeIntervalSince1970: start / 1000), input.imageId, input.ndviPath))
        }
        entries.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        ids = entries.map(\.1); paths = entries.map(\.2); dates = entries.map(\.0)
    }

    /// Every image opened; all must share the first's grid (a block is one tile at one scale).
    func openReaders() throws -> [WindowReader] {
        let first = try WindowReader(path: paths[0])
        return try [first] + paths.dropFirst().map { try WindowReader(path: $0, expected: first.grid) }
    }
}
