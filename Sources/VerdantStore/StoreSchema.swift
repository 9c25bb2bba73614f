import GRDB
import VerdantCore

/// The status store's tables, built only through named migrations registered in order, so a
/// store created by any release can be brought forward by a later one.
enum StoreSchema {
    /// Bumped with every migration; kept in `meta` so that a person or another tool can tell
    /// what wrote a file without knowing GRDB's bookkeeping table.
    static let version = 4
    static let versionKey = "schema_version"

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 images, journal, meta") { db in
            try db.create(table: "images") { t in
                t.column("id", .text).notNull()
                t.column("stage", .text).notNull()
                t.column("acquired", .datetime).notNull()
                t.column("tile", .text).notNull()
                t.column("footprint", .text).notNull()
                t.column("cloud_cover", .double)
                t.column("source", .text).notNull()
                t.column("state", .text).notNull()
                t.column("engine", .text)
                t.column("task_id", .text)
                t.column("request_id", .text)
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("error", .text)
                t.column("output", .text)
                t.column("not_before", .datetime)
                t.column("updated_at", .datetime).notNull()
                t.primaryKey(["id", "stage"])
            }
            // Every transition rewrites the index pages holding its row's state, and in WAL
            // mode each commit appends every page it touched: the fewer indexes on `state`,
            // the more transitions per second. counts(stage:) and records(in:) use this one.
            try db.create(index: "images_by_stage_state", on: "images", columns: ["stage", "state"])
            // Partial indexes change only when an image enters or leaves QUEUED.
            // nextQueued walks this one in acquisition order and stops at its limit.
            try db.execute(sql: """
                CREATE INDEX images_queued_by_acquired ON images (stage, acquired, id)
                WHERE state = 'QUEUED';
                CREATE INDEX images_waiting_by_not_before ON images (stage, not_before)
                WHERE state = 'QUEUED' AND not_before IS NOT NULL;
                """)
            // Engines report by task id when polling.
            try db.create(index: "images_by_task_id", on: "images", columns: ["task_id"])

            try db.create(table: "journal") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("at", .datetime).notNull()
                t.column("image_id", .text).notNull()
                t.column("stage", .text).notNull()
                t.column("from_state", .text).notNull()
                t.column("to_state", .text).notNull()
                t.column("detail", .text)
            }
            try db.create(index: "journal_by_image", on: "journal", columns: ["image_id", "seq"])
            // The journal is the audit trail of every run: the database itself refuses to
            // rewrite history, whatever program opens the file.
            try db.execute(sql: """
                CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
                BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
                BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                """)

            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            // A literal, not `version`: a migration must write the same thing forever.
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)",
                           arguments: [versionKey, "1"])
        }
        // Another process (`verdant cancel`, `pause`, `resume`) asks the running scheduler
        // through this table; the scheduler takes each request once.
        migrator.registerMigration("v2 control requests") { db in
            try db.create(table: "control") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("at", .datetime).notNull()
                t.column("command", .text).notNull()
                t.column("image_ids", .text).notNull().defaults(to: "")
                t.column("taken_at", .datetime)
            }
            try db.execute(sql: "UPDATE meta SET value = '2' WHERE key = ?", arguments: [versionKey])
        }
        migrator.registerMigration("v3 stages, task inputs, run state") { db in
            try migrateToStages(db)
            try db.execute(sql: "UPDATE meta SET value = '3' WHERE key = ?", arguments: [versionKey])
        }
        // The multitemporal cloud model's neighbour images, chosen once per image and kept, so
        // a rerun masks against the same ones (JSON of `Neighbours`).
        migrator.registerMigration("v4 neighbours") { db in
            try db.create(table: "neighbours") { t in
                t.primaryKey("id", .text)
                t.column("neighbours", .text).notNull()
            }
            try db.execute(sql: "UPDATE meta SET value = '4' WHERE key = ?", arguments: [versionKey])
        }
        return migrator
    }()

    /// A task is an image or a block at one stage; downstream tasks name their inputs; the run's
    /// state lives in the store for other processes to watch. Stores of v2 keep every row:
    /// their tasks gain the new columns (no fingerprint: their outputs count as made under other
    /// parameters, so they are redone rather than taken for current).
    static func migrateToStages(_ db: Database) throws {
        try db.execute(sql: """
            DROP INDEX images_by_stage_state;
            DROP INDEX images_queued_by_acquired;
            DROP INDEX images_waiting_by_not_before;
            DROP INDEX images_by_task_id;
            ALTER TABLE images RENAME TO tasks;
            ALTER TABLE tasks ADD COLUMN submissions INTEGER NOT NULL DEFAULT 0;
            UPDATE tasks SET submissions = attempts;
            ALTER TABLE tasks ADD COLUMN params_hash TEXT;
            ALTER TABLE tasks ADD COLUMN reason TEXT;
            """)
        // State first: the scheduler asks "how many in flight", "which are waiting" across all
        // stages every cycle, and a bound `state = ?` can use no partial index (SQLite decides
        // on a partial index before it sees the value). counts() groups over it too.
        try db.create(index: "tasks_by_state_stage", on: "tasks", columns: ["state", "stage"])
        // Every transition rewrites the index pages holding its row's state, and in WAL mode
        // each commit appends every page it touched: partial indexes change only when a task
        // enters or leaves QUEUED. nextQueued walks the first in acquisition order and stops at
        // its limit; nextRetryTime reads the second.
        try db.execute(sql: """
            CREATE INDEX tasks_queued_by_acquired ON tasks (stage, acquired, id) WHERE state = 'QUEUED';
            CREATE INDEX tasks_waiting_by_not_before ON tasks (not_before) WHERE state = 'QUEUED' AND not_before IS NOT NULL;
            CREATE INDEX tasks_by_id ON tasks (id);
            """)
        try db.create(table: "task_inputs") { t in
            t.column("stage", .text).notNull()
            t.column("id", .text).notNull()
            t.column("input_stage", .text).notNull()
            t.column("input_id", .text).notNull()
            // Set when a person let the task go on without this input, with why.
            t.column("waived_at", .datetime)
            t.column("waived_reason", .text)
            t.primaryKey(["stage", "id", "input_stage", "input_id"])
        }
        // "Who reads this task?" when it becomes final.
        try db.create(index: "task_inputs_by_input", on: "task_inputs", columns: ["input_stage", "input_id"])
        try db.create(table: "run_state") { t in
            t.column("id", .integer).primaryKey(onConflict: .replace).check { $0 == 1 }
            // RunState as JSON: it grows with the dashboard's needs without a migration each time.
            t.column("state", .text).notNull()
            t.column("updated_at", .datetime).notNull()
        }
        try db.execute(sql: "ALTER TABLE control RENAME COLUMN image_ids TO targets")
    }

    /// Refuses files that are not verdant stores or were written by a newer verdant, then brings
    /// a writable store up to date. A read-only store must already be up to date: a reader that
    /// cannot migrate must not guess at an older layout.
    static func prepare(_ pool: DatabasePool, path: String, readOnly: Bool) throws {
        try pool.read { db in try checkCompatible(db, path: path) }
        if readOnly {
            let complete = try pool.read { db in try migrator.hasCompletedMigrations(db) }
            guard complete else {
                throw StoreError("\(path): expected a verdant status store at schema version \(version); "
                    + "this file has no verdant schema yet or an older one. Open it once without read-only "
                    + "access (e.g. `verdant run`) to create or upgrade it.")
            }
        } else {
            try migrator.migrate(pool)
        }
    }

    private static func checkCompatible(_ db: Database, path: String) throws {
        let hasMigrations = try db.tableExists("grdb_migrations")
        if !hasMigrations {
            let userTables = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                """) ?? 0
            guard userTables == 0 else {
                throw StoreError("\(path): expected a verdant status store (tables tasks, journal, meta), "
                    + "found an SQLite database with \(userTables) other table(s); refusing to modify it.")
            }
            return
        }
        let storedVersion = try db.tableExists("meta")
            ? try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [versionKey])
                .flatMap(Int.init)
            : nil
        if try migrator.hasBeenSuperseded(db) || (storedVersion ?? 0) > version {
            let found = storedVersion.map(String.init) ?? "unknown"
            throw StoreError("\(path): this status store has schema version \(found), newer than the "
                + "version \(version) this verdant knows; use the newer verdant that wrote it. "
                + "The file was left unchanged.")
        }
    }
}
