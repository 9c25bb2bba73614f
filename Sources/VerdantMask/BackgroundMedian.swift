/// The cloud-free background of an image (seed-algorithm.md §3 step 3): per band and pixel,
/// the median of the neighbour images' values. Values that are NaN (no data, outside a
/// neighbour's footprint) are left out; the median of an even count is the mean of the two
/// middle values (numpy's nanmedian); no value at all gives NaN.
public enum BackgroundMedian {
    /// One band: `neighbours[k][i]` is neighbour k's value at pixel i.
    public static func median(of neighbours: [[Float]]) -> [Float] {
        guard let count = neighbours.first?.count, count > 0 else { return neighbours.first ?? [] }
        precondition(neighbours.allSatisfy { $0.count == count }, "neighbour bands differ in length")
        var out = [Float](repeating: .nan, count: count)
        median(of: neighbours, range: 0..<count, into: &out, offset: 0)
        return out
    }

    /// Pixels `range` of the neighbours into `out[offset...]`: the windowed form the job uses.
    public static func median(of neighbours: [[Float]], range: Range<Int>, into out: inout [Float], offset: Int) {
        let k = neighbours.count
        guard k > 0, !range.isEmpty else { return }
        withBandPointers(neighbours) { pointers in
            var buffer = [Float](repeating: 0, count: k)
            buffer.withUnsafeMutableBufferPointer { values in
                out.withUnsafeMutableBufferPointer { result in
                    for i in range {
                        var n = 0
                        for p in pointers {
                            let v = p[i]
                            if v == v { values[n] = v; n += 1 }
                        }
                        result[offset + i - range.lowerBound] = middle(values, n)
                    }
                }
            }
        }
    }

    /// The median of the first n values (reordered in place): insertion sort, as n is at most a
    /// few dozen images.
    @inline(__always)
    static func middle(_ values: UnsafeMutableBufferPointer<Float>, _ n: Int) -> Float {
        guard n > 0 else { return .nan }
        var i = 1
        while i < n {
            let v = values[i]
            var j = i - 1
            while j >= 0 && values[j] > v { values[j + 1] = values[j]; j -= 1 }
            values[j + 1] = v
            i += 1
        }
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
    }
}

/// Calls `body` with the base addresses of every array, valid for the call only (the arrays
/// are not mutated meanwhile): pixel loops over many bands then index raw pointers instead of
/// nested arrays. Arrays must not be empty.
func withBandPointers<R>(_ arrays: [[Float]], _ body: ([UnsafePointer<Float>]) -> R) -> R {
    var pointers: [UnsafePointer<Float>] = []
    pointers.reserveCapacity(arrays.count)
    func next() -> R {
        if pointers.count == arrays.count { return body(pointers) }
        return arrays[pointers.count].withUnsafeBufferPointer { buffer in
            pointers.append(buffer.baseAddress!)
            return next()
        }
    }
    return next()
}
