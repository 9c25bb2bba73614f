import Foundation

/// A status file as a grid of text: the header row and the rows below it, each with its
/// number in the file (the spreadsheet's row, the csv's line), so errors can name them.
public struct StatusTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [Row]

    public struct Row: Sendable, Equatable {
        public var number: Int
        public var cells: [String]
        public init(number: Int, cells: [String]) { self.number = number; self.cells = cells }
        public subscript(column: Int) -> String { column < cells.count ? cells[column] : "" }
    }

    public init(header: [String], rows: [Row]) { self.header = header; self.rows = rows }
}

/// The two layouts of the original's status file we read and write.
public enum StatusFileFormat: String, CaseIterable, Sendable {
    case xlsx, csv

    /// From the file's extension, when it is one of ours.
    public init?(path: String) {
        self.init(rawValue: (path as NSString).pathExtension.lowercased())
    }

    /// How a person finds a column in this format: a letter in a spreadsheet, a number in csv.
    func columnName(_ index: Int) -> String {
        switch self {
        case .xlsx: return XLSXColumn.letters(index)
        case .csv: return String(index + 1)
        }
    }

    func rowWord() -> String { self == .xlsx ? "row" : "line" }
}

/// A status file that cannot be read, naming the file and, when known, the row and column.
public struct StatusFileError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }

    static func at(_ file: String, _ format: StatusFileFormat, row: Int, column: Int? = nil, header: String? = nil,
                   _ message: String) -> StatusFileError {
        var place = "\(file): \(format.rowWord()) \(row)"
        if let column { place += ", column \(format.columnName(column))" + (header.map { " (\($0))" } ?? "") }
        return StatusFileError("\(place): \(message)")
    }
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
enum XLSXColumn {
    static func letters(_ index: Int) -> String {
        var n = index + 1, text = ""
        while n > 0 {
            let r = (n - 1) % 26
            text = String(UnicodeScalar(UInt8(65 + r))) + text
            n = (n - 1) / 26
        }
        return text
    }

    /// The column of a cell reference ("AB12" → 27), nil when it has no letters.
    static func index(ofReference reference: String) -> Int? {
        var n = 0, seen = false
        for scalar in reference.unicodeScalars {
            guard scalar.value >= 65 && scalar.value <= 90 || scalar.value >= 97 && scalar.value <= 122 else { break }
            n = n * 26 + Int((scalar.value & ~0x20) - 64)
            seen = true
        }
        return seen ? n - 1 : nil
    }
}
