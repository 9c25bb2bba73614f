/// The default gap filling ("harmonic-linear"): a 1-harmonic fit (intercept, trend, one
/// annual harmonic) carries the season across long gaps, and the residuals of the nearest
/// clear values before and after, interpolated linearly in time, pull the curve onto the
/// observations around each gap. Pixels with too few clear values for the fit (≤ 4) are
/// filled by straight lines between clear values (`LinearFill`).
public struct HarmonicLinear: Sendable {
    public init() {}

    public func fill(_ cube: SeriesCube, time: SeriesTime) -> FilledSeries {
        var result = LinearFill().fill(cube, time: time)
        let P = cube.pixels, s = time.seconds
        let n = 1, columns = HarmonicBasis.count(harmonics: n)
        for group in ClearPatterns(cube).groups where group.clear.count > columns && !group.missing.isEmpty {
            let m = group.clear.count
            guard let ls = LeastSquaresOperator(design: HarmonicBasis.matrix(t: group.clear.map { time.t[$0] }, harmonics: n),
                                                rows: m, columns: columns) else { continue }
            let all = HarmonicBasis.matrix(t: time.t, harmonics: n)
            // For each missing date: the clear dates around it and the linear weight between them.
            let brackets: [(d: Int, before: Int?, after: Int?, w: Double)] = group.missing.map { d in
                let after = group.clear.firstIndex { $0 > d }
                let before = after.map { $0 > 0 ? $0 - 1 : nil } ?? (m - 1)
                var w = 0.0
                if let b = before, let a = after {
                    w = (s[d] - s[group.clear[b]]) / (s[group.clear[a]] - s[group.clear[b]])
                }
                return (d, before, after, w)
            }
            var y = [Double](repeating: 0, count: m), beta = [Double](repeating: 0, count: columns)
            var residual = [Double](repeating: 0, count: m)
            for p32 in group.pixels {
                let p = Int(p32)
                for (j, d) in group.clear.enumerated() { y[j] = Double(cube.values[d * P + p]) }
                for k in 0..<columns {
                    var b = 0.0
                    for j in 0..<m { b += ls.solve[k * m + j] * y[j] }
                    beta[k] = b
                }
                func model(_ d: Int) -> Double {
                    var v = 0.0
                    for k in 0..<columns { v += all[d * columns + k] * beta[k] }
                    return v
                }
                for (j, d) in group.clear.enumerated() { residual[j] = y[j] - model(d) }
                for bracket in brackets {
                    let r: Double
                    switch (bracket.before, bracket.after) {
                    case let (b?, a?): r = residual[b] * (1 - bracket.w) + residual[a] * bracket.w
                    case let (b?, nil): r = residual[b]
                    case let (nil, a?): r = residual[a]
                    default: r = 0
                    }
                    let value = min(max(model(bracket.d) + r, -1), 1)
                    let index = bracket.d * P + p
                    result.final[index] = Float(value)
                    result.quality[index] = bracket.before != nil && bracket.after != nil ? FillQuality.harmonicBetween : FillQuality.harmonicEnd
                }
            }
        }
        return result
    }
}
