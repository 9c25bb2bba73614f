import Foundation

/// The regressors of an n-harmonic model at one time: 1, t, cos t, sin t, …, cos nt, sin nt.
public enum HarmonicBasis {
    public static func count(harmonics n: Int) -> Int { 2 * n + 2 }

    public static func row(t: Double, harmonics n: Int, into row: inout [Double]) {
        row[0] = 1
        row[1] = t
        for k in 1...max(n, 1) where k <= n {
            let kt = Double(k) * t
            row[2 * k] = cos(kt)
            row[2 * k + 1] = sin(kt)
        }
    }

    /// The design matrix, row-major `rows × count(n)`.
    public static func matrix(t: [Double], harmonics n: Int) -> [Double] {
        let columns = count(harmonics: n)
        var result = [Double](repeating: 0, count: t.count * columns)
        var row = [Double](repeating: 0, count: columns)
        for (i, ti) in t.enumerated() {
            HarmonicBasis.row(t: ti, harmonics: n, into: &row)
            for j in 0..<columns { result[i * columns + j] = row[j] }
        }
        return result
    }
}

/// Ordinary least squares by Householder QR in double precision: the linear map from a
/// pixel's clear values to its coefficients, shared by every pixel of a clear pattern.
/// QR rather than normal equations: a 10-harmonic fit on 23 irregular dates is ill
/// conditioned enough that squaring the condition number costs digits.
public struct LeastSquaresOperator: Sendable {
    /// `columns × rows`, row-major: coefficients = solve · y.
    public let solve: [Double]
    public let rows: Int
    public let columns: Int

    /// nil when the design is rank deficient (a diagonal of R vanishes): no unique fit.
    public init?(design a: [Double], rows m: Int, columns n: Int) {
        precondition(m >= n && a.count == m * n)
        var r = a                                   // becomes R in its upper triangle
        var q = [Double](repeating: 0, count: m * m) // Qᵀ, built by applying reflections to I
        for i in 0..<m { q[i * m + i] = 1 }
        var v = [Double](repeating: 0, count: m)
        var scale = 0.0
        for i in 0..<m { for j in 0..<n { scale = max(scale, abs(a[i * n + j])) } }
        for k in 0..<n {
            var norm = 0.0
            for i in k..<m { norm += r[i * n + k] * r[i * n + k] }
            norm = norm.squareRoot()
            if norm <= 1e-12 * max(scale, 1) { return nil }
            let alpha = r[k * n + k] > 0 ? -norm : norm
            for i in 0..<m { v[i] = i < k ? 0 : r[i * n + k] }
            v[k] -= alpha
            var vv = 0.0
            for i in k..<m { vv += v[i] * v[i] }
            if vv == 0 { continue }
            for j in k..<n {
                var s = 0.0
                for i in k..<m { s += v[i] * r[i * n + j] }
                let f = 2 * s / vv
                for i in k..<m { r[i * n + j] -= f * v[i] }
            }
            for j in 0..<m {
                var s = 0.0
                for i in k..<m { s += v[i] * q[i * m + j] }
                let f = 2 * s / vv
                for i in k..<m { q[i * m + j] -= f * v[i] }
            }
        }
        for k in 0..<n where abs(r[k * n + k]) <= 1e-10 * max(scale, 1) { return nil }
        // solve = R⁻¹ (Qᵀ)[0..<n, :], by back substitution column by column of Qᵀ.
        var s = [Double](repeating: 0, count: n * m)
        for col in 0..<m {
            for i in stride(from: n - 1, through: 0, by: -1) {
                var x = q[i * m + col]
                for j in (i + 1)..<n { x -= r[i * n + j] * s[j * m + col] }
                s[i * m + col] = x / r[i * n + i]
            }
        }
        self.solve = s; self.rows = m; self.columns = n
    }

    /// `targets × rows`: the fitted values at the design rows `x` (targets × columns) from y.
    public func hat(at x: [Double], targets: Int) -> [Double] {
        var h = [Double](repeating: 0, count: targets * rows)
        for i in 0..<targets {
            for k in 0..<columns {
                let xik = x[i * columns + k]
                if xik == 0 { continue }
                for j in 0..<rows { h[i * rows + j] += xik * solve[k * rows + j] }
            }
        }
        return h
    }
}
