import VerdantStyle
import VerdantTerminal

/// The end of the log file, coloured by level; scrolls back, finds text.
struct LogPane {
    var log: LogTail
    /// The bottom line's lasting number when scrolled back; nil: following the tail.
    var anchor: Int?
    var search: String
    var match: Int?
    /// Characters cut from the start of each line (← →).
    var shift = 0

    /// The index of the line at the bottom: the anchored one (the first screenful's last when
    /// it was dropped from the tail), else the newest.
    static func bottom(of log: LogTail, anchor: Int?, rows: Int) -> Int {
        let last = max(0, log.lines.count - 1)
        guard let anchor else { return last }
        return log.index(ofNumber: anchor) ?? min(last, max(0, rows - 1))
    }

    func draw(_ frame: inout Frame, in rect: Rect, focused: Bool) {
        let rows = max(1, rect.height - 2)
        let bottom = Self.bottom(of: log, anchor: anchor, rows: rows)
        let back = anchor == nil ? 0 : max(0, log.lines.count - 1 - bottom)
        var info = anchor == nil ? "following \(log.path)" : "\(back) lines back (G: follow)"
        if !search.isEmpty { info += " \(frame.glyphs.separator) search: \(search)" }
        if shift > 0 { info += " \(frame.glyphs.separator) from column \(shift + 1)" }
        let inner = frame.box(rect, title: UIState.Pane.log.title, focused: focused, info: info)
        guard inner.height > 0 else { return }
        let lines = log.lines
        if lines.isEmpty {
            frame.put(inner.y, inner.x + 1, "no log yet", .dim)
            return
        }
        let end = min(lines.count, bottom + 1)
        let start = max(0, end - inner.height)
        for (i, index) in (start..<end).enumerated() {
            let line = lines[index]
            let role: Role = index == match ? .selected : line.level.map(Role.log) ?? .text
            frame.put(inner.y + i, inner.x + 1, String(LogTail.display(line.text).dropFirst(shift)), role, width: inner.width - 1)
        }
    }
}
