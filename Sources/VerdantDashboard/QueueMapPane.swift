import Foundation
import VerdantCore
import VerdantStyle
import VerdantTerminal

/// Tiles down, dates across, one coloured cell per tile and day.
struct QueueMapPane {
    var map: QueueMap

    func draw(_ frame: inout Frame, in rect: Rect) {
        let span = map.days.first.map { first in "\(Format.day(first))…\(Format.day(map.days.last!))" } ?? "no images"
        let inner = frame.box(rect, title: "Queue map", focused: false, info: span)
        guard inner.height > 0, inner.width > 10 else { return }
        let labelWidth = 8
        let columns = map.columns(width: inner.width - labelWidth - 1)
        let cell: Character = frame.glyphs.unicode ? "■" : "#"
        for (i, tile) in map.tiles.prefix(inner.height).enumerated() {
            let y = inner.y + i
            frame.field(y, inner.x + 1, tile, width: labelWidth - 1, .dim)
            for (j, state) in columns[i].enumerated() {
                frame.put(y, inner.x + labelWidth + j, state == nil ? " " : String(cell), state.map(Role.state) ?? .text)
            }
        }
        if map.tiles.count > inner.height {
            frame.put(rect.y + rect.height - 1, rect.x + 2, " +\(map.tiles.count - inner.height) tiles ", .dim)
        }
    }
}
