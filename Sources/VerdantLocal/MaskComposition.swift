import VerdantMask

/// Combining a cloud mask with where the image may be used, and summarising the result.
enum MaskComposition {
    /// Sets `Hollstein.nodata` (255) wherever a pixel is outside the footprint or outside land
    /// (`inside` arrays: 1 inside, 0 outside); NaN bands are already 255 in `mask`.
    static func restrict(_ mask: [UInt8], to areas: [[UInt8]]) -> [UInt8] {
        var result = mask
        for area in areas {
            precondition(area.count == result.count, "area and mask grids differ")
            for i in result.indices where area[i] == 0 { result[i] = Hollstein.nodata }
        }
        return result
    }

    /// 1 where every area is 1 (inside the footprint and the land), else 0.
    static func inside(_ areas: [[UInt8]]) -> [UInt8] {
        guard var result = areas.first else { return [] }
        for area in areas.dropFirst() {
            precondition(area.count == result.count, "areas differ in size")
            for i in result.indices where area[i] == 0 { result[i] = 0 }
        }
        return result
    }

    struct Fractions: Equatable {
        var cloud: Double
        var clear: Double
        var nodata: Double
    }

    /// Cloud and clear as shares of the valid pixels (what "cloud cover" means for a partly
    /// covered image); nodata as a share of the whole grid.
    static func fractions(of mask: [UInt8]) -> Fractions {
        var cloud = 0, clear = 0
        for value in mask {
            if value == 1 { cloud += 1 } else if value == 0 { clear += 1 }
        }
        let valid = cloud + clear
        let total = max(1, mask.count)
        return Fractions(cloud: valid > 0 ? Double(cloud) / Double(valid) : 0,
                         clear: valid > 0 ? Double(clear) / Double(valid) : 0,
                         nodata: Double(mask.count - valid) / Double(total))
    }
}
