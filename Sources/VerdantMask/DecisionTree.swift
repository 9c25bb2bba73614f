/// One tree of the forest, as flat arrays (the model file's layout): node 0 is the root; a node
/// with `feature` −1 is a leaf whose `value` is the cloud fraction of its training samples;
/// otherwise a sample goes `left` when its feature value ≤ `threshold`, else `right`.
public struct DecisionTree: Codable, Sendable, Equatable {
    public var feature: [Int]
    public var threshold: [Float]
    public var left: [Int]
    public var right: [Int]
    public var value: [Float]

    public init(feature: [Int] = [], threshold: [Float] = [], left: [Int] = [], right: [Int] = [], value: [Float] = []) {
        self.feature = feature; self.threshold = threshold; self.left = left; self.right = right; self.value = value
    }

    public var nodeCount: Int { feature.count }

    /// The leaf value for one sample; `x(f)` gives feature f.
    @inline(__always)
    public func predict(_ x: (Int) -> Float) -> Float {
        var node = 0
        while feature[node] >= 0 {
            node = x(feature[node]) <= threshold[node] ? left[node] : right[node]
        }
        return value[node]
    }

    /// Why the arrays cannot be a tree (so a damaged model file is refused before use), or nil.
    func problem(featureCount: Int) -> String? {
        let n = feature.count
        guard n > 0 else { return "a tree has no nodes" }
        guard threshold.count == n, left.count == n, right.count == n, value.count == n else {
            return "a tree's node arrays differ in length"
        }
        for i in 0..<n {
            if feature[i] < 0 {
                guard value[i] >= 0 && value[i] <= 1 else { return "leaf \(i) has value \(value[i]), expected 0 to 1" }
                continue
            }
            guard feature[i] < featureCount else { return "node \(i) splits on feature \(feature[i]) of \(featureCount)" }
            // Children after their parent: no cycle, and every walk ends at a leaf.
            guard left[i] > i, left[i] < n, right[i] > i, right[i] < n else { return "node \(i) has children out of order" }
            guard threshold[i].isFinite else { return "node \(i) has no finite threshold" }
        }
        return nil
    }
}
