/// Sentinel-2 L1C band names in product order, the layout of every 13-band stack here.
public enum Sentinel2 {
    public static let bands = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]

    /// Position of a band in `bands`; accepts "B02" for "B2".
    public static func index(_ name: String) -> Int? {
        if let i = bands.firstIndex(of: name) { return i }
        if name.count == 3, name.hasPrefix("B0") { return bands.firstIndex(of: "B" + name.dropFirst(2)) }
        return nil
    }
}

/// Thirteen bands of one image (or of a background) on one grid: `bands[i]` is
/// `Sentinel2.bands[i]`, row-major, `width × height` values each, NaN = no data.
public struct BandStack: Sendable {
    public let width: Int
    public let height: Int
    public var bands: [[Float]]

    public init(width: Int, height: Int, bands: [[Float]]) {
        precondition(bands.count == Sentinel2.bands.count, "a stack holds the 13 Sentinel-2 bands")
        precondition(bands.allSatisfy { $0.count == width * height }, "every band must have width × height values")
        self.width = width; self.height = height; self.bands = bands
    }

    public var pixelCount: Int { width * height }
    public func band(_ name: String) -> [Float] { bands[Sentinel2.index(name)!] }

    /// The bands Hollstein's trees read.
    public var reflectance: ReflectanceBands {
        ReflectanceBands(b1: band("B1"), b2: band("B2"), b3: band("B3"), b5: band("B5"), b6: band("B6"),
                         b8A: band("B8A"), b10: band("B10"), b11: band("B11"), b12: band("B12"))
    }

    /// 1 where all 13 bands hold a value.
    public func complete() -> [UInt8] {
        var out = [UInt8](repeating: 1, count: pixelCount)
        for band in bands {
            for i in 0..<pixelCount where band[i].isNaN { out[i] = 0 }
        }
        return out
    }
}
