import VerdantStyle
import VerdantTerminal

/// The end of the log file, coloured by level; scrolls back, finds text.
struct LogPane {
    var log: LogTail
    var back: Int
    var search: String
    var match: Int?
    /// Characters cut from the start of each line (← →).
    var shift = 0

    func draw(_ frame: inout Frame, in rect: Rect, focused: Bool) {
        var info = back == 0 ? "following \(log.path)" : "\(back) lines back (G: follow)"
        if !search.isEmpty { info += " \(frame.glyphs.separator) search: \(search)" }
        if shift > 0 { info += " \(frame.glyphs.separator) from column \(shift + 1)" }
        let inner = frame.box(rect, title: UIState.Pane.log.title, focused: focused, info: info)
        guard inner.height > 0 else { return }
        let lines = log.lines
        if lines.isEmpty {
            frame.put(inner.y, inner.x + 1, "no log yet", .dim)
            return
        }
        let end = max(0, lines.count - back)
        let start = max(0, end - inner.height)
        for (i, index) in (start..<end).enumerated() {
            let line = lines[index]
            let role: Role = index == match ? .selected : line.level.map(Role.log) ?? .text
            frame.put(inner.y + i, inner.x + 1, String(LogTail.display(line.text).dropFirst(shift)), role, width: inner.width - 1)
        }
    }
}
