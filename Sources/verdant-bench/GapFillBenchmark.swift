import ArgumentParser
import Foundation
import VerdantFill
import VerdantLocal

struct GapFillThroughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gapfill",
        abstract: "Gap filling: px/s of each method on the real 68-date series, agreement with the numpy float64 reference, and a synthetic full tile's peak RSS.")
    @Option(help: "The series (STAC catalog of NDVI + cloud-mask items).") var series = "samples/series/catalog.json"
    @Option(help: "A folder written by `python3 Benchmarks/fill_reference.py --out DIR` to compare the seed cascade with.")
    var reference: String?
    @Option(name: .customLong("tile-rows"), help: "Rows of the synthetic 10980-column tile (0: skip it).") var tileRows = 10980
    @Option(name: .customLong("tile-dates"), help: "Dates of the synthetic tile.") var tileDates = 70
    @Option(name: .customLong("tile-method"), help: "Method run over the synthetic tile.") var tileMethod = "harmonic-residual"
    @Option(name: .customLong("memory-mb"), help: "gapfill.memory_mb: the window budget, as a job uses it.") var memoryMB = 1024

    func run() throws {
        let loaded = try SeriesCatalog.load(path: series)
        let time = SeriesTime(dates: loaded.dates)
        let pixels = loaded.cube.pixels
        print("series: \(loaded.dates.count) dates × \(loaded.grid.width) × \(loaded.grid.height) px, "
              + "\(ClearPatterns(loaded.cube).groups.count) distinct clear-date patterns")
        for method in GapFiller.names {
            var best = Double.infinity
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = GapFiller.fill(loaded.cube, time: time, method: method)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            print(String(format: "gapfill %@ %8.3f s  %10.0f px/s (best of 3; seed on every core, the others one thread)", method.padding(toLength: 18, withPad: " ", startingAt: 0) as NSString, best, Double(pixels) / best))
        }
        if let reference { try compare(reference: reference) }
        if tileRows > 0 { try syntheticTile() }
    }

    /// The seed cascade on the reference's own input, against its float64 per-pixel lstsq.
    func compare(reference folder: String) throws {
        let header = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/header.json"))) as! [String: Any]
        let D = header["dates"] as! Int, R = header["rows"] as! Int, C = header["cols"] as! Int
        let days = header["t_days"] as! [Double]
        func doubles(_ name: String) throws -> [Double] {
            try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)).withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        }
        func bytes(_ name: String) throws -> [Int8] {
            try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)).withUnsafeBytes { Array($0.bindMemory(to: Int8.self)) }
        }
        let input = try doubles("input_ndvi.f64"), clear = try bytes("input_clear.u8")
        // The reference's order is (date, row, col): the cube's date-major order. Cloudy values
        // are in its input; only clear ones are observations.
        let cube = SeriesCube(dates: D, pixels: R * C, values: zip(input, clear).map { $1 == 1 ? Float($0) : .nan })
        let time = SeriesTime(seconds: days.map { $0 * 86_400 })
        for (name, literal) in [("seed", false), ("seed_literal", true)] {
            let ours = SeedCascade(literal: literal).fill(cube, time: time)
            let final = try doubles("\(name)_final.f64"), quality = try bytes("\(name)_quality.i8")
            var worst = 0.0, compared = 0, codeMismatch = 0, nanMismatch = 0
            for i in 0..<final.count {
                if Int8(ours.quality[i]) != quality[i] { codeMismatch += 1 }
                let a = final[i], b = Double(ours.final[i])
                if a.isNaN != b.isNaN { nanMismatch += 1; continue }
                if a.isNaN { continue }
                // Observed values are float32 in both; fitted ones are compared at float32 output precision.
                worst = max(worst, abs(Double(Float(a)) - b)); compared += 1
            }
            print(String(format: "conformance %@: %d values, max |swift - numpy float64| = %.2e NDVI, quality codes differing: %d, nodata differing: %d",
                         name as NSString, compared, worst, codeMismatch, nanMismatch))
        }
    }

    /// A synthetic 10980-column tile, `tileRows` rows, `tileDates` dates, filled window by window
    /// as a gap-filling job does (window rows from memory_mb), each window generated in memory:
    /// seasonal NDVI plus noise, each date cloudy over random discs. Reads and COG writing are
    /// not included (34 GB of input would not fit this machine's disk); the peak RSS is the
    /// process's high-water mark (VmHWM).
    func syntheticTile() throws {
        let width = 10_980, D = tileDates
        let dates = (0..<D).map { Date(timeIntervalSince1970: 1_483_228_800 + Double($0) * 5.2 * 86_400) }
        let time = SeriesTime(dates: dates)
        let rowsPerWindow = max(1, min(tileRows, (memoryMB << 20) / (D * width * 24)))
        var random = SystemRandomNumberGenerator()
        // Cloud discs per date, in tile coordinates: about a third of each date cloudy.
        let discs: [[(x: Double, y: Double, r: Double)]] = (0..<D).map { _ in
            (0..<40).map { _ in (Double.random(in: 0..<Double(width), using: &random), Double.random(in: 0..<10_980, using: &random),
                                 Double.random(in: 300..<1_300, using: &random)) }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var row = 0, filledValues = 0
        while row < tileRows {
            let rows = min(rowsPerWindow, tileRows - row), P = rows * width
            var values = [Float](repeating: 0, count: D * P)
            for d in 0..<D {
                let seasonal = 0.5 + 0.3 * sin(time.t[d])
                for r in 0..<rows {
                    let y = Double(row + r)
                    let near = discs[d].filter { abs($0.y - y) < $0.r }
                    for x in 0..<width {
                        var v = Float(seasonal + 0.0001 * Double(x % 97))
                        for disc in near where (disc.x - Double(x)) * (disc.x - Double(x)) + (disc.y - y) * (disc.y - y) < disc.r * disc.r {
                            v = .nan; break
                        }
                        values[d * P + r * width + x] = v
                    }
                }
            }
            let filled = GapFiller.fill(SeriesCube(dates: D, pixels: P, values: values), time: time, method: tileMethod)!
            filledValues += filled.final.count
            row += rows
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(String(format: "synthetic tile %d × %d px, %d dates, %@, windows of %d rows (memory_mb %d): %.1f s including generation, %.0f px/s, peak RSS %.0f MB",
                     width, tileRows, D, tileMethod as NSString, rowsPerWindow, memoryMB, seconds, Double(tileRows * width) / seconds,
                     Self.peakRSSMegabytes()))
        _ = filledValues
    }

    static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
            return kb / 1024
        }
        return .nan
    }
}
