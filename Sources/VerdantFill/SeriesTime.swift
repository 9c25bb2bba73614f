import Foundation

/// The time axis of a series: t = years since 1970-01-01 (365.25-day years) × 2π, the
/// original's regressor (seed-algorithm.md §6), centred on the middle of the series.
///
/// Centring changes no fitted value (the model has an intercept) but keeps the trend column
/// small: uncentred, t ≈ 290 for 2016 and the 10-harmonic normal equations lose ~5e-3 NDVI
/// in single precision.
public struct SeriesTime: Sendable, Equatable {
    /// Seconds since 1970 of each date, in series order (ascending).
    public let seconds: [Double]
    /// Centred t of each date, radians.
    public let t: [Double]
    /// Days since 1970 of each date (productivity works on a daily grid).
    public var days: [Double] { seconds.map { $0 / 86_400 } }

    public static let secondsPerYear = 365.25 * 86_400

    public init(seconds: [Double]) {
        self.seconds = seconds
        let raw = seconds.map { $0 / Self.secondsPerYear * 2 * Double.pi }
        let centre = raw.isEmpty ? 0 : (raw.min()! + raw.max()!) / 2
        self.t = raw.map { $0 - centre }
    }

    public init(dates: [Date]) { self.init(seconds: dates.map(\.timeIntervalSince1970)) }

    public var count: Int { t.count }
}
