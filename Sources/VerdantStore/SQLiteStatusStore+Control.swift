import Foundation
import GRDB
import VerdantCore

extension SQLiteStatusStore: ControlChannel {
    public func send(_ request: ControlRequest) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO control (at, command, targets) VALUES (?, ?, ?)",
                           arguments: [StoredDate.text(request.at), request.command.rawValue,
                                       request.targets.joined(separator: "\n")])
        }
    }

    public func takeControlRequests() throws -> [ControlRequest] {
        try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, at, command, targets FROM control WHERE taken_at IS NULL ORDER BY seq")
            guard !rows.isEmpty else { return [] }
            try db.execute(sql: "UPDATE control SET taken_at = ? WHERE taken_at IS NULL AND seq <= ?",
                           arguments: [StoredDate.text(Date()), rows.last!["seq"] as Int64])
            return rows.compactMap { row in
                guard let command = ControlRequest.Command(rawValue: row["command"]) else { return nil }
                let targets: String = row["targets"]
                return ControlRequest(seq: row["seq"], at: row["at"], command: command,
                                      targets: targets.split(separator: "\n").map(String.init))
            }
        }
    }

    public func hasPendingControlRequests() throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM control WHERE taken_at IS NULL)") ?? false
        }
    }
}
