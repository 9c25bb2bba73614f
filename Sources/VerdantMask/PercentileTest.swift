import Foundation

/// The multitemporal cloud test of seed-algorithm.md §3 (steps 4–7), for one background:
/// "percentile1" with the 20 most recent neighbours' median, "percentile5" with the 20 least
/// cloudy of 40. Differences are never stored: each pixel's are recomputed from the image and
/// the background where needed, so the test costs no memory beyond its inputs.
public struct PercentileTest: Sendable {
    public struct Settings: Sendable, Equatable {
        public var numPixels = 5000
        public var nClusters = 10
        public var thresholdDifCloud: Float = 0.04
        public var thresholdReflectance: Float = 0.175
        /// Positions in `Sentinel2.bands` of the bands the two scores use (B4, B3, B2).
        public var scoreBands = [3, 2, 1]
        public var growingRatio = 2
        /// Take every `samplingStep`-th row and column as sampling candidates:
        /// round(sampling_scale / scale), at least 1.
        public var samplingStep = 1
        /// false: the two scores per pixel instead of per cluster.
        public var clustering = true
        /// The sampling and k-means++ stream's seed; fixed, so masks are reproducible.
        public var seed: UInt64 = Self.defaultSeed
        public static let defaultSeed: UInt64 = 0x5EED_C10D
        public init() {}
    }

    public struct Result: Sendable {
        /// 1 cloud, 0 clear or not tested (no background, outside the region).
        public var mask: [UInt8]
        /// Per pixel, the scores that decided (its cluster's, or its own); NaN where not tested.
        public var multitemporalScore: [Float]
        public var reflectanceScore: [Float]
        /// Clusters fitted (0 with `clustering` off or nothing to sample).
        public var clusters: Int
        public var sampled: Int
    }

    public let settings: Settings
    public init(settings: Settings) { self.settings = settings }

    /// `eligible`: 1 where the pixel may be tested (inside the region, every image band present).
    public func run(image: BandStack, background: BandStack, eligible: [UInt8]) -> Result {
        let n = image.pixelCount
        precondition(background.pixelCount == n && eligible.count == n, "image, background and region differ in size")
        var tested = eligible
        for band in background.bands {
            for i in 0..<n where band[i].isNaN { tested[i] = 0 }
        }
        var result = settings.clustering
            ? clustered(image: image, background: background, tested: tested)
            : perPixel(image: image, background: background, tested: tested)
        result.mask = Morphology.opening(result.mask, within: tested, width: image.width, height: image.height,
                                         radius: settings.growingRatio)
        return result
    }

    // MARK: per cluster

    private func clustered(image: BandStack, background: BandStack, tested: [UInt8]) -> Result {
        let n = image.pixelCount, d = Sentinel2.bands.count
        var rng = SplitMix64(seed: settings.seed)
        let sample = samplePixels(tested: tested, width: image.width, height: image.height, rng: &rng)
        var result = Result(mask: [UInt8](repeating: 0, count: n), multitemporalScore: [Float](repeating: .nan, count: n),
                           reflectanceScore: [Float](repeating: .nan, count: n), clusters: 0, sampled: sample.count)
        guard !sample.isEmpty else { return result }

        // Standardise each band by the sample's mean and population standard deviation.
        var mean = [Float](repeating: 0, count: d), scale = [Float](repeating: 1, count: d)
        var rows = [Float](repeating: 0, count: sample.count * d)
        for b in 0..<d {
            let im = image.bands[b], bg = background.bands[b]
            var sum = 0.0, squares = 0.0
            for p in sample { let v = Double(im[p] - bg[p]); sum += v; squares += v * v }
            let m = sum / Double(sample.count)
            let variance = max(0, squares / Double(sample.count) - m * m)
            mean[b] = Float(m)
            scale[b] = variance > 0 ? Float(1 / variance.squareRoot()) : 1
            for (s, p) in sample.enumerated() { rows[s * d + b] = (im[p] - bg[p] - mean[b]) * scale[b] }
        }
        let model = KMeans.fit(samples: rows, dimensions: d, clusters: settings.nClusters, rng: &rng)

        // Every tested pixel to its nearest centre, accumulating the cluster sums on the way.
        let k = model.k, scoreBands = settings.scoreBands, bandCount = Double(scoreBands.count)
        var cluster = [UInt8](repeating: 0, count: n)
        var sumD = [Double](repeating: 0, count: k), sumD2 = sumD, sumI2 = sumD
        var counts = [Int](repeating: 0, count: k)
        // Blocks of pixels, band-major, so the distance loops run over contiguous pixels and
        // vectorise; each pixel's distance is still summed band by band, in band order, as
        // `KMeans.nearest` does, so the assignment is the same.
        let block = 2048
        var z = [Float](repeating: 0, count: d * block), distance = [Float](repeating: 0, count: block)
        var best = [Float](repeating: 0, count: block), bestCluster = [UInt8](repeating: 0, count: block)
        let centres = model.centres
        withBandPointers(image.bands) { im in
            withBandPointers(background.bands) { bg in
                z.withUnsafeMutableBufferPointer { z in
                distance.withUnsafeMutableBufferPointer { distance in
                best.withUnsafeMutableBufferPointer { best in
                bestCluster.withUnsafeMutableBufferPointer { bestCluster in
                    for start in stride(from: 0, to: n, by: block) {
                        let m = min(block, n - start)
                        for b in 0..<d {
                            let (ib, gb, mb, sb) = (im[b] + start, bg[b] + start, mean[b], scale[b])
                            let zb = z.baseAddress! + b * block
                            for p in 0..<m { zb[p] = (ib[p] - gb[p] - mb) * sb }
                        }
                        for p in 0..<m { best[p] = .infinity; bestCluster[p] = 0 }
                        for c in 0..<k {
                            for p in 0..<m { distance[p] = 0 }
                            for b in 0..<d {
                                let cb = centres[c * d + b], zb = z.baseAddress! + b * block
                                for p in 0..<m { let diff = zb[p] - cb; distance[p] += diff * diff }
                            }
                            for p in 0..<m where distance[p] < best[p] { best[p] = distance[p]; bestCluster[p] = UInt8(c) }
                        }
                        for p in 0..<m where tested[start + p] == 1 {
                            let i = start + p, c = Int(bestCluster[p])
                            cluster[i] = UInt8(c)
                            counts[c] += 1
                            for b in scoreBands {
                                let v = im[b][i], diff = Double(v - bg[b][i])
                                sumD[c] += diff; sumD2[c] += diff * diff; sumI2[c] += Double(v) * Double(v)
                            }
                        }
                    }
                }}}}
            }
        }
        var mt = [Float](repeating: .nan, count: k), refl = mt
        for c in 0..<k where counts[c] > 0 {
            let values = Double(counts[c]) * bandCount
            mt[c] = Float(Self.sign(sumD[c]) * (sumD2[c] / values).squareRoot())
            refl[c] = Float((sumI2[c] / values).squareRoot())
        }
        for i in 0..<n where tested[i] == 1 {
            let c = Int(cluster[i])
            result.multitemporalScore[i] = mt[c]
            result.reflectanceScore[i] = refl[c]
            result.mask[i] = isCloud(mt[c], refl[c]) ? 1 : 0
        }
        result.clusters = k
        return result
    }

    /// Sampling candidates: tested pixels on the lattice of `samplingStep`; `numPixels` of them
    /// by a partial Fisher–Yates shuffle (all of them when fewer), in the shuffle's order.
    func samplePixels(tested: [UInt8], width: Int, height: Int, rng: inout SplitMix64) -> [Int] {
        let step = max(1, settings.samplingStep)
        var candidates: [Int] = []
        for row in stride(from: 0, to: height, by: step) {
            for col in stride(from: 0, to: width, by: step) where tested[row * width + col] == 1 {
                candidates.append(row * width + col)
            }
        }
        let m = min(settings.numPixels, candidates.count)
        for i in 0..<m {
            let j = i + rng.below(candidates.count - i)
            candidates.swapAt(i, j)
        }
        return Array(candidates.prefix(m))
    }

    // MARK: per pixel

    private func perPixel(image: BandStack, background: BandStack, tested: [UInt8]) -> Result {
        let n = image.pixelCount, bandCount = Double(settings.scoreBands.count)
        var result = Result(mask: [UInt8](repeating: 0, count: n), multitemporalScore: [Float](repeating: .nan, count: n),
                            reflectanceScore: [Float](repeating: .nan, count: n), clusters: 0, sampled: 0)
        for i in 0..<n where tested[i] == 1 {
            var sumD = 0.0, sumD2 = 0.0, sumI2 = 0.0
            for b in settings.scoreBands {
                let v = Double(image.bands[b][i]), diff = v - Double(background.bands[b][i])
                sumD += diff; sumD2 += diff * diff; sumI2 += v * v
            }
            let mt = Float(Self.sign(sumD) * (sumD2 / bandCount).squareRoot())
            let refl = Float((sumI2 / bandCount).squareRoot())
            result.multitemporalScore[i] = mt
            result.reflectanceScore[i] = refl
            result.mask[i] = isCloud(mt, refl) ? 1 : 0
        }
        return result
    }

    @inline(__always) func isCloud(_ mt: Float, _ refl: Float) -> Bool {
        mt > settings.thresholdDifCloud && refl > settings.thresholdReflectance
    }

    /// sign(0) = 0, as numpy's and Earth Engine's.
    @inline(__always) static func sign(_ v: Double) -> Double { v > 0 ? 1 : (v < 0 ? -1 : 0) }
}
