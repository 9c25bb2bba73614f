import Foundation
import VerdantCore
import VerdantRepair
import VerdantStore

/// One row of a status file, checked: its task, the state it says, the columns it has.
public struct ImportedRow: Sendable, Equatable {
    public var number: Int
    public var key: TaskKey
    public var state: TaskState
    public var result: String
    var values: [StatusColumn: String]

    func value(_ column: StatusColumn) -> String? { values[column] }
}

/// `verdant import-status`: a status file of the original tool (or of `export-status`) read
/// and checked whole before anything is written, then turned into a repair overlay: the
/// rows become what the store says, and repair settles what they cannot be (a RUNNING row
/// the engine does not know, a COMPLETED row without its output).
public struct StatusImport: Sendable {
    public let file: String
    public let format: StatusFileFormat
    public let rows: [ImportedRow]
    /// Rows for a task that another row also names: the one kept and the ones dropped.
    public let duplicates: [(kept: ImportedRow, dropped: [ImportedRow])]

    /// - Throws: `StatusFileError` naming the file, row and column of the first problem.
    public static func read(path: String, format given: StatusFileFormat? = nil, graph: StageGraph) throws -> StatusImport {
        guard let format = given ?? StatusFileFormat(path: path) else {
            throw StatusFileError("\(path): unknown kind of file; expected .xlsx or .csv (or say which with --format)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StatusFileError("\(path): cannot read the file")
        }
        let table = format == .xlsx ? try XLSXTable.read(data, file: path) : try CSVTable.read(data, file: path)
        return try StatusImport(table: table, file: path, format: format, graph: graph)
    }

    init(table: StatusTable, file: String, format: StatusFileFormat, graph: StageGraph) throws {
        self.file = file
        self.format = format
        var columns: [StatusColumn: Int] = [:]
        for (i, title) in table.header.enumerated() {
            let name = title.trimmingCharacters(in: .whitespaces).lowercased()
            if let column = StatusColumn.allCases.first(where: { $0.rawValue.lowercased() == name }), columns[column] == nil {
                columns[column] = i
            }
        }
        for required in [StatusColumn.name, .result] where columns[required] == nil {
            let found = table.header.enumerated().filter { !$0.element.isEmpty }
                .map { "\(format.columnName($0.offset)) \($0.element)" }.joined(separator: ", ")
            throw StatusFileError("\(file): \(format.rowWord()) 1: no column named \(required.rawValue) "
                + "(the original's status file has Name, Result, Task_id; found: \(found.isEmpty ? "nothing" : found))")
        }
        var parsed: [ImportedRow] = []
        // Rows with every cell empty are what spreadsheets leave below the data: not rows.
        for row in table.rows where !row.cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            parsed.append(try Self.parse(row, columns: columns, file: file, format: format, graph: graph))
        }
        var byKey: [TaskKey: [ImportedRow]] = [:], order: [TaskKey] = []
        for row in parsed {
            if byKey[row.key] == nil { order.append(row.key) }
            byKey[row.key, default: []].append(row)
        }
        var kept: [ImportedRow] = [], duplicates: [(ImportedRow, [ImportedRow])] = []
        for key in order {
            let group = byKey[key]!
            // The one that succeeded, else the newest (the original appended rows as it went).
            let keep = group.last { TaskState.delivered.contains($0.state) } ?? group.last!
            kept.append(keep)
            if group.count > 1 { duplicates.append((keep, group.filter { $0.number != keep.number })) }
        }
        rows = kept
        self.duplicates = duplicates
    }

    static func parse(_ row: StatusTable.Row, columns: [StatusColumn: Int], file: String, format: StatusFileFormat,
                      graph: StageGraph) throws -> ImportedRow {
        var values: [StatusColumn: String] = [:]
        for (column, index) in columns { values[column] = row[index].trimmingCharacters(in: .whitespaces) }
        func fail(_ column: StatusColumn, _ message: String) -> StatusFileError {
            StatusFileError.at(file, format, row: row.number, column: columns[column], header: column.rawValue, message)
        }
        var name = values[.name] ?? ""
        // The original's Name is the image id; an Earth Engine path ends with it.
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        guard !name.isEmpty else { throw fail(.name, "empty; expected an image id such as 20180101T114459_20180101T114453_T30VVJ") }
        let result = values[.result] ?? ""
        guard var state = StatusColumn.state(result: result) else {
            throw fail(.result, result.isEmpty ? "empty; expected \(StatusColumn.acceptedResults)"
                                               : "unknown value \"\(result)\"; expected \(StatusColumn.acceptedResults)")
        }
        if let text = values[.state], !text.isEmpty {
            guard let exact = TaskState(rawValue: text), exact != .discovered else {
                throw fail(.state, "unknown state \"\(text)\"; expected one of \(TaskState.allCases.dropFirst().map(\.rawValue).joined(separator: ", "))")
            }
            state = exact
        }
        var stage = graph.stages.first ?? .cloudMask
        if let text = values[.stage], !text.isEmpty {
            guard graph.contains(Stage(text)) else {
                throw fail(.stage, "unknown stage \"\(text)\"; expected \(graph.stages.map(\.rawValue).joined(separator: " or "))")
            }
            stage = Stage(text)
        }
        for column in [StatusColumn.attempts, .submissions] {
            if let text = values[column], !text.isEmpty, Self.wholeNumber(text) == nil {
                throw fail(column, "expected a whole number ≥ 0, found \"\(text)\"")
            }
        }
        if let text = values[.cloudCover], !text.isEmpty, Double(text) == nil {
            throw fail(.cloudCover, "expected a number, found \"\(text)\"")
        }
        for column in [StatusColumn.acquired, .notBefore, .updated] {
            if let text = values[column], !text.isEmpty, StatusDates.date(text) == nil {
                throw fail(column, "expected an ISO 8601 time such as 2017-01-01T10:00:00.000Z, found \"\(text)\"")
            }
        }
        if (values[.acquired] ?? "").isEmpty && StatusDates.acquisition(ofImageId: name) == nil {
            throw fail(.name, "\"\(name)\" does not start with an acquisition time (20180101T114459_…) and no Acquired column gives one")
        }
        values[.name] = name
        return ImportedRow(number: row.number, key: TaskKey(stage, name), state: state, result: result, values: values)
    }

    static func wholeNumber(_ text: String) -> Int? {
        if let n = Int(text), n >= 0 { return n }
        if let d = Double(text), d >= 0, d == d.rounded(), d < 1e9 { return Int(d) }
        return nil
    }

    /// The rows as a repair overlay over `store`: tasks it lacks are added, the others take
    /// the state and fields the file gives (rows that say what the store says are left out).
    public func overlay(store: SQLiteStatusStore, graph: StageGraph) throws -> RepairOverlay {
        var overlay = RepairOverlay()
        let name = (file as NSString).lastPathComponent
        for row in rows {
            var detail = "import-status \(name) \(format.rowWord()) \(row.number): Result \(row.result)"
            if let task = row.value(.taskId), !task.isEmpty { detail += " (task \(task))" }
            let stored = try store.record(row.key)
            var t = Transition(key: row.key, from: stored?.state ?? .discovered, to: row.state, detail: detail)
            func text(_ column: StatusColumn) -> FieldChange<String> {
                guard let value = row.value(column) else { return .keep }
                return value.isEmpty ? .clear : .set(value)
            }
            t.taskId = text(.taskId)
            t.requestId = text(.requestId)
            t.paramsHash = text(.paramsHash)
            t.reason = text(.reason)
            t.error = text(.error)
            // An output only belongs to a task that delivered it; a path from the file of a
            // task that is to run again (another folder, an old run) is not kept.
            t.output = TaskState.delivered.contains(row.state) ? text(.output) : .clear
            if let value = row.value(.notBefore) { t.notBefore = value.isEmpty ? .clear : .set(StatusDates.date(value)!) }
            t.attempts = row.value(.attempts).flatMap(Self.wholeNumber)
            t.submissions = row.value(.submissions).flatMap(Self.wholeNumber)
            if let engine = row.value(.engine), !engine.isEmpty { t.engine = engine }

            if let stored {
                let record = Self.applied(t, to: stored)
                guard record != stored else { continue }
                overlay.rows[row.key] = t
                continue
            }
            let acquired = row.value(.acquired).flatMap { $0.isEmpty ? nil : StatusDates.date($0) }
                ?? StatusDates.acquisition(ofImageId: row.key.id)!
            var record = TaskRecord(id: row.key.id, stage: row.key.stage, acquired: acquired,
                                    tile: row.value(.tile).flatMap { $0.isEmpty ? nil : $0 } ?? StatusDates.tile(ofImageId: row.key.id) ?? "",
                                    footprint: row.value(.footprint).flatMap { $0.isEmpty ? nil : $0 } ?? "{}",
                                    cloudCover: row.value(.cloudCover).flatMap(Double.init),
                                    source: row.value(.source).flatMap { $0.isEmpty ? nil : $0 } ?? row.key.id,
                                    state: row.state)
            record = Self.applied(t, to: record)
            if record.state == .outOfArea && record.reason == nil { record.reason = "Out of area (the original's status file)" }
            if record.state == .failed && record.error == nil { record.error = "FAILED in the imported status file (no message there)" }
            let inputs = graph.spec(row.key.stage).map { $0.unit == .image ? $0.inputs.map { TaskKey($0, row.key.id) } : [] } ?? []
            overlay.newTasks[row.key] = NewTask(record: record, reason: detail, inputs: inputs)
            // Every field, so the inspection sees the task as the file gives it.
            t.taskId = record.taskId.map { .set($0) } ?? .clear
            t.requestId = record.requestId.map { .set($0) } ?? .clear
            t.paramsHash = record.paramsHash.map { .set($0) } ?? .clear
            t.reason = record.reason.map { .set($0) } ?? .clear
            t.attempts = record.attempts
            t.submissions = record.submissions
            overlay.rows[row.key] = t
        }
        if !duplicates.isEmpty {
            let dropped = duplicates.reduce(0) { $0 + $1.dropped.count }
            let examples = duplicates.map { kept, dropped in
                "\(kept.key): \(format.rowWord())s \(dropped.map { "\($0.number) (\($0.result))" }.joined(separator: ", ")) dropped, "
                    + "\(format.rowWord()) \(kept.number) (\(kept.result)) kept"
            }
            overlay.findings.append(RepairFinding(
                kind: .imported, title: "\(dropped) row(s) name a task another row names too (duplicate): the succeeded, else the last, is kept",
                count: dropped, examples: Array(examples.prefix(5)),
                options: [RepairOption(title: "keep one row per task (the succeeded, else the last)")]))
        }
        return overlay
    }

    static func applied(_ t: Transition, to record: TaskRecord) -> TaskRecord {
        var r = record.applyingFields(of: t)
        r.state = t.to
        return r
    }
}
