import Dispatch

/// The forest's prediction: P(cloud) = the mean over trees of the leaf's cloud fraction
/// (seed-algorithm.md §4; the original asked for the majority class instead, a **defect** that
/// made its cut-off inert), and the mask P(cloud) > cut-off.
public struct RandomForest: Sendable, Equatable {
    public let trees: [DecisionTree]
    public let featureCount: Int

    public init(trees: [DecisionTree], featureCount: Int) {
        self.trees = trees; self.featureCount = featureCount
    }

    /// P(cloud) of one sample.
    public func probability(_ x: [Float]) -> Float {
        guard !trees.isEmpty else { return 0 }
        var sum: Float = 0
        for tree in trees { sum += tree.predict { x[$0] } }
        return sum / Float(trees.count)
    }

    /// P(cloud) of every sample: `columns[f][i]` is feature f of sample i. When every feature
    /// holds only 0 and 1 (the default model's four tests) the forest is evaluated once per
    /// combination, 2^F walks in all, and each pixel is one table look-up: 500 trees cost
    /// nothing per pixel. Otherwise each pixel walks every tree.
    public func probabilities(columns: [[Float]], workers: Int = 1) -> [Float] {
        precondition(columns.count == featureCount, "expected \(featureCount) feature columns, got \(columns.count)")
        let n = columns.first?.count ?? 0
        if featureCount <= 16, columns.allSatisfy(Self.isBinary) {
            let table = (0..<(1 << featureCount)).map { code in
                probability((0..<featureCount).map { Float((code >> $0) & 1) })
            }
            var out = [Float](repeating: 0, count: n)
            for i in 0..<n {
                var code = 0
                for f in 0..<featureCount where columns[f][i] != 0 { code |= 1 << f }
                out[i] = table[code]
            }
            return out
        }
        let chunk = max(4096, (n + max(1, workers) * 4 - 1) / max(1, workers * 4))
        let starts = Array(stride(from: 0, to: n, by: chunk))
        let slots = ParallelSlots<[Float]>(count: starts.count)
        DispatchQueue.concurrentPerform(iterations: starts.count) { part in
            let range = starts[part]..<min(n, starts[part] + chunk)
            var x = [Float](repeating: 0, count: featureCount)
            var values = [Float](repeating: 0, count: range.count)
            for i in range {
                for f in 0..<featureCount { x[f] = columns[f][i] }
                values[i - range.lowerBound] = probability(x)
            }
            slots.set(part, values)
        }
        return slots.values.flatMap { $0 }
    }

    static func isBinary(_ column: [Float]) -> Bool { column.allSatisfy { $0 == 0 || $0 == 1 } }
}
