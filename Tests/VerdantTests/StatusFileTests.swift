import Foundation
import Testing
import VerdantCore
import VerdantRepair
import VerdantStatusFile
import VerdantStore
import VerdantTesting
import ZIPFoundation

@Suite("Status files of the original tool: export, import through repair")
struct StatusFileTests {
    /// A store with tasks in many states and fields a file must carry exactly (commas, quotes,
    /// line breaks, numbers, times), every one consistent with its outputs so that repair
    /// leaves it as it is.
    static func variedStore() throws -> RepairFixture {
        let f = try RepairFixture(count: 6)
        try f.move(f.key(0), through: [.submitting, .running, .completed], taskId: "local-1-1", requestId: "vd-cloudmask-x-1")
        try f.publish(f.key(0))
        try f.store.apply(Transition(key: f.key(0, .ndvi), from: .waiting, to: .queued, detail: "inputs final"))
        var failed = Transition(key: f.key(1), from: .queued, to: .submitting, detail: "t")
        failed.requestId = .set("vd-cloudmask-y-1")
        failed.attempts = 3
        failed.submissions = 3
        try f.store.apply(failed)
        var end = Transition(key: f.key(1), from: .submitting, to: .failed, detail: "t")
        end.error = .set("band B04: \"missing\", retried 3 times\nsee the log, line 2")
        try f.store.apply(end)
        var excluded = Transition(key: f.key(1, .ndvi), from: .waiting, to: .excluded, detail: "t")
        excluded.reason = .set("no input left to read")
        try f.store.apply(excluded)
        var area = Transition(key: f.key(2), from: .queued, to: .outOfArea, detail: "t")
        area.reason = .set("footprint misses land_geometry")
        try f.store.apply(area)
        var later = Transition(key: f.key(3), from: .queued, to: .queued, detail: "t")
        later.notBefore = .set(Date(timeIntervalSince1970: 1_700_000_000.123))
        later.error = .set("engine busy, 429")
        var fieldsOnly = StoreRepair()
        fieldsOnly.steps = [later]
        try f.store.apply(fieldsOnly, at: Date())
        try f.publish(f.key(4))
        var skipped = Transition(key: f.key(4), from: .queued, to: .skipped, detail: "t")
        skipped.output = .set(f.layout.resultFile(f.key(4)).path)
        skipped.paramsHash = .set(f.fingerprints[.cloudMask]!)
        try f.store.apply(skipped)
        return f
    }

    static func fields(_ r: TaskRecord) -> String {
        var copy = r
        copy.updatedAt = Date(timeIntervalSince1970: 0)
        return String(describing: copy)
    }

    @Test("round trip: export, import into an empty store, the same tasks with the same fields and inputs", arguments: StatusFileFormat.allCases)
    func roundTrip(format: StatusFileFormat) async throws {
        let a = try Self.variedStore()
        defer { a.remove() }
        let file = a.dir.appendingPathComponent("current_status.\(format.rawValue)").path
        let written = try StatusExport.write(store: a.store, graph: .local, to: file, format: format)
        #expect(written == 12)

        let b = try RepairFixture(count: 0)
        defer { b.remove() }
        // The outputs are where the first store's records say.
        let imported = try StatusImport.read(path: file, graph: .local)
        let overlay = try imported.overlay(store: b.store, graph: .local)
        let context = a.context([])
        let plan = try Repair.inspect(store: b.store, context: context, overlay: overlay)
        #expect(plan.findings.isEmpty, "\(plan.findings.map(\.title))")
        _ = try await Repair.apply(plan, store: b.store, engine: nil, backupTo: b.backupPath)

        let all = Set(TaskState.allCases)
        let before = try a.store.records(in: all, stage: nil, limit: nil).sorted { $0.key < $1.key }
        let after = try b.store.records(in: all, stage: nil, limit: nil).sorted { $0.key < $1.key }
        #expect(after.map(Self.fields) == before.map(Self.fields))
        let ndvi = before.filter { $0.stage == .ndvi }.map(\.key)
        #expect(try b.store.inputs(of: ndvi).mapValues { $0.map(\.key) } == (try a.store.inputs(of: ndvi).mapValues { $0.map(\.key) }))
        // Every imported task's history starts with the import.
        #expect(try b.store.journal(after: 0, limit: 1000).filter { $0.from == .discovered }
            .allSatisfy { $0.detail?.hasPrefix("import-status current_status.\(format.rawValue)") == true })
    }

    @Test("a file shaped like the original's (pandas index column, extra columns, READY/RUNNING left by a crash, Out of area, a duplicate row) imports through repair")
    func originalShapedFile() async throws {
        let f = try RepairFixture(count: 0)
        defer { f.remove() }
        let ids = (0..<6).map(Fixtures.imageId)
        try f.publish(TaskKey(.cloudMask, ids[0]))
        let file = f.dir.appendingPathComponent("current_status.xlsx")
        try OriginalWorkbook.write(to: file, rows: [
            [ids[0], "COMPLETED", "6YBQ2ZQX5XKHBO2D3TUPDRBQ"],   // its mask is in the output folder
            [ids[1], "COMPLETED", "OV4XG2TCLWVD4NQFJX3A7V6P"],   // its mask is not
            [ids[2], "RUNNING", "KJ7TQGZCQJ4UC7XSYF6VGKNE"],
            [ids[3], "READY", "N3C2JXQZ6A3M5Q4Y2GZ7EPLA"],
            [ids[4], "Out of area", ""],
            [ids[5], "RUNNING", "AAAA"],
            [ids[5], "FAILED", "BBBB"],                          // the same image again, later
        ])
        let imported = try StatusImport.read(path: file.path, graph: .local)
        #expect(imported.rows.count == 6)
        #expect(imported.duplicates.first?.kept.result == "FAILED")
        let plan = try Repair.inspect(store: f.store, context: f.context(try await InstantEngine().listAll()),
                                      overlay: try imported.overlay(store: f.store, graph: .local))
        #expect(plan.finding(.imported)?.count == 1)
        #expect(plan.finding(.inFlightUnknown)?.count == 2)
        #expect(plan.finding(.completedWithoutOutput)?.count == 1)
        _ = try await Repair.apply(plan, store: f.store, engine: nil, backupTo: f.backupPath)

        let kept = try #require(try f.store.record(TaskKey(.cloudMask, ids[0])))
        #expect(kept.state == .completed)
        #expect(kept.taskId == "6YBQ2ZQX5XKHBO2D3TUPDRBQ")
        #expect(kept.output == f.layout.resultFile(kept.key).path)
        #expect(try f.state(TaskKey(.cloudMask, ids[1])) == .queued)
        let crashed = try #require(try f.store.record(TaskKey(.cloudMask, ids[2])))
        #expect(crashed.state == .queued)
        #expect(crashed.taskId == nil)
        #expect(try f.state(TaskKey(.cloudMask, ids[3])) == .queued)
        let area = try #require(try f.store.record(TaskKey(.cloudMask, ids[4])))
        #expect(area.state == .outOfArea)
        #expect(area.tile == "33TVL")
        #expect(area.acquired == StatusDatesProbe.acquisition(ids[4]))
        let failed = try #require(try f.store.record(TaskKey(.cloudMask, ids[5])))
        #expect(failed.state == .failed)
        #expect(failed.taskId == "BBBB")
        let history = try f.journal(TaskKey(.cloudMask, ids[2]))
        #expect(history.count == 1)
        #expect(history[0].detail?.contains("import-status current_status.xlsx row 4: Result RUNNING") == true)
        #expect(history[0].detail?.contains("repair in-flight-unknown") == true)
    }

    @Test("rows a spreadsheet leaves empty are skipped; an output path of a task to run again is not kept")
    func blankRowsAndForeignOutputs() throws {
        let f = try RepairFixture(count: 0)
        defer { f.remove() }
        let path = f.dir.appendingPathComponent("status.csv")
        try """
            Name,Result,Task_id,output
            \(Fixtures.imageId(0)),READY,A,/elsewhere/cloudmask/a/a.tif
            \(Fixtures.imageId(1)),COMPLETED,B,/elsewhere/cloudmask/b/b.tif
            ,,,
             , ,,

            """.write(toFile: path.path, atomically: true, encoding: .utf8)
        let imported = try StatusImport.read(path: path.path, graph: .local)
        #expect(imported.rows.count == 2)
        let overlay = try imported.overlay(store: f.store, graph: .local)
        let ready = try #require(overlay.rows[TaskKey(.cloudMask, Fixtures.imageId(0))])
        #expect(ready.output == .clear)
        #expect(overlay.rows[TaskKey(.cloudMask, Fixtures.imageId(1))]?.output == .set("/elsewhere/cloudmask/b/b.tif"))
    }

    @Test("malformed files name the file, row and column, and nothing is read from them")
    func malformedFiles() throws {
        let dir = Fixtures.temporaryDirectory("status-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        func error(_ name: String, _ contents: Data) -> String {
            let path = dir.appendingPathComponent(name).path
            _ = FileManager.default.createFile(atPath: path, contents: contents)
            do {
                _ = try StatusImport.read(path: path, graph: .local)
                return "no error"
            } catch {
                return String(describing: error)
            }
        }
        let noName = error("no-name.csv", Data("Image,Result,Task_id\r\n20170101T100000_20170101T100000_T33TVL,READY,A\r\n".utf8))
        #expect(noName.contains("no-name.csv: line 1: no column named Name"))
        #expect(noName.contains("1 Image"))

        let unknown = error("unknown.csv", Data("Name,Result,Task_id\n20170101T100000_20170101T100000_T33TVL,READY,A\n20170102T100000_20170102T100000_T33TVL,DONE,B\n".utf8))
        #expect(unknown.contains("unknown.csv: line 3, column 2 (Result): unknown value \"DONE\""))

        let quote = error("quote.csv", Data("Name,Result\n\"20170101T100000_20170101T100000_T33TVL,READY\n".utf8))
        #expect(quote.contains("quote.csv: line 2"))
        #expect(quote.contains("not closed"))

        let notZip = error("not-a-zip.xlsx", Data("PK? not really".utf8))
        #expect(notZip.contains("not-a-zip.xlsx: not an xlsx workbook"))

        let badXML = dir.appendingPathComponent("bad-xml.xlsx")
        try OriginalWorkbook.write(to: badXML, rows: [], sheet: "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>")
        #expect(error("bad-xml.xlsx", try Data(contentsOf: badXML)).contains("bad-xml.xlsx: xl/worksheets/sheet1.xml: not the SpreadsheetML expected"))

        let unknownInSheet = dir.appendingPathComponent("unknown.xlsx")
        try OriginalWorkbook.write(to: unknownInSheet, rows: [["20170101T100000_20170101T100000_T33TVL", "Finished", "A"]])
        #expect(error("unknown.xlsx", try Data(contentsOf: unknownInSheet)).contains("unknown.xlsx: row 2, column C (Result): unknown value \"Finished\""))

        let badName = error("bad-name.csv", Data("Name,Result\nimage-one,READY\n".utf8))
        #expect(badName.contains("bad-name.csv: line 2, column 1 (Name)"))
    }
}

/// The acquisition time of a Sentinel-2 id, computed apart from the code under test.
enum StatusDatesProbe {
    static func acquisition(_ id: String) -> Date {
        var components = DateComponents()
        let s = Array(id)
        func n(_ a: Int, _ b: Int) -> Int { Int(String(s[a..<b]))! }
        components.year = n(0, 4); components.month = n(4, 6); components.day = n(6, 8)
        components.hour = n(9, 11); components.minute = n(11, 13); components.second = n(13, 15)
        components.timeZone = TimeZone(identifier: "UTC")
        return Calendar(identifier: .gregorian).date(from: components)!
    }
}

/// A workbook as openpyxl writes a pandas DataFrame (`to_excel` with its index): an index
/// column with an empty header, shared strings for text, numbers for the index, a bold header,
/// an extra column; one Name as an inline string and one Result as rich text, as other writers do.
enum OriginalWorkbook {
    static func write(to url: URL, rows: [[String]], sheet given: String? = nil) throws {
        var strings: [String] = []
        func shared(_ text: String) -> Int {
            if let i = strings.firstIndex(of: text) { return i }
            strings.append(text)
            return strings.count - 1
        }
        let header = ["Name", "Result", "Task_id", "Checked"]
        var xmlRows = "<row r=\"1\">" + header.enumerated().map { i, h in
            "<c r=\"\(["B", "C", "D", "E"][i])1\" t=\"s\" s=\"1\"><v>\(shared(h))</v></c>"
        }.joined() + "</row>"
        for (n, row) in rows.enumerated() {
            let r = n + 2
            var cells = "<c r=\"A\(r)\" s=\"1\"><v>\(n)</v></c>"
            if n == 1 {
                cells += "<c r=\"B\(r)\" t=\"inlineStr\"><is><t>\(row[0])</t></is></c>"
            } else {
                cells += "<c r=\"B\(r)\" t=\"s\"><v>\(shared(row[0]))</v></c>"
            }
            cells += "<c r=\"C\(r)\" t=\"s\"><v>\(shared(row[1]))</v></c>"
            if !row[2].isEmpty { cells += "<c r=\"D\(r)\" t=\"s\"><v>\(shared(row[2]))</v></c>" }
            cells += "<c r=\"E\(r)\" t=\"b\"><v>1</v></c>"
            xmlRows += "<row r=\"\(r)\">\(cells)</row>"
        }
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let sheet = given ?? """
            <?xml version="1.0" encoding="UTF-8"?>
            <worksheet xmlns="\(main)"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/></sheetPr>\
            <dimension ref="A1:E\(rows.count + 1)"/><sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>\
            <sheetFormatPr baseColWidth="8" defaultRowHeight="15"/><sheetData>\(xmlRows)</sheetData>\
            <pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>
            """
        // "Out of area" as rich text, as some writers split a string into runs.
        let items = strings.map { text -> String in
            text == "Out of area" ? "<si><r><t xml:space=\"preserve\">Out of </t></r><r><rPr><b/></rPr><t>area</t></r></si>" : "<si><t>\(text)</t></si>"
        }
        let sst = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sst xmlns=\"\(main)\" uniqueCount=\"\(strings.count)\">\(items.joined())</sst>"
        let workbook = """
            <?xml version="1.0" encoding="UTF-8"?>
            <workbook xmlns="\(main)" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <workbookPr/><bookViews><workbookView visibility="visible"/></bookViews>\
            <sheets><sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="Sheet1" sheetId="1" state="visible" r:id="rId1"/></sheets>\
            <definedNames/><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>
            """
        let workbookRels = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>\
            </Relationships>
            """
        let contentTypes = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
            </Types>
            """
        let rels = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for (path, text) in [("[Content_Types].xml", contentTypes), ("_rels/.rels", rels), ("xl/workbook.xml", workbook),
                             ("xl/_rels/workbook.xml.rels", workbookRels), ("xl/sharedStrings.xml", sst),
                             ("xl/worksheets/sheet1.xml", sheet)] {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
