import Foundation
import VerdantTerminal

/// A time series drawn with braille characters (2×4 dots per cell) or, without Unicode, one
/// `*` per cell: NDVI against date, observed points as dots, filled values as a line.
struct BrailleChart {
    var observed: [PixelSeries.Point]
    var filled: [PixelSeries.Point]
    var low = -0.2, high = 1.0

    func lines(width: Int, height: Int, unicode: Bool) -> [String] {
        let all = (observed + filled).map(\.date)
        guard width > 0, height > 0, let first = all.min(), let last = all.max() else { return [] }
        let span = max(1, last.timeIntervalSince(first))
        let dotsX = unicode ? width * 2 : width, dotsY = unicode ? height * 4 : height
        var dots = Array(repeating: Array(repeating: false, count: dotsX), count: dotsY)
        func plot(_ date: Date, _ value: Double) {
            let x = Int((date.timeIntervalSince(first) / span * Double(dotsX - 1)).rounded())
            let clamped = min(high, max(low, value))
            let y = Int(((high - clamped) / (high - low) * Double(dotsY - 1)).rounded())
            dots[y][x] = true
        }
        // The filled curve, joined point to point.
        let curve = filled.compactMap { p in p.value.map { (p.date, $0) } }
        for (a, b) in zip(curve, curve.dropFirst()) {
            let steps = max(2, Int(b.0.timeIntervalSince(a.0) / span * Double(dotsX)) * 2)
            for s in 0...steps {
                let t = Double(s) / Double(steps)
                plot(a.0.addingTimeInterval(b.0.timeIntervalSince(a.0) * t), a.1 + (b.1 - a.1) * t)
            }
        }
        for p in observed { if let v = p.value { plot(p.date, v) } }
        guard unicode else {
            return dots.map { row in String(row.map { $0 ? "*" : " " }) }
        }
        let bits: [[UInt32]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        return (0..<height).map { cy in
            String((0..<width).map { cx -> Character in
                var code: UInt32 = 0
                for dy in 0..<4 { for dx in 0..<2 where dots[cy * 4 + dy][cx * 2 + dx] { code |= bits[dy][dx] } }
                return Character(Unicode.Scalar(0x2800 + code)!)
            })
        }
    }
}
