import Foundation
import VerdantFill

/// The original's gap filling (seed-algorithm.md §6) for one block as one export: each image's
/// NDVI from its B8 and B4 where its mask says clear, least-squares fits of 10, 5 and 1
/// harmonics plus intercept and trend over the whole series (`Reducer.linearRegression`), and
/// for every date inside the date range the bands
/// `NDVI_<tag>` (observed), `NDVI_final_<tag>` (observed, else the 10-, 5-, 1-harmonic fit)
/// and `quality_<tag>` (−1 observed, else 10, 5 or 1; masked where nothing fills), plus
/// `clear_count` (clear values over the series). `<tag>` is the acquisition time
/// (`yyyyMMddTHHmmss`, UTC), unique within the block.
///
/// The same rules as the local `SeedCascade`: a fit exists only with more clear values than
/// regressors; fitted values outside (−1, 1) are dropped for more than one harmonic; t is
/// centred and the trend column scaled (no fitted value changes, the fit is better
/// conditioned). One asset per block, not one per date: the asset quota is what limited the
/// original.
public struct GapFillGraph: Sendable, Equatable {
    /// Whole days since 1970 of the date range's first and last day: outputs are written for
    /// the dates inside it, the extra days only feed the fits.
    public var firstDay: Int
    public var lastDay: Int
    /// The original's defect, on request (`gapfill.seed_literal`): fits laid over observed values too.
    public var literal = false

    public init(firstDay: Int, lastDay: Int, literal: Bool = false) {
        self.firstDay = firstDay; self.lastDay = lastDay; self.literal = literal
    }

    public static let harmonics = SeedCascade.harmonics
    static let regressors = (0..<HarmonicBasis.count(harmonics: 10)).map { "x\($0)" }

    /// One image of the series: its L1C image and its mask (band values 0 clear, 1 cloud).
    public struct Member: Sendable, Equatable {
        public var source: String
        /// The mask: an asset name, or a GeoTIFF's `gs://` URI.
        public var mask: String
        public var acquired: Date
        public init(source: String, mask: String, acquired: Date) { self.source = source; self.mask = mask; self.acquired = acquired }
    }

    public func inRange(_ date: Date) -> Bool {
        let day = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        return day >= firstDay && day <= lastDay
    }

    /// Each member's band tag, in `members`' order: its acquisition time, with `_2`, `_3`… for
    /// a time already taken.
    public static func tags(_ members: [Member]) -> [String] {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss"
        var used: [String: Int] = [:]
        return members.map { member in
            let base = format.string(from: member.acquired)
            used[base, default: 0] += 1
            return used[base]! == 1 ? base : "\(base)_\(used[base]!)"
        }
    }

    /// The series' regressors at each date: 1, scaled t, cos t, sin t, … cos 10t, sin 10t.
    static func design(_ dates: [Date]) -> [[Double]] {
        let time = SeriesTime(dates: dates)
        let span = max(time.t.map(abs).max() ?? 1, 1e-9)
        let n = regressors.count
        var row = [Double](repeating: 0, count: n)
        return time.t.map { t in
            HarmonicBasis.row(t: t, harmonics: 10, into: &row)
            row[1] /= span
            return row
        }
    }

    /// The block's image, its bands as described above, on the first image's grid at `scale`
    /// metres, clipped to the union of its images' footprints (collection reductions are
    /// unbounded). A mask read from a GeoTIFF has 255 where it had no data: not clear.
    public func image(members unsorted: [Member], scale: Double) -> EEImage {
        let members = unsorted.sorted { ($0.acquired, $0.source) < ($1.acquired, $1.source) }
        let tags = Self.tags(members)
        let x = Self.design(members.map(\.acquired))
        let sources = members.map { EEImage.load($0.source).shared }
        // NDVI where the mask is clear (0); masked where it is cloud, outside land or nodata.
        let ndvi: [EEImage] = zip(members, sources).map { member, source in
            let mask = member.mask.hasPrefix("gs://") ? EEImage.loadGeoTIFF(member.mask) : EEImage.load(member.mask)
            return source.normalizedDifference("B8", "B4").updateMask(mask.eq(0)).rename(["ndvi"]).toFloat().shared
        }
        // Each date's regressors and NDVI, masked together (a pixel's row enters the fit only
        // where its NDVI is clear).
        // Doubles throughout: a constant 1 or 0 is an integer band otherwise, and the
        // collection a reducer reads must have the same band types in every image.
        let rows: [EEImage] = ndvi.indices.map { i in
            EEImage.cat([EEImage.constant(x[i]).rename(Self.regressors), ndvi[i]]).toDouble().updateMask(ndvi[i].dataMask).shared
        }
        let clear = EEImage.count(ndvi).rename(["clear_count"]).toFloat().shared
        // Coefficients of each order, where the pixel has more clear values than regressors.
        let fits: [(harmonics: Int, names: [String], coefficients: EEImage)] = Self.harmonics.map { h in
            let names = Array(Self.regressors.prefix(HarmonicBasis.count(harmonics: h)))
            let coefficients = EEImage.linearRegression(rows.map { $0.select(names + ["ndvi"]) }, regressors: names)
                .updateMask(clear.gt(Double(names.count))).shared
            return (h, names, coefficients)
        }
        var bands: [EEImage] = []
        for i in members.indices where inRange(members[i].acquired) {
            let tag = tags[i]
            // 10, 5, 1 harmonics: each fitted value at this date, dropped outside (−1, 1) for n > 1.
            let fitted: [(harmonics: Int, value: EEImage)] = fits.map { fit in
                let value = fit.coefficients.multiply(EEImage.constant(Array(x[i].prefix(fit.names.count))).rename(fit.names)).sumOfBands().shared
                let kept = fit.harmonics > 1 ? value.updateMask(value.gt(-1).and(value.lt(1))) : value
                return (fit.harmonics, kept.rename(["NDVI_final_\(tag)"]).shared)
            }
            let observed = ndvi[i].rename(["NDVI_final_\(tag)"])
            // Mosaic: later images on top. The cascade's first choice goes last.
            let fills = fitted.reversed().map(\.value)
            let final = literal ? EEImage.mosaic([observed] + fills) : EEImage.mosaic(fills + [observed])
            let quality = EEImage.mosaic(fitted.reversed().map { EEImage.constant(Double($0.harmonics)).updateMask($0.value.dataMask) }
                                         + [EEImage.constant(-1).updateMask(ndvi[i].dataMask)])
            // Float32 every band: a GeoTIFF's bands share one type (the fits are doubles).
            bands += [ndvi[i].rename(["NDVI_\(tag)"]), final.toFloat(), quality.rename(["quality_\(tag)"]).toFloat()]
        }
        // Collection reductions and constants have no projection of their own (WGS84 at 1°):
        // the whole block is computed on the images' grid (the first one's B8, at `scale`).
        let grid = ExpressionNode.call("Image.projection", ["image": sources[0].select("B8").node])
        return EEImage.cat(bands + [clear]).reproject(grid, scale: scale).clip(EEImage.footprints(sources))
    }
}
