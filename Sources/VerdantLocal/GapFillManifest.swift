import Foundation
import VerdantRaster

/// `<block>.json` beside a block's gap-filled series: every date of the series (the extended
/// range), the file written for it (inside the date range) and what made it. The productivity
/// stage reads it; a person reads it to find the date files.
public struct GapFillManifest: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var time: Date
        /// The date's COG in the block folder; nil for the extra days (not written).
        public var file: String?
        public var ndvi: String
    }

    public var block: String
    public var requestId: String
    public var method: String
    public var seedLiteral: Bool
    public var grid: RasterGrid
    public var dates: [Entry]

    func write(directory: URL) throws {
        let object: [String: Any] = [
            "block": block, "request_id": requestId, "method": method, "seed_literal": seedLiteral,
            "bands": GapFillJob.bandNames, "summary_bands": GapFillJob.summaryBands,
            "grid": ["crs_wkt": grid.crsWKT, "geotransform": grid.geoTransform, "width": grid.width, "height": grid.height] as [String: Any],
            "dates": dates.map { e -> [String: Any] in
                ["id": e.id, "system:time_start": Int64((e.time.timeIntervalSince1970 * 1000).rounded()),
                 "file": e.file.map { $0 as Any } ?? NSNull(), "ndvi_input": e.ndvi]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: directory.appendingPathComponent("\(block).json"))
    }

    /// The manifest of the block folder holding `path` (the gap-filling task's main file).
    public static func read(mainFile path: String) throws -> (block: String, method: String, dates: [Entry], folder: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let manifest = (path as NSString).deletingPathExtension + ".json"
        guard let data = FileManager.default.contents(atPath: manifest),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let block = object["block"] as? String, let method = object["method"] as? String,
              let dates = object["dates"] as? [[String: Any]] else {
            throw BlockInputError.manifest(path: manifest, reason: "expected the JSON a gap-filling job writes")
        }
        var entries: [Entry] = []
        for (i, d) in dates.enumerated() {
            guard let id = d["id"] as? String, let ms = (d["system:time_start"] as? NSNumber)?.doubleValue else {
                throw BlockInputError.manifest(path: manifest, reason: "dates[\(i)]: expected id and system:time_start")
            }
            entries.append(Entry(id: id, time: Date(timeIntervalSince1970: ms / 1000), file: d["file"] as? String,
                                 ndvi: d["ndvi_input"] as? String ?? ""))
        }
        return (block, method, entries, folder)
    }
}
