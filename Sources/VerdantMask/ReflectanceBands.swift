/// The top-of-atmosphere reflectances (0–1, NaN = no data) the single-image cloud tests read:
/// the union of the bands of Hollstein's tree2 and tree3 (seed-algorithm.md §2). One value per
/// pixel, all arrays the same length, in the same pixel order.
///
/// The bands are constants: `init` checks their lengths once, and because no band can be
/// replaced afterwards that check holds for the value's lifetime. `Hollstein`'s pixel loop
/// relies on it to read every band through raw pointers up to `pixelCount`.
public struct ReflectanceBands: Sendable, Equatable {
    public let b1: [Float]
    public let b2: [Float]
    public let b3: [Float]
    public let b5: [Float]
    public let b6: [Float]
    public let b8A: [Float]
    public let b10: [Float]
    public let b11: [Float]
    public let b12: [Float]

    /// The band names the tests need, as in `sentinel2Bands`.
    public static let names = ["B1", "B2", "B3", "B5", "B6", "B8A", "B10", "B11", "B12"]

    public init(b1: [Float], b2: [Float], b3: [Float], b5: [Float], b6: [Float], b8A: [Float],
                b10: [Float], b11: [Float], b12: [Float]) {
        let count = b1.count
        precondition([b2, b3, b5, b6, b8A, b10, b11, b12].allSatisfy { $0.count == count },
                      "every band must have one value per pixel")
        self.b1 = b1; self.b2 = b2; self.b3 = b3; self.b5 = b5; self.b6 = b6; self.b8A = b8A
        self.b10 = b10; self.b11 = b11; self.b12 = b12
    }

    /// From a dictionary keyed by `names`; nil when one is missing.
    public init?(byName bands: [String: [Float]]) {
        guard let b1 = bands["B1"], let b2 = bands["B2"], let b3 = bands["B3"], let b5 = bands["B5"],
              let b6 = bands["B6"], let b8A = bands["B8A"], let b10 = bands["B10"],
              let b11 = bands["B11"], let b12 = bands["B12"] else { return nil }
        self.init(b1: b1, b2: b2, b3: b3, b5: b5, b6: b6, b8A: b8A, b10: b10, b11: b11, b12: b12)
    }

    public var pixelCount: Int { b1.count }
}
