/// The productivity metrics of one pixel and season, in the order of the output bands.
/// Dates are days of the year the season starts in (1 = its 1 January, fractional, past 365
/// when a season runs into the next year); rates are NDVI per day; integrals NDVI × days.
public enum SeasonMetric: Int, CaseIterable, Sendable {
    case peakDay, peakValue, baseLevel, amplitude, startDay, endDay, length
    case largeIntegral, smallIntegral, annualIntegral, greenUpRate, senescenceRate
    case clearGreenUp, clearPeak, clearGreenDown, filledShare, flag

    /// The band description written in the COG.
    public var name: String {
        switch self {
        case .peakDay: "peak_doy"
        case .peakValue: "peak_ndvi"
        case .baseLevel: "base_ndvi"
        case .amplitude: "amplitude"
        case .startDay: "start_doy"
        case .endDay: "end_doy"
        case .length: "length_days"
        case .largeIntegral: "large_integral"
        case .smallIntegral: "small_integral"
        case .annualIntegral: "annual_integral"
        case .greenUpRate: "greenup_rate"
        case .senescenceRate: "senescence_rate"
        case .clearGreenUp: "clear_greenup"
        case .clearPeak: "clear_peak"
        case .clearGreenDown: "clear_greendown"
        case .filledShare: "filled_share"
        case .flag: "quality_flag"
        }
    }
}

/// `quality_flag` values.
public enum SeasonFlag {
    /// At least one clear observation in each of green-up, peak and green-down, and at most
    /// half the season's dates filled.
    public static let good: Float = 0
    /// A season, but a window without a clear observation or more than half of it filled.
    public static let weak: Float = 1
    /// The peak lies on the window's edge (the season runs beyond it): start, end, length and
    /// the season integrals are NaN; peak, base, amplitude and the annual integral stand.
    public static let truncated: Float = 2
    /// No season: amplitude below `min_amplitude`, or too few days with a value.
    public static let none: Float = 3
}

/// How seasons are found on a pixel's daily curve.
public struct SeasonSettings: Sendable, Equatable, Codable {
    /// Start of season where the rising curve crosses the minimum before the peak + `rise` ×
    /// (peak − that minimum).
    public var rise: Double = 0.25
    /// End of season where the falling curve crosses the minimum after the peak + `fall` ×
    /// (peak − that minimum).
    public var fall: Double = 0.15
    /// Below this amplitude (NDVI) there is no season.
    public var minAmplitude: Double = 0.05
    /// The peak window: days where the curve is above base + `peak` × amplitude.
    public var peak: Double = 0.9

    public init(rise: Double = 0.25, fall: Double = 0.15, minAmplitude: Double = 0.05, peak: Double = 0.9) {
        self.rise = rise; self.fall = fall; self.minAmplitude = minAmplitude; self.peak = peak
    }
}

/// One season's window: whole days since 1970, `start` included, `end` excluded.
public struct SeasonWindow: Sendable, Equatable {
    public var label: String
    public var start: Int
    public var end: Int
    /// Days since 1970 of 1 January of the year the season starts in (day-of-year origin).
    public var yearStart: Int

    public init(label: String, start: Int, end: Int, yearStart: Int) {
        self.label = label; self.start = start; self.end = end; self.yearStart = yearStart
    }

    public var days: Int { end - start }
}

import Foundation

extension SeasonWindow {
    /// The seasons of a date range: one a year, starting each year on `month`-`day`, clipped to
    /// the range (`first` and `last` whole days since 1970, inclusive). A clipped season keeps
    /// the label of the year it starts in.
    public static func windows(first: Int, last: Int, month: Int, day: Int) -> [SeasonWindow] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func daysSince1970(_ y: Int, _ m: Int, _ d: Int) -> Int {
            let date = calendar.date(from: DateComponents(year: y, month: m, day: d))!
            return Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        }
        let firstYear = calendar.component(.year, from: Date(timeIntervalSince1970: Double(first) * 86_400))
        var result: [SeasonWindow] = []
        var year = firstYear - 1
        while true {
            let start = daysSince1970(year, month, day), end = daysSince1970(year + 1, month, day)
            if start > last { break }
            let clippedStart = max(start, first), clippedEnd = min(end, last + 1)
            if clippedEnd > clippedStart {
                let label = month == 1 && day == 1 ? "\(year)" : "\(year)-\(year + 1)"
                result.append(SeasonWindow(label: label, start: clippedStart, end: clippedEnd,
                                           yearStart: daysSince1970(year, 1, 1)))
            }
            year += 1
        }
        return result
    }
}
