/// The per-pixel features a cloud model may read, by the names model files and `verdant train`
/// use. The original model reads tree3, tree2, percentile1 and percentile5 (seed-algorithm.md
/// §4); the others let a model learn more, e.g. snow from a snow index.
public indirect enum CloudFeature: Hashable, Sendable {
    /// Hollstein's single-image trees (§2), 0/1.
    case tree(Int)
    /// The multitemporal test against background 1 (20 most recent) or 5 (20 least cloudy of
    /// 40), per cluster or, `_pixel`, per pixel (§3), 0/1.
    case percentile(NeighbourSet, perPixel: Bool)
    /// The multitemporal score (`mt1`, `mt5`) or the reflectance score (`refl1`, `refl5`) that
    /// decided the percentile test, in reflectance.
    case multitemporalScore(NeighbourSet)
    case reflectanceScore(NeighbourSet)
    /// Normalised difference snow index (B3 − B11) / (B3 + B11).
    case ndsi
    /// Snow: NDSI > 0.4 ∧ B8 > 0.11 ∧ B3 > 0.1, 0/1 (the usual Sentinel-2 snow test thresholds).
    case snow
    /// A band's reflectance (`B1` … `B12`).
    case band(Int)
    /// 0/1: another feature above a fixed threshold, written `mt1>0.02`. A forest learns its
    /// splits from the dates it is trained on; a threshold fixed here holds on dates unlike them
    /// (a haze thinner than any trained cloud still differs from its background).
    case above(CloudFeature, Float)

    public static let defaults: [CloudFeature] = [.tree(3), .tree(2), .percentile(.recent, perPixel: false),
                                                  .percentile(.leastCloudy, perPixel: false)]
    public static let catalogue = "tree1 tree2 tree3 percentile1 percentile5 percentile1_pixel percentile5_pixel "
        + "mt1 mt5 refl1 refl5 ndsi snow B1 … B12, and any of them above a threshold, e.g. mt1>0.02"

    public init?(name: String) {
        if let mark = name.firstIndex(of: ">") {
            guard let base = CloudFeature(name: String(name[..<mark])), let value = Float(name[name.index(after: mark)...]),
                  value.isFinite else { return nil }
            self = .above(base, value)
            return
        }
        switch name {
        case "tree1": self = .tree(1)
        case "tree2": self = .tree(2)
        case "tree3": self = .tree(3)
        case "percentile1": self = .percentile(.recent, perPixel: false)
        case "percentile5": self = .percentile(.leastCloudy, perPixel: false)
        case "percentile1_pixel": self = .percentile(.recent, perPixel: true)
        case "percentile5_pixel": self = .percentile(.leastCloudy, perPixel: true)
        case "mt1": self = .multitemporalScore(.recent)
        case "mt5": self = .multitemporalScore(.leastCloudy)
        case "refl1": self = .reflectanceScore(.recent)
        case "refl5": self = .reflectanceScore(.leastCloudy)
        case "ndsi": self = .ndsi
        case "snow": self = .snow
        default:
            guard let index = Sentinel2.index(name) else { return nil }
            self = .band(index)
        }
    }

    public var name: String {
        switch self {
        case .tree(let n): return "tree\(n)"
        case .percentile(let set, let perPixel): return "percentile\(set.number)" + (perPixel ? "_pixel" : "")
        case .multitemporalScore(let set): return "mt\(set.number)"
        case .reflectanceScore(let set): return "refl\(set.number)"
        case .ndsi: return "ndsi"
        case .snow: return "snow"
        case .band(let i): return Sentinel2.bands[i]
        case .above(let base, let value): return "\(base.name)>\(value)"
        }
    }

    /// The background this feature compares with, if any.
    public var background: NeighbourSet? {
        switch self {
        case .percentile(let set, _), .multitemporalScore(let set), .reflectanceScore(let set): return set
        case .above(let base, _): return base.background
        default: return nil
        }
    }

    public static func parse(_ names: [String]) throws -> [CloudFeature] {
        try names.map { name in
            guard let feature = CloudFeature(name: name) else {
                throw CloudModelError(path: "features", problem: "unknown feature \"\(name)\"; known: \(catalogue)")
            }
            return feature
        }
    }
}

/// The two neighbour selections of §3: method 1 (the `number_of_images` most recent) and
/// method 5 (the `number_of_images` least cloudy of `number_preselect`).
public enum NeighbourSet: String, Hashable, Sendable, Codable, CaseIterable {
    case recent = "percentile1"
    case leastCloudy = "percentile5"
    public var number: Int { self == .recent ? 1 : 5 }
}
