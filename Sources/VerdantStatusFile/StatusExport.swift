import Foundation
import VerdantCore
import VerdantStore

/// `verdant export-status`: every task of the store in the original's layout, then ours.
public enum StatusExport {
    /// One row per task, by image id then stage (upstream first).
    public static func table(store: SQLiteStatusStore, graph: StageGraph) throws -> StatusTable {
        let records = try store.records(in: Set(TaskState.allCases), stage: nil, limit: nil).sorted {
            ($0.id, graph.rank($0.stage), $0.stage.rawValue) < ($1.id, graph.rank($1.stage), $1.stage.rawValue)
        }
        let columns = StatusColumn.allCases
        return StatusTable(header: columns.map(\.rawValue), rows: records.enumerated().map { n, record in
            .init(number: n + 2, cells: columns.map { $0.value(of: record) })
        })
    }

    public static func data(_ table: StatusTable, format: StatusFileFormat) throws -> Data {
        switch format {
        case .csv: return CSVTable.write(table)
        case .xlsx:
            let numeric = Set(StatusColumn.numeric.compactMap { table.header.firstIndex(of: $0.rawValue) })
            return try XLSXTable.write(table, numeric: numeric)
        }
    }

    /// Writes the store's status to `path` whole or not at all: a temporary file beside it,
    /// then a rename (the original rewrote its file in place, and a crash mid-write corrupted it).
    /// Returns how many tasks were written.
    @discardableResult
    public static func write(store: SQLiteStatusStore, graph: StageGraph, to path: String, format: StatusFileFormat) throws -> Int {
        let table = try table(store: store, graph: graph)
        let data = try data(table, format: format)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
        return table.rows.count
    }
}
