import Foundation
import VerdantCore
import VerdantStyle
import VerdantTerminal

/// Enter on a task: its fields, its error in full, its outputs, its journal, and the NDVI
/// series of a pixel (moved with the arrow keys) once NDVI outputs exist.
struct DetailsView {
    var state: DetailsState
    var data: DashboardData
    var now: Date

    /// The inside of the view for a screen: where its lines go.
    static func inner(rows: Int, cols: Int) -> Rect { Rect(y: 2, x: 1, height: max(0, rows - 4), width: max(0, cols - 2)) }

    /// How far the view scrolls: its last line at the bottom, no further.
    func maxScroll(rows: Int, cols: Int, glyphs: Glyphs) -> Int {
        let inner = Self.inner(rows: rows, cols: cols)
        return max(0, lines(width: inner.width, glyphs: glyphs).count - inner.height)
    }

    func draw(_ frame: inout Frame) {
        let rect = Rect(y: 1, x: 0, height: frame.rows - 2, width: frame.cols)
        for y in rect.y..<(rect.y + rect.height) { frame.fill(y, 0, width: frame.cols) }
        let inner = frame.box(rect, title: "Task \(state.key)", focused: true, info: "Esc: back  PgUp PgDn: scroll  h j k l / arrows: move the pixel (H J K L: by 10)")
        for (i, line) in lines(width: inner.width, glyphs: frame.glyphs).dropFirst(state.scroll).prefix(inner.height).enumerated() {
            frame.put(inner.y + i, inner.x + 1, line.0, line.1, width: inner.width - 2)
        }
    }

    func lines(width: Int, glyphs: Glyphs) -> [(String, Role)] {
        let arrow = glyphs.unicode ? "→" : "->"
        var lines: [(String, Role)] = []
        if let r = state.record {
            lines.append(("state      \(r.state.rawValue)", .state(r.state)))
            lines.append(("acquired   \(Format.day(r.acquired))   tile \(r.tile)   cloud cover \(r.cloudCover.map { String(format: "%.0f %%", $0) } ?? "-")", .text))
            lines.append(("attempts   \(r.attempts) (submissions \(r.submissions))   engine \(r.engine ?? "-")   task \(r.taskId ?? "-")   request \(r.requestId ?? "-")", .text))
            lines.append(("updated    \(Format.clock(r.updatedAt)) (\(Format.age(now.timeIntervalSince(r.updatedAt))) ago)   fingerprint \(r.paramsHash.map { String($0.prefix(12)) } ?? "-")", .text))
            lines.append(("source     \(r.source)", .dim))
            if let reason = r.reason { lines.append(contentsOf: Format.wrap("reason     " + reason, width: width - 2).map { ($0, .warning) }) }
            if let error = r.error { lines.append(contentsOf: Format.wrap("error      " + error, width: width - 2).map { ($0, .error) }) }
        } else {
            lines.append(("this task is no longer in the store", .warning))
        }
        lines.append(("", .text))
        lines.append(("Outputs", .header))
        if state.outputs.isEmpty { lines.append(("  none yet", .dim)) }
        for o in state.outputs { lines.append(("  \(o.path)  \(Format.bytes(o.bytes))", .text)) }
        lines.append(("", .text))
        lines.append(("Journal (oldest first)", .header))
        for e in state.journal {
            lines.append(("  \(Format.day(e.at)) \(Format.clock(e.at))  \(e.from.rawValue) \(arrow) \(e.to.rawValue)  \(e.detail ?? "")", .state(e.to)))
        }
        lines.append(("", .text))
        lines.append(contentsOf: chart(width: width - 2, glyphs: glyphs))
        return lines
    }

    private func chart(width: Int, glyphs: Glyphs) -> [(String, Role)] {
        var out: [(String, Role)] = [("NDVI at pixel row \(state.pixel.row), column \(state.pixel.col)", .header)]
        if let problem = state.seriesProblem { return out + [("  " + problem, .dim)] }
        guard let series = state.series else { return out + [("  no NDVI output for this tile yet", .dim)] }
        let clear = series.observed.filter { $0.value != nil }.count
        out[0].0 += "  (grid \(series.gridRows)\(glyphs.unicode ? "×" : "x")\(series.gridCols); \(clear) clear of \(series.observed.count) dates\(series.filled.isEmpty ? "" : ", filled line") )"
        let plot = BrailleChart(observed: series.observed, filled: series.filled)
        let height = 6
        let rows = plot.lines(width: max(10, width - 8), height: height, unicode: glyphs.unicode)
        for (i, row) in rows.enumerated() {
            let label = i == 0 ? " 1.0 " : i == height - 1 ? "-0.2 " : i == height / 2 ? " 0.4 " : "     "
            out.append((label + String(glyphs.vertical) + row, .sparkline))
        }
        if let first = series.observed.first?.date, let last = series.observed.last?.date {
            out.append(("     " + Format.day(first) + String(repeating: " ", count: max(1, width - 32)) + Format.day(last), .dim))
        }
        return out
    }
}
