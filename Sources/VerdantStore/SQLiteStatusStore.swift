import Foundation
import GRDB
import VerdantCore

/// The status store on one SQLite file, through a GRDB `DatabasePool`: WAL mode lets
/// `verdant status` and the dashboard read while `verdant run` writes, in this process or
/// another one.
public final class SQLiteStatusStore: StatusStore {
    public let path: String
    public let readOnly: Bool
    let pool: DatabasePool

    /// How long a connection waits for a lock held by another connection or process before it
    /// gives up. In WAL mode readers wait only in rare cases (a checkpoint, a recovery), the
    /// writer waits for another process's write transaction: both are short. (GRDB gives its
    /// reader connections a timeout of their own, 10 s.)
    static let busyTimeout: TimeInterval = 5

    /// Opens (and, unless `readOnly`, creates and migrates) the store at `path`.
    /// - Throws: `StoreError` naming `path` when the file is not an SQLite database, is a database
    ///   of something else, was written by a newer verdant, or (read-only) does not exist yet.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        let files = FileManager.default
        if readOnly {
            guard files.fileExists(atPath: path) else {
                throw StoreError("\(path): no status store there; `verdant run` creates it.")
            }
        } else {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try files.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError("\(path): cannot create the folder \(folder.path) for the status store: "
                    + "\(error.localizedDescription)")
            }
        }

        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.label = "verdant.store"
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.prepareDatabase { db in
            // Readers (status, check, dashboards open for days) scan once and keep what they
            // read in their own structures: a small page cache each (SQLite's default is 2 MB).
            guard !db.configuration.readonly else {
                try db.execute(sql: "PRAGMA cache_size = -512")
                return
            }
            // NORMAL in WAL mode syncs at checkpoints, not at every commit: a committed
            // transition survives a crash of this process (it is in the WAL, written to the OS),
            // and only a power loss or kernel crash can lose the last few. The scheduler
            // reconciles with the engine at start, so those few are recovered; FULL would
            // cost an fsync per transition, far below the 10,000/s we need.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }

        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try StoreSchema.prepare(pool, path: path, readOnly: readOnly)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError("\(path): expected a verdant status store (an SQLite database), "
                + "found a file that is not a database.")
        } catch let error as DatabaseError {
            throw Self.storeError(error, path: path)
        }
    }

    /// Makes the file self-contained after a clean exit: the write-ahead log is folded into it
    /// and, when no other process has the store open, the file leaves WAL mode, so copying
    /// `status.sqlite` alone copies the status and a reader that may not write beside it (a
    /// read-only folder, another user's file) can open it. The next writer turns WAL on again.
    public func finish() throws {
        guard !readOnly else { return }
        do {
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            try pool.close()
        } catch let error as DatabaseError {
            throw Self.storeError(error, path: path)
        }
        // Best effort: another process reading (a dashboard) keeps it in WAL mode, which is fine.
        var configuration = Configuration()
        configuration.busyMode = .timeout(0.2)
        if let queue = try? DatabaseQueue(path: path, configuration: configuration) {
            _ = try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try? queue.close()
        }
    }

    public func meta(_ key: String) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO meta (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, arguments: [key, value])
        }
    }

    // MARK: Access with errors for a person

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as DatabaseError {
            throw Self.storeError(error, path: path)
        }
    }

    /// One write transaction: anything `body` throws rolls all of it back.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        guard !readOnly else {
            throw StoreError("\(path): the status store was opened read-only; nothing can be written.")
        }
        do { return try pool.write(body) } catch let error as DatabaseError {
            throw Self.storeError(error, path: path)
        }
    }

    static func storeError(_ error: DatabaseError, path: String) -> StoreError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError("\(path): the status store stayed locked by another process for more than "
                + "\(Int(busyTimeout)) s (\(error.message ?? "busy")).", kind: .busy)
        case .SQLITE_READONLY:
            return StoreError("\(path): the status store cannot be written (read-only file or folder).", kind: .unwritable)
        case .SQLITE_FULL:
            return StoreError("\(path): the status store cannot be written: the disk is full.", kind: .unwritable)
        case .SQLITE_IOERR, .SQLITE_CANTOPEN:
            return StoreError("\(path): the status store cannot be read or written: \(error.message ?? "I/O error") "
                + "(SQLite code \(error.extendedResultCode.rawValue)).", kind: .unwritable)
        default:
            return StoreError("\(path): status store error: \(error.message ?? "\(error.resultCode)") "
                + "(SQLite code \(error.extendedResultCode.rawValue)).")
        }
    }
}
