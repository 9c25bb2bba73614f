import Foundation
import XMLCoder
import ZIPFoundation

/// A status table as an Office Open XML workbook of one sheet: the parts LibreOffice, Excel
/// and openpyxl expect ([Content_Types].xml, the package and workbook relationships, the
/// workbook, a style sheet with a bold header, shared strings, the sheet), zipped.
enum XLSXTable {
    /// `numeric`: columns whose cells are numbers when they parse as one (attempts, cloud cover).
    static func write(_ table: StatusTable, numeric: Set<Int>) throws -> Data {
        var strings: [String] = [], index: [String: Int] = [:]
        func shared(_ text: String) -> Int {
            if let i = index[text] { return i }
            index[text] = strings.count
            strings.append(text)
            return strings.count - 1
        }
        func cells(_ values: [String], row: Int, style: Int?) -> [XLCell] {
            values.enumerated().compactMap { column, value in
                guard !value.isEmpty else { return nil }
                let reference = XLSXColumn.letters(column) + String(row)
                if style == nil, numeric.contains(column), Double(value) != nil {
                    return XLCell(r: reference, v: value)
                }
                return XLCell(r: reference, t: "s", s: style, v: String(shared(value)))
            }
        }
        var rows = [XLRow(r: 1, c: cells(table.header, row: 1, style: 1))]
        for (n, row) in table.rows.enumerated() { rows.append(XLRow(r: n + 2, c: cells(row.cells, row: n + 2, style: nil))) }

        let encoder = XMLEncoder()
        let header = XMLHeader(version: 1.0, encoding: "UTF-8", standalone: "yes")
        let sheet = try encoder.encode(XLWorksheet(sheetData: XLSheetData(row: rows)), withRootKey: "worksheet",
                                       rootAttributes: ["xmlns": spreadsheetNamespace], header: header)
        let sharedStrings = try encoder.encode(XLSharedStrings(strings), withRootKey: "sst",
                                               rootAttributes: ["xmlns": spreadsheetNamespace], header: header)
        let workbook = try encoder.encode(XLWorkbook(sheets: XLSheets(sheet: [XLSheet(name: "Status", sheetId: 1, relationship: "rId1")])),
                                          withRootKey: "workbook",
                                          rootAttributes: ["xmlns": spreadsheetNamespace, "xmlns:r": relationshipNamespace],
                                          header: header)
        let archive = try Archive(accessMode: .create)
        let parts: [(String, Data)] = [
            ("[Content_Types].xml", Data(contentTypes.utf8)),
            ("_rels/.rels", Data(packageRelationships.utf8)),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", Data(workbookRelationships.utf8)),
            ("xl/styles.xml", Data(styles.utf8)),
            ("xl/sharedStrings.xml", sharedStrings),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
        for (path, data) in parts {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data ?? Data()
    }

    /// The first sheet of the workbook, every cell as text (numbers as written, shared and
    /// inline strings resolved, booleans as TRUE/FALSE); rows keep their spreadsheet numbers.
    static func read(_ data: Data, file: String) throws -> StatusTable {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw StatusFileError("\(file): not an xlsx workbook: it cannot be read as a zip archive (\(error))")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var bytes = Data()
            do {
                _ = try archive.extract(entry) { bytes.append($0) }
            } catch {
                throw StatusFileError("\(file): \(path): the zip entry cannot be read (\(error))")
            }
            return bytes
        }
        let decoder = XMLDecoder()
        decoder.trimValueWhitespaces = false
        decoder.removeWhitespaceElements = true
        func decode<T: Decodable>(_ type: T.Type, _ path: String, _ bytes: Data) throws -> T {
            do { return try decoder.decode(type, from: bytes) } catch {
                throw StatusFileError("\(file): \(path): not the SpreadsheetML expected (\(describe(error)))")
            }
        }
        guard let workbookData = try part("xl/workbook.xml") else {
            throw StatusFileError("\(file): not an xlsx workbook: the archive has no xl/workbook.xml")
        }
        let workbook = try decode(XLWorkbook.self, "xl/workbook.xml", workbookData)
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let relationship = workbook.sheets.sheet.first?.relationship,
           let relsData = try part("xl/_rels/workbook.xml.rels"),
           let target = try decode(XLRelationships.self, "xl/_rels/workbook.xml.rels", relsData).relationship
               .first(where: { $0.id == relationship })?.target {
            sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        }
        guard let sheetData = try part(sheetPath) else {
            throw StatusFileError("\(file): the workbook names its first sheet \(sheetPath), which the archive does not hold")
        }
        let shared = try part("xl/sharedStrings.xml").map {
            try decode(XLSharedStrings.self, "xl/sharedStrings.xml", $0).si.map(\.text)
        } ?? []
        let sheet = try decode(XLWorksheet.self, sheetPath, sheetData)

        var rows: [StatusTable.Row] = []
        var previousRow = 0
        for row in sheet.sheetData.row {
            let number = row.r ?? previousRow + 1
            previousRow = number
            var cells: [String] = []
            var previousColumn = -1
            for cell in row.c {
                let column = cell.r.flatMap(XLSXColumn.index(ofReference:)) ?? previousColumn + 1
                previousColumn = column
                let text: String
                switch cell.t {
                case "s":
                    guard let i = cell.v.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), shared.indices.contains(i) else {
                        throw StatusFileError.at(file, .xlsx, row: number, column: column,
                                                 "a shared string index \(cell.v ?? "(none)") that xl/sharedStrings.xml does not hold")
                    }
                    text = shared[i]
                case "inlineStr":
                    text = cell.inline?.text ?? ""
                case "b":
                    text = cell.v == "1" ? "TRUE" : "FALSE"
                default:
                    text = cell.v ?? ""
                }
                if column >= cells.count { cells += Array(repeating: "", count: column - cells.count + 1) }
                cells[column] = text
            }
            rows.append(.init(number: number, cells: cells))
        }
        guard let header = rows.first else {
            throw StatusFileError("\(file): the first sheet is empty; expected a header row with Name, Result and Task_id")
        }
        let body = rows.dropFirst().filter { !$0.cells.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        return StatusTable(header: header.cells, rows: Array(body))
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription + ((context.underlyingError).map { ": \($0)" } ?? "")
        case DecodingError.keyNotFound(let key, let context):
            return "no \(key.stringValue) in \(context.codingPath.map(\.stringValue).joined(separator: "/"))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "/"))"
        default: return String(describing: error)
        }
    }

    static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
        </Types>
        """

    static let packageRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """

    static let workbookRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>\
        </Relationships>
        """

    /// Style 0: the default; style 1: bold, for the header row.
    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """
}
