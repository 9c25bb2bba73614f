/// Linear interpolation in time between a pixel's nearest clear values before and after;
/// before the first and after the last, the nearest clear value. A pixel with no clear value
/// stays unfilled.
public struct LinearFill: Sendable {
    public init() {}

    public func fill(_ cube: SeriesCube, time: SeriesTime) -> FilledSeries {
        var final = cube.values
        var quality = [Int8](repeating: FillQuality.none, count: cube.values.count)
        let P = cube.pixels, D = cube.dates, s = time.seconds
        var clear: [Int] = []
        clear.reserveCapacity(D)
        for p in 0..<P {
            clear.removeAll(keepingCapacity: true)
            for d in 0..<D where !cube.values[d * P + p].isNaN { clear.append(d) }
            if clear.isEmpty { continue }
            var next = 0
            for d in 0..<D {
                let index = d * P + p
                if next < clear.count && clear[next] == d {
                    quality[index] = FillQuality.observed
                    next += 1
                    continue
                }
                let value: Float
                quality[index] = FillQuality.linearBetween
                if next == 0 {
                    value = cube.values[clear[0] * P + p]
                    quality[index] = FillQuality.linearEnd
                } else if next == clear.count {
                    value = cube.values[clear[clear.count - 1] * P + p]
                    quality[index] = FillQuality.linearEnd
                } else {
                    let a = clear[next - 1], b = clear[next]
                    let w = s[b] > s[a] ? (s[d] - s[a]) / (s[b] - s[a]) : 0
                    value = Float(Double(cube.values[a * P + p]) * (1 - w) + Double(cube.values[b * P + p]) * w)
                }
                final[index] = value
            }
        }
        return FilledSeries(final: final, quality: quality)
    }
}
