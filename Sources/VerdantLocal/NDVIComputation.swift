/// NDVI = (B8 − B4) / (B8 + B4) per pixel, from top-of-atmosphere reflectances and a cloud mask
/// on one grid. Pure array code (no files, no GDAL), one pass over the buffers.
public enum NDVIComputation {
    /// The mask values CloudMaskJob writes; any other value (255, nodata) is unusable too.
    public static let clear: UInt8 = 0
    public static let cloud: UInt8 = 1

    /// Pixel counts of one NDVI raster. Every pixel is exactly one of valid, cloud or nodata.
    public struct Summary: Sendable, Equatable {
        public var pixelCount: Int
        /// Pixels with an NDVI value.
        public var validCount: Int
        /// Pixels the mask marks as cloud.
        public var cloudCount: Int
        /// Sum of the valid NDVI values, accumulated in Double so a whole tile loses no precision.
        public var validSum: Double

        public init(pixelCount: Int, validCount: Int, cloudCount: Int, validSum: Double) {
            self.pixelCount = pixelCount; self.validCount = validCount; self.cloudCount = cloudCount
            self.validSum = validSum
        }

        /// Mask nodata, a band without data, or B8 + B4 ≤ 0 where NDVI is undefined.
        public var nodataCount: Int { pixelCount - validCount - cloudCount }
        public var validFraction: Double { fraction(validCount) }
        public var cloudFraction: Double { fraction(cloudCount) }
        public var nodataFraction: Double { fraction(nodataCount) }
        /// Mean NDVI of the valid pixels; nil when there is none.
        public var mean: Double? { validCount > 0 ? validSum / Double(validCount) : nil }

        private func fraction(_ count: Int) -> Double {
            pixelCount > 0 ? Double(count) / Double(pixelCount) : 0
        }
    }

    /// An NDVI given as such (an item's NDVI asset): kept where the mask is clear and the value
    /// is an NDVI (finite, within [−1, 1]); NaN elsewhere.
    public static func cut(_ ndvi: [Float], mask: [UInt8]) -> (values: [Float], summary: Summary) {
        precondition(ndvi.count == mask.count, "NDVI and mask grids differ")
        var validCount = 0, cloudCount = 0, validSum = 0.0
        var values = [Float](repeating: .nan, count: mask.count)
        for i in 0..<mask.count {
            if mask[i] == clear && ndvi[i] >= -1 && ndvi[i] <= 1 {
                values[i] = ndvi[i]; validCount += 1; validSum += Double(ndvi[i])
            } else if mask[i] == cloud {
                cloudCount += 1
            }
        }
        return (values, Summary(pixelCount: mask.count, validCount: validCount, cloudCount: cloudCount, validSum: validSum))
    }

    /// NDVI wherever the mask is clear and B8 + B4 > 0, NaN elsewhere (NaN bands fail the sum
    /// test, since every comparison with NaN is false). The three arrays must have one length.
    public static func compute(red: [Float], nearInfrared: [Float], mask: [UInt8]) -> (values: [Float], summary: Summary) {
        let count = mask.count
        precondition(red.count == count && nearInfrared.count == count, "band and mask grids differ")
        var validCount = 0, cloudCount = 0
        var validSum = 0.0
        let values = [Float](unsafeUninitializedCapacity: count) { output, initialized in
            red.withUnsafeBufferPointer { red in
                nearInfrared.withUnsafeBufferPointer { nearInfrared in
                    mask.withUnsafeBufferPointer { mask in
                        for i in 0..<count {
                            let sum = nearInfrared[i] + red[i]
                            if mask[i] == clear && sum > 0 {
                                let ndvi = (nearInfrared[i] - red[i]) / sum
                                output[i] = ndvi
                                validCount += 1
                                validSum += Double(ndvi)
                            } else {
                                output[i] = .nan
                                if mask[i] == cloud { cloudCount += 1 }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return (values, Summary(pixelCount: count, validCount: validCount, cloudCount: cloudCount, validSum: validSum))
    }
}
