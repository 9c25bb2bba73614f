/// The full cloud model (seed-algorithm.md §4): the features of a trained forest computed for
/// one image, P(cloud) from the forest, and the mask P(cloud) > cut-off.
public struct CloudModel: Sendable {
    public let features: [CloudFeature]
    public let forest: RandomForest
    public let cutoff: Float
    public let percentile: PercentileTest.Settings

    public init(file: CloudModelFile, cutoff: Float, percentile: PercentileTest.Settings) throws {
        self.features = try CloudFeature.parse(file.features)
        self.forest = file.forest
        self.cutoff = cutoff
        self.percentile = percentile
    }

    /// The backgrounds the features compare with.
    public var backgroundsNeeded: Set<NeighbourSet> { Set(features.compactMap(\.background)) }

    public struct Output: Sendable {
        /// 1 cloud, 0 clear, `Hollstein.nodata` (255) outside `eligible`.
        public var mask: [UInt8]
        public var probability: [Float]
    }

    public func apply(image: BandStack, backgrounds: [NeighbourSet: BandStack], eligible: [UInt8], workers: Int = 1) -> Output {
        var stack = FeatureStack(image: image, backgrounds: backgrounds, eligible: eligible, percentile: percentile)
        stack.workers = workers
        let columns = stack.columns(features)
        return decide(columns: columns, eligible: eligible, workers: workers)
    }

    /// The forest's step alone, for callers that computed the columns (benchmarks, training).
    public func decide(columns: [[Float]], eligible: [UInt8], workers: Int = 1) -> Output {
        let probability = forest.probabilities(columns: columns, workers: workers)
        var mask = [UInt8](repeating: Hollstein.nodata, count: eligible.count)
        for i in 0..<eligible.count where eligible[i] == 1 { mask[i] = probability[i] > cutoff ? 1 : 0 }
        return Output(mask: mask, probability: probability)
    }
}
