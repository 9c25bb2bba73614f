/// The original's gap filling (seed-algorithm.md §6): per pixel, least-squares fits with 10, 5
/// and 1 harmonics plus intercept and trend; a value missing from the series is filled by the
/// 10-harmonic fit, else the 5-, else the 1-harmonic one. A fit exists only with more clear
/// values than regressors; fitted values outside (−1, 1) are dropped for n > 1.
///
/// `literal` reproduces the original's defect: the fit is laid over the observed values too
/// (quality still says observed), so real observations change. Off by default; for comparison.
public struct SeedCascade: Sendable {
    public static let harmonics = [10, 5, 1]
    public var literal: Bool

    public init(literal: Bool = false) { self.literal = literal }

    public func fill(_ cube: SeriesCube, time: SeriesTime) -> FilledSeries {
        precondition(time.count == cube.dates)
        var final = cube.values
        var quality = [Int8](repeating: FillQuality.none, count: cube.values.count)
        for d in 0..<cube.dates {
            for p in 0..<cube.pixels where !cube.values[d * cube.pixels + p].isNaN {
                quality[d * cube.pixels + p] = FillQuality.observed
            }
        }
        for group in ClearPatterns(cube).groups {
            fill(group, cube: cube, time: time, final: &final, quality: &quality)
        }
        return FilledSeries(final: final, quality: quality)
    }

    /// One clear pattern: the operators of each harmonic order once, then every pixel.
    private func fill(_ group: ClearPatterns.Group, cube: SeriesCube, time: SeriesTime,
                      final: inout [Float], quality: inout [Int8]) {
        let m = group.clear.count
        let targets = literal ? Array(0..<cube.dates) : group.missing
        if targets.isEmpty || m == 0 { return }
        // Hat matrices (targets × m) for each order that has a fit.
        var hats: [(n: Int, h: [Double])] = []
        for n in Self.harmonics where m > HarmonicBasis.count(harmonics: n) {
            let columns = HarmonicBasis.count(harmonics: n)
            let design = HarmonicBasis.matrix(t: group.clear.map { time.t[$0] }, harmonics: n)
            guard let ls = LeastSquaresOperator(design: design, rows: m, columns: columns) else { continue }
            hats.append((n, ls.hat(at: HarmonicBasis.matrix(t: targets.map { time.t[$0] }, harmonics: n), targets: targets.count)))
        }
        if hats.isEmpty { return }
        let g = group.pixels.count, P = cube.pixels
        // Clear values of the group, m × g, so the first hat's product runs along pixels.
        var y = [Double](repeating: 0, count: m * g)
        for (j, d) in group.clear.enumerated() {
            for (k, p) in group.pixels.enumerated() { y[j * g + k] = Double(cube.values[d * P + Int(p)]) }
        }
        var fitted = [Double](repeating: 0, count: g)
        let first = hats[0]
        for (i, d) in targets.enumerated() {
            for k in 0..<g { fitted[k] = 0 }
            first.h.withUnsafeBufferPointer { h in
                y.withUnsafeBufferPointer { y in
                    fitted.withUnsafeMutableBufferPointer { f in
                        for j in 0..<m {
                            let w = h[i * m + j], row = j * g
                            for k in 0..<g { f[k] += w * y[row + k] }
                        }
                    }
                }
            }
            for k in 0..<g {
                // The first order that gives a usable value; the others only when needed.
                var value = fitted[k], order = first.n
                var level = 0
                while order > 1 && !(value > -1 && value < 1) {
                    level += 1
                    if level == hats.count { order = 0; break }
                    order = hats[level].n
                    value = 0
                    for j in 0..<m { value += hats[level].h[i * m + j] * y[j * g + k] }
                }
                guard order > 0 else { continue }
                let index = d * P + Int(group.pixels[k])
                final[index] = Float(value)
                if quality[index] != FillQuality.observed { quality[index] = Int8(order) }
            }
        }
    }
}
