import Dispatch
import Foundation

/// The original's gap filling (seed-algorithm.md §6): per pixel, least-squares fits with 10, 5
/// and 1 harmonics plus intercept and trend; a value missing from the series is filled by the
/// 10-harmonic fit, else the 5-, else the 1-harmonic one. A fit exists only with more clear
/// values than regressors; fitted values outside (−1, 1) are dropped for n > 1.
///
/// `literal` reproduces the original's defect: the fit is laid over the observed values too
/// (quality still says observed), so real observations change. Off by default; for comparison.
///
/// How it is fast: the 5- and 1-harmonic designs are the first 12 and 4 columns of the
/// 10-harmonic one, so their normal matrices are leading blocks of its normal matrix and their
/// Cholesky factors leading blocks of its factor: one matrix and one factorisation serve all
/// three orders. The normal matrix is a sum of per-date outer products (precomputed), taken
/// over the clear dates or subtracted over the missing ones, whichever are fewer, and shared by
/// every pixel of the same clear pattern. In double precision on a centred t it agrees with
/// numpy's per-pixel lstsq to 3e-8 NDVI on the Slovenia series (Benchmarks/fill_reference.py).
public struct SeedCascade: Sendable {
    public static let harmonics = [10, 5, 1]
    public var literal: Bool
    /// Threads filling pattern groups at once.
    public var threads: Int

    public init(literal: Bool = false, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.literal = literal; self.threads = max(1, threads)
    }

    static let columns = HarmonicBasis.count(harmonics: 10)     // 22
    static let packed = columns * (columns + 1) / 2              // 253

    public func fill(_ cube: SeriesCube, time: SeriesTime) -> FilledSeries {
        precondition(time.count == cube.dates)
        let D = cube.dates, P = cube.pixels, n = Self.columns
        var final = cube.values
        var quality = [Int8](repeating: FillQuality.none, count: cube.values.count)
        for i in 0..<cube.values.count where !cube.values[i].isNaN { quality[i] = FillQuality.observed }
        var x = HarmonicBasis.matrix(t: time.t, harmonics: 10)
        // The trend column scaled to [−1, 1] like the others (the fitted values do not change):
        // a better conditioned normal matrix.
        let span = max(time.t.map(abs).max() ?? 1, 1e-9)
        for d in 0..<D { x[d * n + 1] /= span }
        // Lower triangles of x_d x_dᵀ, packed row by row, and their sum over every date.
        var outer = [Double](repeating: 0, count: D * Self.packed), all = [Double](repeating: 0, count: Self.packed)
        for d in 0..<D {
            var k = 0
            for i in 0..<n { for j in 0...i { outer[d * Self.packed + k] = x[d * n + i] * x[d * n + j]; all[k] += outer[d * Self.packed + k]; k += 1 } }
        }
        let groups = ClearPatterns(cube).groups
        let context = Context(cube: cube, x: x, outer: outer, all: all, literal: literal)
        final.withUnsafeMutableBufferPointer { finalOut in
            quality.withUnsafeMutableBufferPointer { qualityOut in
                let out = Output(final: finalOut, quality: qualityOut)
                // Groups interleaved over the threads; each writes only its own pixels.
                DispatchQueue.concurrentPerform(iterations: threads) { worker in
                    var scratch = Scratch(dates: D)
                    var g = worker
                    while g < groups.count {
                        context.fill(groups[g], into: out, scratch: &scratch)
                        g += threads
                    }
                }
            }
        }
        _ = P
        return FilledSeries(final: final, quality: quality)
    }

    struct Output: @unchecked Sendable {
        let final: UnsafeMutableBufferPointer<Float>
        let quality: UnsafeMutableBufferPointer<Int8>
    }

    struct Scratch {
        var g = [Double](repeating: 0, count: SeedCascade.packed)
        var l = [Double](repeating: 0, count: SeedCascade.columns * SeedCascade.columns)
        var b = [Double](repeating: 0, count: SeedCascade.columns)
        var r = [Double](repeating: 0, count: SeedCascade.columns)
        var z = [Double](repeating: 0, count: SeedCascade.columns)
        var first = [Double](repeating: 0, count: SeedCascade.columns)
        var delta = [Double](repeating: 0, count: SeedCascade.columns)
        var beta = [[Double]](repeating: [Double](repeating: 0, count: SeedCascade.columns), count: 3)
        var solved = [Bool](repeating: false, count: 3)
        var y: [Double]
        init(dates: Int) { y = [Double](repeating: 0, count: dates) }
    }

    struct Context: @unchecked Sendable {
        let cube: SeriesCube
        let x: [Double]
        let outer: [Double]
        let all: [Double]
        let literal: Bool

        func fill(_ group: ClearPatterns.Group, into out: Output, scratch s: inout Scratch) {
            let m = group.clear.count, n = SeedCascade.columns, K = SeedCascade.packed
            let targets = literal ? Array(0..<cube.dates) : group.missing
            // The 1-harmonic fit needs more than 4 clear values; nothing to do without it.
            if targets.isEmpty || m <= HarmonicBasis.count(harmonics: 1) { return }
            // The normal matrix of this pattern.
            if m <= group.missing.count {
                for k in 0..<K { s.g[k] = 0 }
                for d in group.clear { for k in 0..<K { s.g[k] += outer[d * K + k] } }
            } else {
                for k in 0..<K { s.g[k] = all[k] }
                for d in group.missing { for k in 0..<K { s.g[k] -= outer[d * K + k] } }
            }
            // Cholesky, stopping at the first pivot that vanishes: the orders whose columns all
            // come before it (and with enough clear values) have a unique fit.
            var rank = 0
            for i in 0..<n {
                var ok = true
                for j in 0...i {
                    var v = s.g[i * (i + 1) / 2 + j]
                    for k in 0..<j { v -= s.l[i * n + k] * s.l[j * n + k] }
                    if i == j {
                        if v <= 1e-11 * s.g[i * (i + 1) / 2 + i] || v <= 0 { ok = false; break }
                        s.l[i * n + i] = v.squareRoot()
                    } else {
                        s.l[i * n + j] = v / s.l[j * n + j]
                    }
                }
                if !ok { break }
                rank = i + 1
            }
            let orders = SeedCascade.harmonics.map { h -> Int in
                let c = HarmonicBasis.count(harmonics: h)
                return m > c && rank >= c ? c : 0
            }
            guard orders.contains(where: { $0 > 0 }) else { return }
            let P = cube.pixels
            for p32 in group.pixels {
                let p = Int(p32)
                for d in group.clear { s.y[d] = Double(cube.values[d * P + p]) }
                for j in 0..<n { s.b[j] = 0 }
                for d in group.clear {
                    let yd = s.y[d], row = d * n
                    for j in 0..<n { s.b[j] += x[row + j] * yd }
                }
                s.solved[0] = false; s.solved[1] = false; s.solved[2] = false
                for d in targets {
                    var chosen = 0
                    var value = 0.0
                    for level in 0..<3 where orders[level] > 0 {
                        let c = orders[level]
                        if !s.solved[level] { solve(columns: c, level: level, clear: group.clear, scratch: &s) }
                        value = 0
                        for j in 0..<c { value += x[d * n + j] * s.beta[level][j] }
                        // For more than one harmonic, a value outside (−1, 1) is dropped.
                        if level == 2 || (value > -1 && value < 1) { chosen = SeedCascade.harmonics[level]; break }
                    }
                    guard chosen > 0 else { continue }
                    let index = d * P + p
                    out.final[index] = Float(value)
                    if out.quality[index] != FillQuality.observed { out.quality[index] = Int8(chosen) }
                }
            }
        }

        /// β of the leading `c` columns: L_c L_cᵀ β = b_c, then one step of iterative refinement
        /// on the clear values' residuals, which wins back the digits the normal equations lose
        /// on a 10-harmonic fit.
        func solve(columns c: Int, level: Int, clear: [Int], scratch s: inout Scratch) {
            let n = SeedCascade.columns
            Self.triangularSolves(c, l: s.l, rhs: s.b, into: &s.first, z: &s.z)
            for j in 0..<c { s.r[j] = 0 }
            for d in clear {
                var fit = 0.0
                for j in 0..<c { fit += x[d * n + j] * s.first[j] }
                let e = s.y[d] - fit
                for j in 0..<c { s.r[j] += x[d * n + j] * e }
            }
            Self.triangularSolves(c, l: s.l, rhs: s.r, into: &s.delta, z: &s.z)
            for j in 0..<c { s.beta[level][j] = s.first[j] + s.delta[j] }
            s.solved[level] = true
        }

        static func triangularSolves(_ c: Int, l: [Double], rhs: [Double], into beta: inout [Double], z: inout [Double]) {
            let n = SeedCascade.columns
            for i in 0..<c {
                var v = rhs[i]
                for k in 0..<i { v -= l[i * n + k] * z[k] }
                z[i] = v / l[i * n + i]
            }
            for i in stride(from: c - 1, through: 0, by: -1) {
                var v = z[i]
                for k in (i + 1)..<c { v -= l[k * n + i] * beta[k] }
                beta[i] = v / l[i * n + i]
            }
        }
    }
}
