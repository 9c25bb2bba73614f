import Foundation

/// The default gap filling, "harmonic-residual": a harmonic baseline per pixel (2 harmonics
/// when its clear values span a year and number more than 6, 1 when more than 4, else their
/// mean) plus the baseline's residuals at the clear values around each gap, interpolated
/// linearly in time and faded with the distance d to the nearest clear value, exp(−d / 10 days),
/// so the fill follows the observations near them and relaxes to the season across long gaps.
/// Clipped to [−1, 1]. Chosen on withheld observations of the Slovenia series (README "Gap
/// filling"); the 90 % interval is ±1.85 σ of the residuals, σ ≥ 0.01 (0.10 with < 3 degrees
/// of freedom).
public struct HarmonicResidual: Sendable {
    public static let fadeDays = 10.0
    public static let intervalFactor = 1.85

    public init() {}

    public func fill(_ cube: SeriesCube, time: SeriesTime) -> FilledSeries {
        let P = cube.pixels, D = cube.dates
        var final = cube.values
        var quality = [Int8](repeating: FillQuality.none, count: cube.values.count)
        var halfWidth = [Float](repeating: .nan, count: cube.values.count)
        let days = time.days
        let rows2 = HarmonicBasis.matrix(t: time.t, harmonics: 2), rows1 = HarmonicBasis.matrix(t: time.t, harmonics: 1)
        var clear: [Int] = [], y: [Double] = [], residual: [Double] = []
        clear.reserveCapacity(D); y.reserveCapacity(D); residual.reserveCapacity(D)
        var baseline = [Double](repeating: 0, count: D)
        for p in 0..<P {
            clear.removeAll(keepingCapacity: true); y.removeAll(keepingCapacity: true)
            for d in 0..<D where !cube.values[d * P + p].isNaN { clear.append(d); y.append(Double(cube.values[d * P + p])) }
            let c = clear.count
            if c == 0 { continue }
            if c == D {
                for d in 0..<D { quality[d * P + p] = FillQuality.observed; halfWidth[d * P + p] = 0 }
                continue
            }
            let span = days[clear[c - 1]] - days[clear[0]]
            var code = FillQuality.harmonicConstant, parameters = 1
            var fitted = false
            for (order, rows, columns, minimum, label) in [(2, rows2, 6, 6, FillQuality.harmonic2), (1, rows1, 4, 4, FillQuality.harmonic1)]
            where !fitted && span >= 365.25 && c > minimum {
                guard let beta = Self.fit(rows: rows, columns: columns, clear: clear, y: y) else { continue }
                for d in 0..<D {
                    var v = 0.0
                    for k in 0..<columns { v += rows[d * columns + k] * beta[k] }
                    baseline[d] = v
                }
                _ = order
                code = label; parameters = columns; fitted = true
            }
            if !fitted {
                let mean = y.reduce(0, +) / Double(c)
                for d in 0..<D { baseline[d] = mean }
            }
            residual.removeAll(keepingCapacity: true)
            var squares = 0.0
            for (j, d) in clear.enumerated() { let r = y[j] - baseline[d]; residual.append(r); squares += r * r }
            var sigma = c - parameters < 3 ? 0.10 : (squares / Double(c - parameters)).squareRoot()
            sigma = max(sigma, 0.01)
            let half = Float(Self.intervalFactor * sigma)
            var next = 0
            for d in 0..<D {
                let index = d * P + p
                if next < c && clear[next] == d {
                    quality[index] = FillQuality.observed; halfWidth[index] = 0; next += 1
                    continue
                }
                let r: Double, distance: Double
                if next == 0 {
                    r = residual[0]; distance = days[clear[0]] - days[d]
                } else if next == c {
                    r = residual[c - 1]; distance = days[d] - days[clear[c - 1]]
                } else {
                    let a = clear[next - 1], b = clear[next]
                    let w = days[b] > days[a] ? (days[d] - days[a]) / (days[b] - days[a]) : 0
                    r = residual[next - 1] + (residual[next] - residual[next - 1]) * w
                    distance = min(days[d] - days[a], days[b] - days[d])
                }
                let value = min(max(baseline[d] + r * exp(-distance / Self.fadeDays), -1), 1)
                final[index] = Float(value)
                quality[index] = code
                halfWidth[index] = half
            }
        }
        return FilledSeries(final: final, quality: quality, halfWidth: halfWidth)
    }

    /// OLS by Cholesky on the normal equations; nil when a pivot falls to 1e-12 of the largest
    /// diagonal (no unique fit). Fine here: at most 6 well-scaled columns over a year or more.
    static func fit(rows: [Double], columns n: Int, clear: [Int], y: [Double]) -> [Double]? {
        var g = [Double](repeating: 0, count: n * n), b = [Double](repeating: 0, count: n)
        for (j, d) in clear.enumerated() {
            let base = d * n
            for r in 0..<n {
                let xr = rows[base + r]
                b[r] += xr * y[j]
                for c in 0...r { g[r * n + c] += xr * rows[base + c] }
            }
        }
        var largest = 0.0
        for i in 0..<n { largest = max(largest, g[i * n + i]) }
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = g[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    if s <= 1e-12 * largest { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        var z = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = b[i]
            for k in 0..<i { s -= l[i * n + k] * z[k] }
            z[i] = s / l[i * n + i]
        }
        var beta = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = z[i]
            for k in (i + 1)..<n { s -= l[k * n + i] * beta[k] }
            beta[i] = s / l[i * n + i]
        }
        return beta
    }
}
