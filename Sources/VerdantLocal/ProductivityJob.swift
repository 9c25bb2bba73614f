import Foundation
import VerdantFill
import VerdantRaster

/// One block's productivity maps: each pixel's gap-filled series (the gap-filling stage's
/// date files, in window of rows) read as a daily curve per season, written as one COG per
/// season (`<season>.tif`, one band per `SeasonMetric`) and `<block>.tif`, the mean of each
/// metric over the seasons found (`seasons` counts them).
public struct ProductivityJob: Sendable {
    public let block: String
    /// The gap-filling task's main file (`<block>.tif`); its manifest lies beside it.
    public let gapFillMain: String
    public let settings: BlockSettings

    public init(block: String, gapFillMain: String, settings: BlockSettings) {
        self.block = block; self.gapFillMain = gapFillMain; self.settings = settings
    }

    public struct Result: Sendable { public var seasons: Int; public var pixelsWithSeason: Int }

    public static var bandNames: [String] { SeasonMetric.allCases.map(\.name) }

    public func run(into directory: URL, requestId: String, isCancelled: @Sendable () -> Bool) throws -> Result {
        let manifest = try GapFillManifest.read(mainFile: gapFillMain)
        let dated = manifest.dates.filter { $0.file != nil }
        guard !dated.isEmpty else { throw BlockInputError.manifest(path: gapFillMain, reason: "no date inside the date range") }
        let first = try WindowReader(path: manifest.folder + "/" + dated[0].file!)
        let readers = try [first] + dated.dropFirst().map { try WindowReader(path: manifest.folder + "/" + $0.file!, expected: first.grid) }
        let grid = first.grid, days = dated.map { $0.time.timeIntervalSince1970 / 86_400 }
        let seasons = settings.seasons
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let writers = try seasons.map {
            try BandStackWriter(path: directory.appendingPathComponent("\($0.label).tif").path, grid: grid, bandNames: Self.bandNames)
        }
        let meanWriter = try BandStackWriter(path: directory.appendingPathComponent("\(block).tif").path, grid: grid,
                                             bandNames: Self.bandNames.dropLast() + ["seasons"])
        let analyses = seasons.map { SeasonAnalysis(settings: settings.season, window: $0) }
        let M = SeasonMetric.allCases.count, D = dated.count
        // Two bands of every date per value, and the metrics of every season.
        let rowsPerWindow = max(1, min(grid.height, (settings.gapFill.memoryMB << 20) / max(1, grid.width * (D * 8 + (seasons.count + 1) * M * 4))))
        var result = Result(seasons: seasons.count, pixelsWithSeason: 0)
        var row = 0
        var values = [Float](repeating: 0, count: D), observed = [Bool](repeating: false, count: D)
        while row < grid.height {
            if isCancelled() { throw CancellationError() }
            let range = row..<min(grid.height, row + rowsPerWindow)
            let P = range.count * grid.width
            var finals: [[Float]] = [], qualities: [[Float]] = []
            for reader in readers {
                finals.append(try reader.rows(range, band: 2))
                qualities.append(try reader.rows(range, band: 3))
            }
            var out = [[Float]](repeating: [Float](repeating: .nan, count: P * M), count: seasons.count)
            var mean = [Float](repeating: .nan, count: P * M)
            for p in 0..<P {
                var any = false
                for d in 0..<D {
                    values[d] = finals[d][p]
                    observed[d] = qualities[d][p] == -1
                    any = any || !values[d].isNaN
                }
                guard any else { continue }
                var sums = [Double](repeating: 0, count: M), found = 0
                for (s, analysis) in analyses.enumerated() {
                    let metrics = analysis.metrics(days: days, values: values, observed: observed)
                    for m in 0..<M { out[s][m * P + p] = metrics[m] }
                    if metrics[SeasonMetric.flag.rawValue] <= SeasonFlag.weak {
                        found += 1
                        for m in 0..<M { sums[m] += Double(metrics[m]) }
                    }
                }
                result.pixelsWithSeason += found
                mean[(M - 1) * P + p] = Float(found)
                if found > 0 { for m in 0..<(M - 1) { mean[m * P + p] = Float(sums[m] / Double(found)) } }
            }
            for (s, writer) in writers.enumerated() {
                for m in 0..<M { try writer.write(band: m, rows: range, values: Array(out[s][(m * P)..<((m + 1) * P)])) }
            }
            for m in 0..<M { try meanWriter.write(band: m, rows: range, values: Array(mean[(m * P)..<((m + 1) * P)])) }
            row = range.upperBound
        }
        for writer in writers { try writer.finish() }
        try meanWriter.finish()
        try writeManifest(directory: directory, requestId: requestId, seasons: seasons, source: manifest.method)
        return result
    }

    private func writeManifest(directory: URL, requestId: String, seasons: [SeasonWindow], source method: String) throws {
        let s = settings.season
        let object: [String: Any] = [
            "block": block, "request_id": requestId, "gapfill_method": method, "gapfill_main": gapFillMain,
            "bands": Self.bandNames,
            "seasons": seasons.map { ["label": $0.label, "file": "\($0.label).tif",
                                      "first_day": Self.isoDay($0.start), "last_day": Self.isoDay($0.end - 1)] },
            "parameters": ["start_fraction": s.rise, "end_fraction": s.fall, "min_amplitude": s.minAmplitude, "peak_fraction": s.peak],
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: directory.appendingPathComponent("\(block).json"))
    }

    static func isoDay(_ day: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: Date(timeIntervalSince1970: Double(day) * 86_400))
    }
}
