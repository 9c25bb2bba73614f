import Dispatch

/// Hollstein's single-image cloud tests over whole images. Output bytes: 1 cloud, 0 clear,
/// `Hollstein.nodata` (255) where any band the tests read is NaN.
public enum Hollstein {
    public static let nodata: UInt8 = 255

    /// tree2 ∨ tree3 (seed-algorithm.md §2), the single-image mask. `workers` > 1 splits the
    /// pixels across that many threads; the result is the same either way.
    public static func cloudMask(_ bands: ReflectanceBands, workers: Int = 1) -> [UInt8] {
        run(Tree2OrTree3.self, bands, workers: workers)
    }

    /// tree2 alone: one of the four features of the model (seed-algorithm.md §4).
    public static func tree2(_ bands: ReflectanceBands, workers: Int = 1) -> [UInt8] {
        run(Tree2.self, bands, workers: workers)
    }

    /// tree3 alone: one of the four features of the model (seed-algorithm.md §4).
    public static func tree3(_ bands: ReflectanceBands, workers: Int = 1) -> [UInt8] {
        run(Tree3.self, bands, workers: workers)
    }

    /// tree1 (not in the final model, kept for comparison): (B3 < 0.325 ∧ B8A < 0.166 ∧ B10 > 0.011) ∨
    /// (B3 > 0.325 ∧ B11 < 0.267 ∧ B4 < 0.674) ∨ (B3 > 0.325 ∧ B11 > 0.267 ∧ B7 < 1.544).
    /// It reads B4 and B7, which the other trees do not, hence its own signature.
    public static func tree1(b3: [Float], b4: [Float], b7: [Float], b8A: [Float], b10: [Float],
                             b11: [Float]) -> [UInt8] {
        let count = b3.count
        precondition([b4, b7, b8A, b10, b11].allSatisfy { $0.count == count }, "bands differ in length")
        return (0..<count).map { i in
            let (g, r, e, n, c, s) = (b3[i], b4[i], b7[i], b8A[i], b10[i], b11[i])
            let missing = bit(g != g) | bit(r != r) | bit(e != e) | bit(n != n) | bit(c != c) | bit(s != s)
            let lowGreen = bit(g < 0.325) & bit(n < 0.166) & bit(c > 0.011)
            let highGreen = bit(g > 0.325)
            let cloud = lowGreen | (highGreen & ((bit(s < 0.267) & bit(r < 0.674)) | (bit(s > 0.267) & bit(e < 1.544))))
            return cloud | (0 &- missing)
        }
    }

    /// The result array is allocated uninitialised and every byte is written exactly once.
    static func run<Rule: PixelRule>(_ rule: Rule.Type, _ bands: ReflectanceBands, workers: Int) -> [UInt8] {
        let count = bands.pixelCount
        return [UInt8](unsafeUninitializedCapacity: count) { output, initialised in
            let destination = UncheckedPointer(output.baseAddress)
            let chunks = chunkRanges(count: count, workers: max(1, workers))
            if chunks.count <= 1 {
                classify(rule, bands, range: 0..<count, into: destination)
            } else {
                DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
                    classify(Rule.self, bands, range: chunks[chunk], into: destination)
                }
            }
            initialised = count
        }
    }

    /// Several chunks per worker so a thread slowed by another process does not hold the rest;
    /// chunks are multiples of 4096 pixels so no two threads share a cache line of output.
    static func chunkRanges(count: Int, workers: Int) -> [Range<Int>] {
        guard workers > 1, count > 65_536 else { return [0..<count] }
        let chunkCount = workers * 4
        let size = ((count + chunkCount - 1) / chunkCount + 4095) / 4096 * 4096
        return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }

    /// The hot loop reads and writes through raw pointers, so it has no bounds checks, and its
    /// body has nothing that can trap (comparisons, bit operations, the wrapping `&-`), so the
    /// optimiser drops every check and vectorises it without -Ounchecked. The pointers are safe
    /// because every band holds `pixelCount` values (checked once in `ReflectanceBands.init`,
    /// and the bands are constants) and the one check below keeps `range` within them.
    @inline(__always)
    static func classify<Rule: PixelRule>(_ rule: Rule.Type, _ bands: ReflectanceBands, range: Range<Int>,
                                          into destination: UncheckedPointer<UInt8>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bands.pixelCount, "pixel range outside the bands")
        guard let out = destination.pointer, !range.isEmpty else { return }
        bands.b1.withUnsafeBufferPointer { b1 in
        bands.b2.withUnsafeBufferPointer { b2 in
        bands.b3.withUnsafeBufferPointer { b3 in
        bands.b5.withUnsafeBufferPointer { b5 in
        bands.b6.withUnsafeBufferPointer { b6 in
        bands.b8A.withUnsafeBufferPointer { b8A in
        bands.b10.withUnsafeBufferPointer { b10 in
        bands.b11.withUnsafeBufferPointer { b11 in
        bands.b12.withUnsafeBufferPointer { b12 in
            let (p1, p2, p3, p5, p6) = (b1.baseAddress!, b2.baseAddress!, b3.baseAddress!, b5.baseAddress!, b6.baseAddress!)
            let (p8A, p10, p11, p12) = (b8A.baseAddress!, b10.baseAddress!, b11.baseAddress!, b12.baseAddress!)
            for i in range {
                let pixel = PixelReflectances(b1: p1[i], b2: p2[i], b3: p3[i], b5: p5[i], b6: p6[i],
                                              b8A: p8A[i], b10: p10[i], b11: p11[i], b12: p12[i])
                // 0 &- 1 = 255: nodata overrides the test result without a branch.
                out[i] = Rule.evaluate(pixel) | (0 &- pixel.isNodata)
            }
        }}}}}}}}}
    }
}

/// A raw pointer handed to worker threads that each write a disjoint range of it.
struct UncheckedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>?
    init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}
