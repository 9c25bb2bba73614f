/// Computes feature columns for one image: the trees on the image, the percentile tests
/// against its backgrounds (each test run once, however many features read it).
public struct FeatureStack {
    public let image: BandStack
    public let backgrounds: [NeighbourSet: BandStack]
    /// 1 where the model is applied: inside the region, every image band present.
    public let eligible: [UInt8]
    public let percentile: PercentileTest.Settings
    public var workers = 1
    private var tests: [String: PercentileTest.Result] = [:]

    public init(image: BandStack, backgrounds: [NeighbourSet: BandStack], eligible: [UInt8],
                percentile: PercentileTest.Settings) {
        self.image = image; self.backgrounds = backgrounds; self.eligible = eligible; self.percentile = percentile
    }

    /// The percentile test of one background, computed once. `percentile1` follows
    /// `do_clustering`; `percentile1_pixel` is always per pixel.
    public mutating func test(_ set: NeighbourSet, perPixel: Bool) -> PercentileTest.Result? {
        let clustering = percentile.clustering && !perPixel
        let key = "\(set.rawValue)\(clustering)"
        if let done = tests[key] { return done }
        guard let background = backgrounds[set] else { return nil }
        var settings = percentile
        settings.clustering = clustering
        let result = PercentileTest(settings: settings).run(image: image, background: background, eligible: eligible)
        tests[key] = result
        return result
    }

    /// One feature's column (NaN or 0 outside `eligible`, which the mask ignores). A feature
    /// reading a background the caller did not provide is a programming error.
    public mutating func column(_ feature: CloudFeature) -> [Float] {
        let n = image.pixelCount
        switch feature {
        case .tree(let which):
            let bands = image.reflectance
            let bytes: [UInt8]
            switch which {
            case 1: bytes = Hollstein.tree1(b3: bands.b3, b4: image.band("B4"), b7: image.band("B7"), b8A: bands.b8A,
                                            b10: bands.b10, b11: bands.b11)
            case 2: bytes = Hollstein.tree2(bands, workers: workers)
            default: bytes = Hollstein.tree3(bands, workers: workers)
            }
            return bytes.map { $0 == 1 ? 1 : 0 }
        case .percentile(let set, let perPixel):
            return required(set, perPixel: perPixel).mask.map { Float($0) }
        case .multitemporalScore(let set):
            return required(set, perPixel: false).multitemporalScore
        case .reflectanceScore(let set):
            return required(set, perPixel: false).reflectanceScore
        case .ndsi:
            let green = image.band("B3"), swir = image.band("B11")
            return (0..<n).map { (green[$0] - swir[$0]) / (green[$0] + swir[$0]) }
        case .snow:
            let green = image.band("B3"), swir = image.band("B11"), nir = image.band("B8")
            return (0..<n).map { i in
                let ndsi = (green[i] - swir[i]) / (green[i] + swir[i])
                return ndsi > 0.4 && nir[i] > 0.11 && green[i] > 0.1 ? 1 : 0
            }
        case .band(let index):
            return image.bands[index]
        case .above(let base, let value):
            return column(base).map { $0 > value ? 1 : 0 }
        }
    }

    private mutating func required(_ set: NeighbourSet, perPixel: Bool) -> PercentileTest.Result {
        guard let result = test(set, perPixel: perPixel) else {
            preconditionFailure("feature needs background \(set.rawValue), which was not computed")
        }
        return result
    }

    public mutating func columns(_ features: [CloudFeature]) -> [[Float]] { features.map { column($0) } }
}
