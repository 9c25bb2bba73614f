/// The random numbers of the cloud model: SplitMix64 (Steele, Lea and Flood 2014), chosen
/// because it is a few lines in any language, so the Python benchmark draws the very same
/// sample and the same k-means++ centres. Fixed seeds make every mask reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1) from the top 53 bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// An integer in 0..<n (n > 0), as ⌊unit × n⌋: the rule the Python side repeats.
    public mutating func below(_ n: Int) -> Int { min(n - 1, Int(unit() * Double(n))) }
}
