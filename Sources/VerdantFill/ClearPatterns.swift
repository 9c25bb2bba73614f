/// Pixels grouped by which dates are clear. Every pixel of a group shares its design matrix,
/// so one factorisation serves them all: the 10,100 pixels of the Slovenia series have only
/// ~160 distinct patterns, a cloud-free tile one.
public struct ClearPatterns: Sendable {
    public struct Group: Sendable {
        /// Dates with a value, ascending.
        public var clear: [Int]
        /// Dates without one, ascending.
        public var missing: [Int]
        public var pixels: [Int32]
    }

    public let groups: [Group]

    public init(_ cube: SeriesCube) {
        let words = (cube.dates + 63) / 64
        var keys = [UInt64](repeating: 0, count: words * cube.pixels)
        for d in 0..<cube.dates {
            let base = d * cube.pixels, bit = UInt64(1) << UInt64(d % 64), word = d / 64
            cube.values.withUnsafeBufferPointer { v in
                for p in 0..<cube.pixels where !v[base + p].isNaN { keys[p * words + word] |= bit }
            }
        }
        var index: [[UInt64]: Int] = [:]
        var groups: [Group] = []
        for p in 0..<cube.pixels {
            let key = Array(keys[(p * words)..<((p + 1) * words)])
            if let g = index[key] {
                groups[g].pixels.append(Int32(p))
            } else {
                index[key] = groups.count
                var clear: [Int] = [], missing: [Int] = []
                for d in 0..<cube.dates {
                    if key[d / 64] & (UInt64(1) << UInt64(d % 64)) != 0 { clear.append(d) } else { missing.append(d) }
                }
                groups.append(Group(clear: clear, missing: missing, pixels: [Int32(p)]))
            }
        }
        self.groups = groups
    }
}
