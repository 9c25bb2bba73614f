import Foundation

/// How far predictions fall from withheld truths: the figures `verdant evaluate-fill` prints.
public struct FillScore: Sendable, Codable, Equatable {
    public var method: String
    /// Withheld values the method predicted (a value it left unfilled is not counted, and
    /// `unfilled` says how many there were).
    public var n: Int
    public var unfilled: Int
    public var rmse: Double
    public var mae: Double
    public var medae: Double
    public var p95: Double
    /// Mean of prediction − truth.
    public var bias: Double
    /// Share of truths inside the method's 90 % interval, when it gives one.
    public var coverage90: Double?

    public init(method: String, predictions: [Float], truths: [Float], halfWidths: [Float]? = nil) {
        precondition(predictions.count == truths.count)
        var errors: [Double] = [], inside = 0, withInterval = 0
        for (i, (p, t)) in zip(predictions, truths).enumerated() where !t.isNaN {
            guard !p.isNaN else { continue }
            errors.append(Double(p) - Double(t))
            if let h = halfWidths?[i], !h.isNaN {
                withInterval += 1
                if abs(Double(p) - Double(t)) <= Double(h) { inside += 1 }
            }
        }
        self.method = method
        n = errors.count
        unfilled = truths.filter { !$0.isNaN }.count - errors.count
        let absolute = errors.map(abs).sorted()
        rmse = n == 0 ? .nan : (errors.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
        mae = n == 0 ? .nan : absolute.reduce(0, +) / Double(n)
        bias = n == 0 ? .nan : errors.reduce(0, +) / Double(n)
        medae = Self.quantile(absolute, 0.5)
        p95 = Self.quantile(absolute, 0.95)
        coverage90 = withInterval == 0 ? nil : Double(inside) / Double(withInterval)
    }

    /// Linear interpolation between order statistics (numpy's default percentile rule).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}
