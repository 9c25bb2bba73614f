import Foundation

/// An image of a public collection the fake lists (`projects/earthengine-public/assets/...`).
public struct FakeImage: Sendable {
    /// `system:index`, e.g. `20200101T101021_20200101T101416_T33UUU`.
    public var index: String
    public var start: Date
    public var tile: String
    /// The footprint's outer ring, [lon, lat] points, closed.
    public var ring: [[Double]]
    public var cloudCover: Double

    public init(index: String, start: Date, tile: String, ring: [[Double]], cloudCover: Double) {
        self.index = index; self.start = start; self.tile = tile; self.ring = ring; self.cloudCover = cloudCover
    }

    /// `count` images, one a day from `start` over `tiles` in turn (each tile's footprint a
    /// square of `size` degrees with its south-west corner at the given point): a collection
    /// of the shape of Sentinel-2's for runs of any size.
    public static func series(count: Int, start: Date, tiles: [(tile: String, lon: Double, lat: Double)], size: Double = 0.5) -> [FakeImage] {
        let stamp = DateFormatter()
        stamp.locale = Locale(identifier: "en_US_POSIX"); stamp.timeZone = TimeZone(identifier: "UTC")
        stamp.dateFormat = "yyyyMMdd'T'HHmmss"
        return (0..<count).map { n in
            let t = tiles[n % tiles.count]
            let day = start.addingTimeInterval(Double(n / tiles.count) * 86_400 + 36_621 + Double(n % tiles.count) * 5)
            let text = stamp.string(from: day)
            let ring = [[t.lon, t.lat], [t.lon + size, t.lat], [t.lon + size, t.lat + size], [t.lon, t.lat + size], [t.lon, t.lat]]
            return FakeImage(index: "\(text)_\(text)_T\(t.tile)", start: day, tile: t.tile, ring: ring,
                             cloudCover: Double((n * 37) % 100))
        }
    }

    func json(collection: String) -> [String: Any] {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return [
            "type": "IMAGE", "name": "\(collection)/\(index)", "id": "\(collection.split(separator: "/").dropFirst(3).joined(separator: "/"))/\(index)",
            "startTime": format.string(from: start), "endTime": format.string(from: start),
            "properties": ["CLOUDY_PIXEL_PERCENTAGE": cloudCover, "MGRS_TILE": tile, "SPACECRAFT_NAME": "Sentinel-2A"],
            "geometry": ["type": "Polygon", "coordinates": [ring]],
            "sizeBytes": "812345678",
        ]
    }
}

/// The listing filter of earth-engine-rest.md §2.1, the clauses verdant sends: `startTime` and
/// `endTime` compared with RFC 3339 times in double quotes, `intersects("<GeoJSON>")`, joined
/// by ` AND `. Anything else is refused as the API refuses a malformed filter.
struct ListingFilter {
    var comparisons: [(field: String, op: String, value: Date)] = []
    /// Bounding boxes of the `intersects` geometries: [minLon, minLat, maxLon, maxLat].
    var regions: [[Double]] = []

    struct Invalid: Error { var message: String }

    init(_ text: String) throws {
        for clause in text.components(separatedBy: " AND ") {
            let c = clause.trimmingCharacters(in: .whitespaces)
            if c.hasPrefix("intersects(\""), c.hasSuffix("\")") {
                let inner = c.dropFirst("intersects(\"".count).dropLast(2).replacingOccurrences(of: "'", with: "\"")
                guard let geometry = (try? JSONSerialization.jsonObject(with: Data(inner.utf8))) as? [String: Any],
                      let points = Self.points(geometry["coordinates"]), !points.isEmpty else {
                    throw Invalid(message: "Invalid GeoJSON in intersects(): \(inner)")
                }
                let lons = points.map { $0[0] }, lats = points.map { $0[1] }
                regions.append([lons.min()!, lats.min()!, lons.max()!, lats.max()!])
                continue
            }
            let parts = c.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count == 3, ["startTime", "endTime"].contains(parts[0]), ["<", "<=", ">", ">="].contains(parts[1]),
                  parts[2].hasPrefix("\""), parts[2].hasSuffix("\""), parts[2].count > 2,
                  let date = ISO8601DateFormatter().date(from: String(parts[2].dropFirst().dropLast())) else {
                throw Invalid(message: "Invalid filter clause '\(c)'.")
            }
            comparisons.append((parts[0], parts[1], date))
        }
    }

    static func points(_ any: Any?) -> [[Double]]? {
        guard let list = any as? [Any] else { return nil }
        if let point = list as? [NSNumber], point.count >= 2 { return [[point[0].doubleValue, point[1].doubleValue]] }
        var all: [[Double]] = []
        for item in list { guard let p = points(item) else { return nil }; all += p }
        return all
    }

    func matches(_ image: FakeImage) -> Bool {
        for (_, op, value) in comparisons {
            let t = image.start
            switch op {
            case "<": if !(t < value) { return false }
            case "<=": if !(t <= value) { return false }
            case ">": if !(t > value) { return false }
            default: if !(t >= value) { return false }
            }
        }
        let lons = image.ring.map { $0[0] }, lats = image.ring.map { $0[1] }
        for r in regions where lons.max()! < r[0] || lons.min()! > r[2] || lats.max()! < r[1] || lats.min()! > r[3] { return false }
        return true
    }
}
