import Foundation
import GRDB
import VerdantCore

extension SQLiteStatusStore {
    public func neighbours(of ids: [String]) throws -> [String: Neighbours] {
        guard !ids.isEmpty else { return [:] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try pool.read { db in
            var result: [String: Neighbours] = [:]
            // SQLite binds at most 32,766 values per statement.
            for start in stride(from: 0, to: ids.count, by: 10_000) {
                let part = Array(ids[start..<min(ids.count, start + 10_000)])
                let rows = try Row.fetchAll(db, sql: "SELECT id, neighbours FROM neighbours WHERE id IN (\(databaseQuestionMarks(count: part.count)))",
                                            arguments: StatementArguments(part))
                for row in rows {
                    let text: String = row["neighbours"]
                    // A row this verdant cannot read is chosen again, like a missing one.
                    if let value = try? decoder.decode(Neighbours.self, from: Data(text.utf8)) { result[row["id"]] = value }
                }
            }
            return result
        }
    }

    public func saveNeighbours(_ neighbours: [String: Neighbours]) throws {
        guard !neighbours.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let rows = try neighbours.map { ($0.key, String(decoding: try encoder.encode($0.value), as: UTF8.self)) }
        try pool.write { db in
            for (id, text) in rows {
                try db.execute(sql: "INSERT OR REPLACE INTO neighbours (id, neighbours) VALUES (?, ?)", arguments: [id, text])
            }
        }
    }
}
