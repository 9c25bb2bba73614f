/// k-means on standardised samples (seed-algorithm.md §3 step 5), deterministic: k-means++
/// centres drawn from a `SplitMix64` stream, then Lloyd iterations until no sample changes
/// cluster (at most `maxIterations`). A cluster left empty keeps its centre; a tie between two
/// centres goes to the lower index. Samples are rows of `dimensions` values.
public struct KMeans: Sendable {
    public let dimensions: Int
    /// `k × dimensions`, row-major.
    public private(set) var centres: [Float]
    public var k: Int { centres.count / max(1, dimensions) }
    public private(set) var iterations = 0

    public static let maxIterations = 100

    public init(dimensions: Int, centres: [Float]) {
        self.dimensions = dimensions; self.centres = centres
    }

    /// Fits k = min(clusters, samples) centres. `samples` holds `n × dimensions` values.
    public static func fit(samples: [Float], dimensions d: Int, clusters: Int, rng: inout SplitMix64) -> KMeans {
        let n = samples.count / d
        let k = min(clusters, n)
        guard k > 0 else { return KMeans(dimensions: d, centres: []) }
        var centres = [Float]()
        centres.reserveCapacity(k * d)
        // k-means++: the first centre uniformly, each next one with probability proportional to
        // the squared distance to the nearest centre chosen so far.
        let first = rng.below(n)
        centres += samples[first * d..<(first + 1) * d]
        var nearest = [Double](repeating: .infinity, count: n)
        for c in 1..<k {
            let last = (c - 1) * d
            var total = 0.0
            for i in 0..<n {
                let dist = Double(squaredDistance(samples, i * d, centres, last, d))
                if dist < nearest[i] { nearest[i] = dist }
                total += nearest[i]
            }
            var pick = n - 1
            if total > 0 {
                var target = rng.unit() * total
                for i in 0..<n {
                    target -= nearest[i]
                    if target < 0 { pick = i; break }
                }
            } else {
                _ = rng.unit()
                pick = c % n
            }
            centres += samples[pick * d..<(pick + 1) * d]
        }
        var model = KMeans(dimensions: d, centres: centres)
        model.lloyd(samples: samples)
        return model
    }

    private mutating func lloyd(samples: [Float]) {
        let d = dimensions, n = samples.count / d, k = self.k
        var assignment = [Int](repeating: -1, count: n)
        for iteration in 1...Self.maxIterations {
            var changed = false
            for i in 0..<n {
                let c = nearest(samples, at: i * d)
                if c != assignment[i] { assignment[i] = c; changed = true }
            }
            iterations = iteration
            guard changed else { return }
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let c = assignment[i]
                counts[c] += 1
                for j in 0..<d { sums[c * d + j] += Double(samples[i * d + j]) }
            }
            for c in 0..<k where counts[c] > 0 {
                for j in 0..<d { centres[c * d + j] = Float(sums[c * d + j] / Double(counts[c])) }
            }
        }
    }

    /// The nearest centre of the point `values[offset..<offset + dimensions]`.
    @inline(__always)
    public func nearest(_ values: [Float], at offset: Int) -> Int {
        let d = dimensions, k = self.k
        precondition(offset >= 0 && offset + d <= values.count, "point outside the values")
        return values.withUnsafeBufferPointer { v in
            centres.withUnsafeBufferPointer { c in
                var best = 0
                var bestDistance = Float.infinity
                for j in 0..<k {
                    var sum: Float = 0
                    for b in 0..<d { let diff = v[offset + b] - c[j * d + b]; sum += diff * diff }
                    if sum < bestDistance { bestDistance = sum; best = j }
                }
                return best
            }
        }
    }

    @inline(__always)
    static func squaredDistance(_ a: [Float], _ ao: Int, _ b: [Float], _ bo: Int, _ d: Int) -> Float {
        var sum: Float = 0
        for j in 0..<d {
            let diff = a[ao + j] - b[bo + j]
            sum += diff * diff
        }
        return sum
    }
}
