/// NDVI of `dates` images over `pixels` pixels, date-major (`values[d * pixels + p]`), as the
/// images are read one after the other. NaN marks a missing value: cloudy, no data, withheld.
public struct SeriesCube: Sendable {
    public let dates: Int
    public let pixels: Int
    public var values: [Float]

    public init(dates: Int, pixels: Int, values: [Float]) {
        precondition(values.count == dates * pixels, "a cube of \(dates) × \(pixels) needs \(dates * pixels) values, got \(values.count)")
        self.dates = dates; self.pixels = pixels; self.values = values
    }

    public subscript(date: Int, pixel: Int) -> Float {
        get { values[date * pixels + pixel] }
        set { values[date * pixels + pixel] = newValue }
    }

    /// Clear observations per pixel.
    public func clearCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: pixels)
        for d in 0..<dates {
            let base = d * pixels
            for p in 0..<pixels where !values[base + p].isNaN { counts[p] += 1 }
        }
        return counts
    }
}

/// What a gap-filling method returns for a cube: the final series (observed values kept,
/// missing ones filled, NaN where nothing fills) and a quality code per value.
public struct FilledSeries: Sendable {
    public var final: [Float]
    /// `FillQuality` codes, date-major like `final`.
    public var quality: [Int8]
    /// Half width of a 90 % interval around each filled value (0 where observed, NaN where not
    /// filled), when the method gives one.
    public var halfWidth: [Float]?

    public init(final: [Float], quality: [Int8], halfWidth: [Float]? = nil) {
        self.final = final; self.quality = quality; self.halfWidth = halfWidth
    }
}

/// Quality codes of the `quality` band: −1 observed; the seed cascade's 10, 5, 1 (the
/// harmonics of the fit that filled the value, seed-algorithm.md §6); the other methods' codes
/// below; `none` where nothing filled (written as nodata).
public enum FillQuality {
    public static let observed: Int8 = -1
    public static let none: Int8 = 0
    /// "linear": between two clear values.
    public static let linearBetween: Int8 = 20
    /// "linear": before the first or after the last clear value (that value carried).
    public static let linearEnd: Int8 = 21
    /// "harmonic-residual": the baseline was the mean of the clear values.
    public static let harmonicConstant: Int8 = 30
    /// "harmonic-residual": a 1-harmonic baseline.
    public static let harmonic1: Int8 = 31
    /// "harmonic-residual": a 2-harmonic baseline.
    public static let harmonic2: Int8 = 32
}
