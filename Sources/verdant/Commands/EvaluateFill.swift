import ArgumentParser
import Foundation
import VerdantFill
import VerdantLocal

/// `verdant evaluate-fill`: every gap-filling method scored at withheld observations of a
/// series (README, "Gap filling").
struct EvaluateFill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-fill",
        abstract: "Score every gap-filling method at withheld NDVI observations: n, RMSE, MAE, median and 95th-percentile absolute error, bias.",
        discussion: """
            The withheld values are hidden from the series (set missing), every method fills it, and \
            each is scored where it predicted: error = prediction - truth. The CSV has a header with \
            date_index (0 = the series' first date; or date, YYYY-MM-DD), row, col (pixels of the \
            series' grid from the top left) and ndvi. Exit codes: \(ExitStatus.table).
            """)

    @Option(help: "CSV of withheld observations: date_index (or date), row, col, ndvi.") var withheld: String
    @Option(help: "STAC catalog of the NDVI series (items with ndvi and cloud_mask assets).")
    var series = "samples/series/catalog.json"
    @Option(name: .customLong("ndvi-asset"), help: "The items' NDVI asset.") var ndviAsset = "ndvi"
    @Option(name: .customLong("mask-asset"), help: "The items' 0/1 cloud-mask asset.") var maskAsset = "cloud_mask"
    @Flag(help: "Print JSON: a list of {method, n, rmse, mae, medae, p95, bias}.") var json = false

    func run() throws {
        let (loaded, hidden) = try Failure.guarded { () throws -> (SeriesCatalog, WithheldValues) in
            let loaded = try SeriesCatalog.load(path: series, ndviAsset: ndviAsset, maskAsset: maskAsset)
            return (loaded, try WithheldValues.load(path: withheld, series: loaded))
        }
        var cube = loaded.cube
        for i in hidden.indices { cube.values[i] = .nan }
        let time = SeriesTime(dates: loaded.dates)
        var scores: [FillScore] = []
        for method in GapFiller.names {
            let filled = GapFiller.fill(cube, time: time, method: method)!
            scores.append(FillScore(method: method, predictions: hidden.indices.map { filled.final[$0] }, truths: hidden.truths,
                                    halfWidths: filled.halfWidth.map { h in hidden.indices.map { h[$0] } }))
        }
        if json {
            let objects = scores.map { s -> [String: Any] in
                ["method": s.method, "n": s.n, "rmse": s.rmse, "mae": s.mae, "medae": s.medae, "p95": s.p95, "bias": s.bias]
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(loaded.dates.count) dates, \(loaded.grid.width) × \(loaded.grid.height) px; \(hidden.indices.count) withheld values from \(withheld)")
        print("method                n     RMSE     MAE   MedAE     P95     bias  unfilled  90% interval holds")
        for s in scores {
            print(s.method.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%6d  %7.4f %7.4f %7.4f %7.4f %+8.4f  %8d  %@", s.n, s.rmse, s.mae, s.medae,
                         s.p95, s.bias, s.unfilled, (s.coverage90.map { String(format: "%.1f %%", $0 * 100) } ?? "-") as NSString))
        }
    }
}
