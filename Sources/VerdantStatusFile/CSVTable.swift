import Foundation

/// RFC 4180: fields separated by commas, records by CRLF; a field holding a comma, a quote
/// or a line break is quoted, its quotes doubled.
enum CSVTable {
    static func write(_ table: StatusTable) -> Data {
        var text = line(table.header)
        for row in table.rows { text += line(row.cells) }
        return Data(text.utf8)
    }

    static func line(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Records with the line each starts on; a quoted field may span lines. Accepts LF as well
    /// as CRLF and a UTF-8 byte order mark.
    static func read(_ data: Data, file: String) throws -> StatusTable {
        guard var text = String(data: data, encoding: .utf8) else {
            throw StatusFileError("\(file): not UTF-8 text (a csv status file is expected in UTF-8)")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var records: [StatusTable.Row] = []
        var fields: [String] = [], field = ""
        var quoted = false, fieldStarted = false, afterQuote = false
        var line = 1, recordLine = 1
        func endField() { fields.append(field); field = ""; fieldStarted = false; afterQuote = false }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(.init(number: recordLine, cells: fields)) }
            fields = []
        }
        // Unicode scalars: "\r\n" is one Character in Swift, two scalars here.
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = scalars.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; afterQuote = true; pending = next }
                    } else { quoted = false; afterQuote = true }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                endField()
            case "\r", "\n":
                if c == "\r" { if let next = scalars.next(), next != "\n" { pending = next } }
                endRecord()
                line += 1
                recordLine = line
            case "\"" where !fieldStarted:
                quoted = true
                fieldStarted = true
            default:
                if afterQuote {
                    throw StatusFileError.at(file, .csv, row: line, column: fields.count,
                                             "text after a closing quote (RFC 4180: a quoted field ends at its closing quote)")
                }
                field.unicodeScalars.append(c)
                fieldStarted = true
            }
        }
        if quoted {
            throw StatusFileError.at(file, .csv, row: recordLine, column: fields.count, "a quoted field is not closed before the end of the file")
        }
        if fieldStarted || !fields.isEmpty || afterQuote { endRecord() }
        guard let header = records.first else { throw StatusFileError("\(file): empty; expected a header line with Name, Result and Task_id") }
        return StatusTable(header: header.cells, rows: Array(records.dropFirst()))
    }
}
