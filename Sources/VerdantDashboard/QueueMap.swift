import Foundation
import VerdantCore

/// The queue at a glance: one row per tile, one column per acquisition day, each cell the
/// state that most needs a look among that day's tasks of the tile (failed before running
/// before queued before done). Rebuilt when rows change, not at every frame.
public struct QueueMap: Sendable {
    public private(set) var tiles: [String] = []
    public private(set) var days: [Date] = []
    /// cells[tile][day]: nil where the tile has no image that day.
    public private(set) var cells: [[TaskState?]] = []

    public init() {}

    public init(rows: [TaskSummary]) {
        var byTile: [String: [Int: TaskState]] = [:]
        var daySet = Set<Int>()
        for row in rows {
            let day = Int((row.acquired.timeIntervalSince1970 / 86400).rounded(.down))
            daySet.insert(day)
            let old = byTile[row.tile]?[day]
            if old.map({ Self.urgency(row.state) > Self.urgency($0) }) ?? true { byTile[row.tile, default: [:]][day] = row.state }
        }
        let sortedDays = daySet.sorted()
        tiles = byTile.keys.sorted()
        days = sortedDays.map { Date(timeIntervalSince1970: Double($0) * 86400) }
        cells = tiles.map { tile in sortedDays.map { byTile[tile]?[$0] } }
    }

    /// Which of two states a cell shows: the one a person has to act on or wait for first.
    static func urgency(_ state: TaskState) -> Int {
        switch state {
        case .failed: return 9
        case .cancelled: return 8
        case .cancelling: return 7
        case .running: return 6
        case .submitting, .ready: return 5
        case .queued: return 4
        case .waiting: return 3
        case .completed, .skipped: return 2
        case .outOfArea, .excluded: return 1
        case .discovered: return 0
        }
    }

    /// The cells of `width` columns: consecutive days share a column when there are more days
    /// than columns (the column shows its most urgent cell).
    public func columns(width: Int) -> [[TaskState?]] {
        guard width > 0, !days.isEmpty else { return cells.map { _ in [] } }
        let perColumn = max(1, Int((Double(days.count) / Double(width)).rounded(.up)))
        return cells.map { row in
            stride(from: 0, to: row.count, by: perColumn).map { start in
                row[start..<min(row.count, start + perColumn)].compactMap { $0 }.max { Self.urgency($0) < Self.urgency($1) }
            }
        }
    }
}
