import Foundation
import VerdantStyle

/// One screen's worth of styled cells, drawn by views and sent to the terminal by `Screen`.
/// Views never touch curses: a frame is plain data, so tests read it as text and the
/// benchmark times it without a terminal.
public struct Frame: Equatable {
    public struct Cell: Equatable {
        public var char: Character
        public var role: Role
        public init(_ char: Character, _ role: Role) { self.char = char; self.role = role }
    }

    public let rows: Int
    public let cols: Int
    public private(set) var cells: [Cell]
    /// Box drawing and marks: Unicode when the locale is UTF-8, ASCII otherwise.
    public var glyphs: Glyphs

    public init(rows: Int, cols: Int, glyphs: Glyphs = .unicode) {
        self.rows = max(0, rows); self.cols = max(0, cols); self.glyphs = glyphs
        cells = Array(repeating: Cell(" ", .text), count: self.rows * self.cols)
    }

    public subscript(y: Int, x: Int) -> Cell {
        get { cells[y * cols + x] }
        set { cells[y * cols + x] = newValue }
    }

    /// Writes `text` from (y, x), clipped at `width` cells (default: the screen's edge).
    /// Control characters and characters wider than one cell become `?`, so a stray error
    /// message cannot shift the layout. Returns the column after the last cell written.
    @discardableResult
    public mutating func put(_ y: Int, _ x: Int, _ text: String, _ role: Role = .text, width: Int? = nil) -> Int {
        guard y >= 0, y < rows, x < cols else { return x }
        let limit = min(cols, width.map { x + $0 } ?? cols)
        var col = x
        for ch in text {
            if col >= limit { break }
            if col >= 0 { cells[y * cols + col] = Cell(Frame.printable(ch, glyphs), role) }
            col += 1
        }
        return col
    }

    /// `text` padded or cut to exactly `width` cells (an ellipsis marks a cut).
    public mutating func field(_ y: Int, _ x: Int, _ text: String, width: Int, _ role: Role = .text, alignRight: Bool = false) {
        guard width > 0 else { return }
        put(y, x, Frame.fit(text, width, ellipsis: glyphs.ellipsis, alignRight: alignRight), role, width: width)
    }

    public mutating func fill(_ y: Int, _ x: Int, width: Int, _ char: Character = " ", _ role: Role = .text) {
        guard y >= 0, y < rows else { return }
        for col in max(0, x)..<max(max(0, x), min(cols, x + width)) { cells[y * cols + col] = Cell(char, role) }
    }

    /// Paints `role` over a row's cells without changing their characters (a selection bar).
    public mutating func restyle(_ y: Int, _ x: Int, width: Int, _ role: Role) {
        guard y >= 0, y < rows else { return }
        for col in max(0, x)..<max(max(0, x), min(cols, x + width)) { cells[y * cols + col].role = role }
    }

    /// A titled box; returns the inner rectangle.
    @discardableResult
    public mutating func box(_ rect: Rect, title: String, focused: Bool, info: String = "") -> Rect {
        guard rect.height >= 2, rect.width >= 2 else { return Rect(y: rect.y, x: rect.x, height: 0, width: 0) }
        let g = glyphs, role: Role = focused ? .borderFocused : .border
        let right = rect.x + rect.width - 1, bottom = rect.y + rect.height - 1
        fill(rect.y, rect.x, width: rect.width, g.horizontal, role)
        fill(bottom, rect.x, width: rect.width, g.horizontal, role)
        for y in rect.y...bottom {
            put(y, rect.x, String(y == rect.y ? g.topLeft : y == bottom ? g.bottomLeft : g.vertical), role)
            put(y, right, String(y == rect.y ? g.topRight : y == bottom ? g.bottomRight : g.vertical), role)
        }
        var col = put(rect.y, rect.x + 1, " ", role)
        col = put(rect.y, col, title, focused ? .titleFocused : .title, width: max(0, right - col - 1))
        if !info.isEmpty, col < right - 3 {
            col = put(rect.y, col, " " + g.separator + " ", role, width: right - col - 1)
            col = put(rect.y, col, info, .header, width: max(0, right - col - 1))
        }
        if col < right { put(rect.y, col, " ", role) }
        return Rect(y: rect.y + 1, x: rect.x + 1, height: rect.height - 2, width: rect.width - 2)
    }

    /// The frame as plain text, one line per row (tests, README captures).
    public var text: String {
        (0..<rows).map { y in String(cells[(y * cols)..<((y + 1) * cols)].map(\.char)) }.joined(separator: "\n")
    }

    public func line(_ y: Int) -> String { String(cells[(y * cols)..<((y + 1) * cols)].map(\.char)) }

    static func printable(_ ch: Character, _ glyphs: Glyphs) -> Character {
        guard let scalar = ch.unicodeScalars.first, ch.unicodeScalars.count == 1 else { return "?" }
        if scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) { return " " }
        if !glyphs.unicode && scalar.value > 0x7E { return asciiStandIns[ch] ?? "?" }
        if scalar.value < 0x7F { return ch }
        return CellWidth.isSingle(scalar) ? ch : "?"
    }

    /// What the screen's own punctuation becomes without Unicode (anything else is `?`).
    static let asciiStandIns: [Character: Character] = [
        "–": "-", "—": "-", "…": "~", "→": ">", "←": "<", "↑": "^", "↓": "v", "×": "x", "·": "-",
        "■": "#", "▶": ">", "●": "*", "“": "\"", "”": "\"", "‘": "'", "’": "'", "±": "+",
    ]

    public static func fit(_ text: String, _ width: Int, ellipsis: Character = "…", alignRight: Bool = false) -> String {
        let count = text.count
        if count == width { return text }
        if count < width {
            let pad = String(repeating: " ", count: width - count)
            return alignRight ? pad + text : text + pad
        }
        return width <= 1 ? String(text.prefix(width)) : String(text.prefix(width - 1)) + String(ellipsis)
    }
}

public struct Rect: Equatable, Sendable {
    public var y, x, height, width: Int
    public init(y: Int, x: Int, height: Int, width: Int) { self.y = y; self.x = x; self.height = height; self.width = width }
}

/// Line drawing and marks for one character set.
public struct Glyphs: Equatable, Sendable {
    public var unicode: Bool
    public var horizontal: Character, vertical: Character
    public var topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character
    public var ellipsis: Character, cursor: Character, tag: Character, separator: String
    public var gaugeFull: Character, gaugeEmpty: Character
    /// Eight levels, lowest first, for sparklines.
    public var bars: [Character]

    public static let unicode = Glyphs(unicode: true, horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐",
                                       bottomLeft: "└", bottomRight: "┘", ellipsis: "…", cursor: "▶", tag: "●",
                                       separator: "·", gaugeFull: "█", gaugeEmpty: "░",
                                       bars: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"])
    public static let ascii = Glyphs(unicode: false, horizontal: "-", vertical: "|", topLeft: "+", topRight: "+",
                                     bottomLeft: "+", bottomRight: "+", ellipsis: "~", cursor: ">", tag: "*",
                                     separator: "-", gaugeFull: "#", gaugeEmpty: ".",
                                     bars: ["_", "_", ".", ".", "-", "-", "=", "#"])
}
