/// The decision trees of Hollstein et al. 2016 (Remote Sensing 8(8):666) as the original
/// scripts used them, thresholds from seed-algorithm.md §2. Written without branches: every
/// comparison becomes a 0/1 byte and the rules combine with & and |, so the compiler can turn
/// the pixel loop into SIMD code.

/// A Bool is stored as the byte 0 or 1; reading it as that byte costs nothing.
@inline(__always) func bit(_ condition: Bool) -> UInt8 { unsafeBitCast(condition, to: UInt8.self) }

/// One pixel's reflectances, as read from the band buffers.
struct PixelReflectances {
    var b1, b2, b3, b5, b6, b8A, b10, b11, b12: Float

    /// 1 when any band the trees read is NaN (no data). NaN is the only value unequal to itself.
    @inline(__always) var isNodata: UInt8 {
        bit(b1 != b1) | bit(b2 != b2) | bit(b3 != b3) | bit(b5 != b5) | bit(b6 != b6)
            | bit(b8A != b8A) | bit(b10 != b10) | bit(b11 != b11) | bit(b12 != b12)
    }
}

/// A per-pixel test returning 1 (cloud or cirrus) or 0; generic so each loop is specialised.
protocol PixelRule: Sendable {
    static func evaluate(_ p: PixelReflectances) -> UInt8
}

/// tree2: (B8A > 0.156 ∧ B3 < 0.333 ∧ B10/B2 > 0.065) ∨ (B8A > 0.156 ∧ B3 > 0.333 ∧ B6/B11 < 4.292).
/// The ratios are real divisions, not cross-multiplications, so a zero or negative denominator
/// behaves as in the original's band arithmetic.
enum Tree2: PixelRule {
    @inline(__always) static func evaluate(_ p: PixelReflectances) -> UInt8 {
        let bright = bit(p.b8A > 0.156)
        let darkGreen = bit(p.b3 < 0.333) & bit(p.b10 / p.b2 > 0.065)
        let brightGreen = bit(p.b3 > 0.333) & bit(p.b6 / p.b11 < 4.292)
        return bright & (darkGreen | brightGreen)
    }
}

/// tree3: (0.051 < B8A < 0.181 ∧ B12 < 0.097 ∧ B10 > 0.011) ∨
/// (B8A > 0.181 ∧ B1 < 0.331 ∧ B10 < 0.012 ∧ B2 > 0.271) ∨ (B8A > 0.181 ∧ B1 < 0.331 ∧ B10 > 0.012) ∨
/// (B8A > 0.181 ∧ B1 > 0.331 ∧ B11 < 0.239 ∧ B2 < 0.711) ∨ (B8A > 0.181 ∧ B1 > 0.331 ∧ B11 > 0.239 ∧ B5 < 1.393)
enum Tree3: PixelRule {
    @inline(__always) static func evaluate(_ p: PixelReflectances) -> UInt8 {
        let middle = bit(p.b8A > 0.051) & bit(p.b8A < 0.181) & bit(p.b12 < 0.097) & bit(p.b10 > 0.011)
        let high = bit(p.b8A > 0.181)
        let lowAerosol = bit(p.b1 < 0.331)
        let highAerosol = bit(p.b1 > 0.331)
        let rule2 = lowAerosol & bit(p.b10 < 0.012) & bit(p.b2 > 0.271)
        let rule3 = lowAerosol & bit(p.b10 > 0.012)
        let rule4 = highAerosol & bit(p.b11 < 0.239) & bit(p.b2 < 0.711)
        let rule5 = highAerosol & bit(p.b11 > 0.239) & bit(p.b5 < 1.393)
        return middle | (high & (rule2 | rule3 | rule4 | rule5))
    }
}

/// tree2 ∨ tree3: the single-image cloud mask of the original.
enum Tree2OrTree3: PixelRule {
    @inline(__always) static func evaluate(_ p: PixelReflectances) -> UInt8 {
        Tree2.evaluate(p) | Tree3.evaluate(p)
    }
}
