import Foundation
import VerdantCore
import VerdantFill

/// What the block stages (gap filling, productivity) take of a run's parameters, written once
/// per run as JSON for its jobs (`--block-settings`), like the cloud-mask settings.
public struct BlockSettings: Sendable, Equatable, Codable {
    public var gapFill = GapFillSettings()
    /// The date range (whole days since 1970, inclusive): gap-filled dates are written inside
    /// it, and seasons are clipped to it. The series itself spans the extended range.
    public var firstDay: Int
    public var lastDay: Int
    public var season = SeasonSettings()
    public var seasonMonth = 1
    public var seasonDay = 1
    /// The run's copy of the land area: outputs are clipped to it.
    public var landGeometryPath: String

    public init(firstDay: Int, lastDay: Int, landGeometryPath: String) {
        self.firstDay = firstDay; self.lastDay = lastDay; self.landGeometryPath = landGeometryPath
    }

    public init(parameters p: Parameters, landGeometryPath: String) {
        self.init(firstDay: Int((p.dates.start.start.timeIntervalSince1970 / 86_400).rounded(.down)),
                  lastDay: Int((p.dates.end.start.timeIntervalSince1970 / 86_400).rounded(.down)),
                  landGeometryPath: landGeometryPath)
        gapFill = p.gapFill
        let q = p.productivity
        season = SeasonSettings(rise: q.startFraction, fall: q.endFraction, minAmplitude: q.minAmplitude, peak: q.peakFraction)
        if let md = q.seasonStartMonthDay { seasonMonth = md.month; seasonDay = md.day }
    }

    public static func load(path: String) throws -> BlockSettings {
        guard let data = FileManager.default.contents(atPath: path),
              let settings = try? JSONDecoder().decode(BlockSettings.self, from: data) else {
            throw BlockInputError.settings(path: path)
        }
        return settings
    }

    public var seasons: [SeasonWindow] {
        SeasonWindow.windows(first: firstDay, last: lastDay, month: seasonMonth, day: seasonDay)
    }

    /// Whether an acquisition falls inside the date range (not the extra days).
    public func inRange(_ date: Date) -> Bool {
        let day = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        return day >= firstDay && day <= lastDay
    }
}

/// Inputs of a block job that cannot be used: permanent (the job's BadInput path).
public enum BlockInputError: Error, Equatable, CustomStringConvertible {
    case settings(path: String)
    case noImages(block: String)
    case sidecar(path: String, reason: String)
    case manifest(path: String, reason: String)

    public var description: String {
        switch self {
        case .settings(let path): return "\(path): expected the run's block settings (JSON); start the run again"
        case .noImages(let block): return "block \(block): no NDVI image to fill (every image of the block was excluded or failed)"
        case .sidecar(let path, let reason): return "\(path): the NDVI sidecar cannot be used (\(reason))"
        case .manifest(let path, let reason): return "\(path): the gap-filled series cannot be used (\(reason))"
        }
    }
}
