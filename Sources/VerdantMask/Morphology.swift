/// Binary morphology on a grid with a disc structuring element {dx² + dy² ≤ r²}.
public enum Morphology {
    /// Offsets of the disc of `radius` pixels (13 for radius 2).
    public static func disc(radius: Int) -> [(dx: Int, dy: Int)] {
        var offsets: [(Int, Int)] = []
        for dy in -radius...radius { for dx in -radius...radius where dx * dx + dy * dy <= radius * radius { offsets.append((dx, dy)) } }
        return offsets
    }

    /// Opening (erosion, then dilation) of `mask` (0/1), the last step of the percentile tests
    /// (seed-algorithm.md §3 step 7): removes cloud specks smaller than the disc. Only pixels of
    /// `within` take part: a neighbour outside it or outside the grid does not erode, and the
    /// dilation writes only inside it. Radius 0 returns the mask unchanged.
    public static func opening(_ mask: [UInt8], within: [UInt8], width: Int, height: Int, radius: Int) -> [UInt8] {
        guard radius > 0 else { return mask }
        let offsets = disc(radius: radius)
        var eroded = [UInt8](repeating: 0, count: mask.count)
        for row in 0..<height {
            for col in 0..<width where mask[row * width + col] == 1 {
                var keep: UInt8 = 1
                for (dx, dy) in offsets {
                    let r = row + dy, c = col + dx
                    guard r >= 0, r < height, c >= 0, c < width else { continue }
                    let j = r * width + c
                    if within[j] == 1 && mask[j] == 0 { keep = 0; break }
                }
                eroded[row * width + col] = keep
            }
        }
        var opened = [UInt8](repeating: 0, count: mask.count)
        for row in 0..<height {
            for col in 0..<width where eroded[row * width + col] == 1 {
                for (dx, dy) in offsets {
                    let r = row + dy, c = col + dx
                    guard r >= 0, r < height, c >= 0, c < width else { continue }
                    let j = r * width + c
                    if within[j] == 1 { opened[j] = 1 }
                }
            }
        }
        return opened
    }
}
