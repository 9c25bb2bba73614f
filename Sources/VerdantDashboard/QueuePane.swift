import Foundation
import VerdantCore
import VerdantStyle
import VerdantTerminal

/// The task list: only the rows on screen are formatted, whatever the number of tasks.
struct QueuePane {
    var queue: QueueModel
    var now: Date
    /// Why there is nothing to list (no store yet, unreadable), shown in place of rows.
    var problem: String?
    /// Characters cut from the start of the long columns (← →).
    var shift = 0

    struct Column { var column: QueueModel.Column; var title: String; var width: Int; var right = false }

    /// Columns for the inside of the pane (two cells narrower than the screen): id, stage,
    /// state, tries, age and task id always; date, tile and error on screens of 120 columns
    /// and more; the output path from 180.
    static func columns(width: Int) -> [Column] {
        let screen = width + 2
        var fixed: [Column] = [Column(column: .stage, title: "stage", width: 10), Column(column: .state, title: "state", width: 11),
                               Column(column: .attempts, title: "try", width: 4, right: true), Column(column: .age, title: "age", width: 6, right: true),
                               Column(column: .task, title: "task", width: screen >= 120 ? 16 : 12)]
        if screen >= 120 {
            fixed.insert(Column(column: .date, title: "date", width: 11), at: 1)
            fixed.insert(Column(column: .tile, title: "tile", width: 7), at: 2)
        }
        let used = fixed.reduce(0) { $0 + $1.width + 1 } + 2
        var flexible = max(12, width - used)
        var out = [Column(column: .id, title: "id", width: 0)] + fixed
        if screen >= 120 {
            let idWidth = min(44, max(20, flexible / 2))
            out[0].width = idWidth
            flexible -= idWidth + 1
            if screen >= 180 {
                let errorWidth = max(10, flexible / 2)
                out.append(Column(column: .note, title: "error / reason", width: errorWidth))
                out.append(Column(column: .output, title: "output", width: max(8, flexible - errorWidth - 1)))
            } else {
                out.append(Column(column: .note, title: "error / reason", width: max(8, flexible)))
            }
        } else {
            out[0].width = flexible
        }
        return out
    }

    func draw(_ frame: inout Frame, in rect: Rect, focused: Bool) {
        var info = "\(Format.count(queue.view.count))"
        if queue.view.count != queue.rows.count { info += " of \(Format.count(queue.rows.count))" }
        info += " \(frame.glyphs.separator) by \(queue.sort.rawValue) \(queue.descending ? "↓" : "↑")"
        if !frame.glyphs.unicode { info = info.replacingOccurrences(of: "↓", with: "v").replacingOccurrences(of: "↑", with: "^") }
        if !queue.filter.isEmpty { info += " \(frame.glyphs.separator) filter: \(queue.filter.text)" }
        if !queue.tags.isEmpty { info += " \(frame.glyphs.separator) \(Format.count(queue.tags.count)) tagged" }
        if shift > 0 { info += " \(frame.glyphs.separator) text from column \(shift + 1)" }
        let inner = frame.box(rect, title: UIState.Pane.queue.title, focused: focused, info: info)
        guard inner.height > 1 else { return }
        let columns = Self.columns(width: inner.width)
        var x = inner.x + 2
        for c in columns {
            let marker = c.column == queue.sort ? (queue.descending ? "-" : "+") : ""
            frame.field(inner.y, x, c.title + marker, width: c.width, .header, alignRight: c.right)
            x += c.width + 1
        }
        let height = inner.height - 1
        if queue.view.isEmpty {
            let text = queue.rows.isEmpty ? (problem ?? "no tasks yet") : "no task matches the filter (/ to change it, Esc in the filter clears it)"
            frame.put(inner.y + 1, inner.x + 2, text, .dim, width: inner.width - 2)
            return
        }
        let first = queue.scroll
        for i in 0..<height {
            let index = first + i
            guard index < queue.view.count else { break }
            let row = queue.row(at: index)
            let y = inner.y + 1 + i
            let selected = index == queue.selection
            let tagged = queue.tags.contains(row.key)
            let changed = queue.changedAt[row.key] != nil
            frame.put(y, inner.x, selected ? String(frame.glyphs.cursor) : " ", selected ? .titleFocused : .text)
            frame.put(y, inner.x + 1, tagged ? String(frame.glyphs.tag) : " ", .tagged)
            x = inner.x + 2
            for c in columns {
                let role: Role = c.column == .state ? .state(row.state) : (changed && c.column == .id ? .changed : .text)
                let text = value(row, c.column)
                frame.field(y, x, Self.long.contains(c.column) ? String(text.dropFirst(shift)) : text, width: c.width, role, alignRight: c.right)
                x += c.width + 1
            }
            if selected && focused { frame.restyle(y, inner.x + 2, width: inner.width - 2, .selected) }
            else if tagged { frame.restyle(y, inner.x + 2, width: columns[0].width, .tagged) }
        }
        // Where the window is in the list, when it does not all fit.
        if queue.view.count > height {
            let end = min(queue.view.count, first + height)
            let position = " \(Format.count(first + 1))–\(Format.count(end)) of \(Format.count(queue.view.count)) "
            frame.put(rect.y + rect.height - 1, rect.x + rect.width - position.count - 2, position, .dim)
        }
    }

    /// The columns ← → scroll.
    static let long: Set<QueueModel.Column> = [.id, .note, .output]

    func value(_ row: TaskSummary, _ column: QueueModel.Column) -> String {
        switch column {
        case .id: return row.key.id
        case .stage: return row.key.stage.rawValue
        case .date: return Format.day(row.acquired)
        case .tile: return row.tile
        case .state: return row.state.rawValue
        case .attempts: return row.attempts == 0 ? "" : String(row.attempts)
        case .task: return row.taskId ?? "–"
        case .age: return Format.age(now.timeIntervalSince(row.updatedAt))
        case .note: return row.note ?? ""
        case .output: return row.output ?? ""
        }
    }
}
