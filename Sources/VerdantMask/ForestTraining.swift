import Dispatch

/// Grows a random forest (Breiman 2001) on labelled samples: each tree on a bootstrap sample
/// (n draws with replacement) by CART with Gini impurity, choosing each split among a random
/// ⌊√F⌋ of the F features, at the midpoint between two successive distinct values. Trees are
/// grown in parallel, each from its own seeded stream, so the forest does not depend on the
/// number of threads.
public struct ForestTraining: Sendable {
    public struct Settings: Sendable, Equatable, Codable {
        public var trees = 500
        public var maxDepth = 20
        public var minLeaf = 1
        public var seed: UInt64 = 0x5EED_F0E5
        /// Features tried at each split; nil: ⌊√F⌋, at least 1.
        public var featuresPerSplit: Int? = nil
        public init() {}
    }

    public let settings: Settings
    public init(settings: Settings) { self.settings = settings }

    /// The forest and, for each sample, its out-of-bag P(cloud): the mean over the trees whose
    /// bootstrap left it out (NaN if every tree drew it), an honest estimate of accuracy on
    /// samples like the training ones.
    public func trainWithOutOfBag(columns: [[Float]], labels: [UInt8], workers: Int = 1) -> (trees: [DecisionTree], outOfBag: [Float]) {
        let trees = train(columns: columns, labels: labels, workers: workers)
        let n = labels.count
        var sums = [Float](repeating: 0, count: n), counts = [Int](repeating: 0, count: n)
        for (t, tree) in trees.enumerated() {
            var inBag = [Bool](repeating: false, count: n)
            let drawn = bootstrap(tree: t, n: n).indices
            for i in drawn { inBag[i] = true }
            for i in 0..<n where !inBag[i] {
                sums[i] += tree.predict { columns[$0][i] }
                counts[i] += 1
            }
        }
        return (trees, (0..<n).map { counts[$0] > 0 ? sums[$0] / Float(counts[$0]) : .nan })
    }

    /// `columns[f][i]` is feature f of sample i; `labels[i]` is 1 cloud, 0 clear.
    public func train(columns: [[Float]], labels: [UInt8], workers: Int = 1) -> [DecisionTree] {
        let n = labels.count
        precondition(!columns.isEmpty && columns.allSatisfy { $0.count == n }, "every feature needs one value per sample")
        precondition(n > 0, "no training samples")
        let count = settings.trees
        let slots = ParallelSlots<DecisionTree>(count: count)
        let chunks = max(1, min(workers, count))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for t in stride(from: chunk, to: count, by: chunks) {
                slots.set(t, grow(columns: columns, labels: labels, tree: t))
            }
        }
        return slots.values
    }

    /// Tree t's bootstrap sample and the stream that goes on to grow it.
    func bootstrap(tree t: Int, n: Int) -> (indices: [Int], rng: SplitMix64) {
        var rng = SplitMix64(seed: settings.seed &+ UInt64(t) &* 0x9E37_79B9)
        let indices = (0..<n).map { _ in rng.below(n) }
        return (indices, rng)
    }

    func grow(columns: [[Float]], labels: [UInt8], tree: Int) -> DecisionTree {
        let n = labels.count
        var (indices, rng) = bootstrap(tree: tree, n: n)
        var builder = TreeBuilder(columns: columns, labels: labels, settings: settings,
                                  perSplit: settings.featuresPerSplit ?? max(1, Int(Double(columns.count).squareRoot())))
        builder.build(&indices, range: 0..<n, depth: 0, rng: &rng)
        return builder.tree
    }
}

/// Grows one tree into flat arrays, depth first, parents before children.
struct TreeBuilder {
    let columns: [[Float]]
    let labels: [UInt8]
    let settings: ForestTraining.Settings
    let perSplit: Int
    var tree = DecisionTree()
    private var pairs: [(Float, UInt8)] = []

    init(columns: [[Float]], labels: [UInt8], settings: ForestTraining.Settings, perSplit: Int) {
        self.columns = columns; self.labels = labels; self.settings = settings; self.perSplit = perSplit
    }

    @discardableResult
    mutating func build(_ indices: inout [Int], range: Range<Int>, depth: Int, rng: inout SplitMix64) -> Int {
        let node = tree.nodeCount
        var clouds = 0
        for i in range where labels[indices[i]] == 1 { clouds += 1 }
        let total = range.count
        tree.feature.append(-1); tree.threshold.append(0); tree.left.append(-1); tree.right.append(-1)
        tree.value.append(Float(clouds) / Float(max(1, total)))
        guard clouds > 0, clouds < total, depth < settings.maxDepth, total >= 2 * settings.minLeaf,
              let split = bestSplit(indices, range: range, clouds: clouds, rng: &rng) else { return node }
        // Partition in place: samples going left first.
        var middle = range.lowerBound
        let column = columns[split.feature]
        for i in range where column[indices[i]] <= split.threshold {
            indices.swapAt(i, middle); middle += 1
        }
        tree.feature[node] = split.feature
        tree.threshold[node] = split.threshold
        tree.left[node] = build(&indices, range: range.lowerBound..<middle, depth: depth + 1, rng: &rng)
        tree.right[node] = build(&indices, range: middle..<range.upperBound, depth: depth + 1, rng: &rng)
        return node
    }

    /// The split of lowest weighted Gini impurity among `perSplit` features drawn without
    /// replacement; when none of them improves the node, further features are drawn until one
    /// does, so an uninformative draw does not end the branch (with one feature tried per split,
    /// a forest of two features would otherwise stop at the root half the time). nil when no
    /// feature improves the node.
    mutating func bestSplit(_ indices: [Int], range: Range<Int>, clouds: Int,
                            rng: inout SplitMix64) -> (feature: Int, threshold: Float)? {
        var candidates = Array(columns.indices)
        for i in 0..<candidates.count { candidates.swapAt(i, i + rng.below(candidates.count - i)) }
        let total = Double(range.count)
        // Gini of the parent × n; a split must do strictly better.
        var bestScore = Self.giniTimesCount(Double(clouds), total)
        var best: (Int, Float)?
        for (tried, f) in candidates.enumerated() {
            if tried >= perSplit && best != nil { break }
            let column = columns[f]
            pairs.removeAll(keepingCapacity: true)
            for i in range { let s = indices[i]; pairs.append((column[s], labels[s])) }
            pairs.sort { $0.0 < $1.0 }
            var leftCount = 0.0, leftClouds = 0.0
            for i in 0..<(pairs.count - 1) {
                leftCount += 1; leftClouds += Double(pairs[i].1)
                let (value, next) = (pairs[i].0, pairs[i + 1].0)
                guard value < next, leftCount >= Double(settings.minLeaf), total - leftCount >= Double(settings.minLeaf) else { continue }
                let score = Self.giniTimesCount(leftClouds, leftCount)
                    + Self.giniTimesCount(Double(clouds) - leftClouds, total - leftCount)
                if score < bestScore - 1e-9 {
                    bestScore = score
                    best = (f, value + (next - value) / 2)
                }
            }
        }
        return best.map { (feature: $0.0, threshold: $0.1) }
    }

    /// n × Gini impurity of a node with `clouds` of `n` samples cloudy: n × 2p(1 − p).
    @inline(__always) static func giniTimesCount(_ clouds: Double, _ n: Double) -> Double {
        guard n > 0 else { return 0 }
        let p = clouds / n
        return n * 2 * p * (1 - p)
    }
}
