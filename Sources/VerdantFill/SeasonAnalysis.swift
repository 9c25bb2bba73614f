/// Productivity metrics of one pixel's gap-filled series over one season window: the series
/// is resampled to a daily curve (linear between dates, at noon of each day) and read as
/// TIMESAT-style seasonal parameters (see README "Productivity maps" for each definition).
public struct SeasonAnalysis: Sendable {
    public let settings: SeasonSettings
    public let window: SeasonWindow

    public init(settings: SeasonSettings, window: SeasonWindow) {
        self.settings = settings; self.window = window
    }

    /// - Parameters:
    ///   - days: the series' dates, days since 1970, ascending.
    ///   - values: the final (gap-filled) NDVI at those dates; NaN where unfilled.
    ///   - observed: whether each value was a clear observation (not filled).
    /// - Returns: one value per `SeasonMetric`, NaN where undefined.
    public func metrics(days: [Double], values: [Float], observed: [Bool]) -> [Float] {
        var out = [Float](repeating: .nan, count: SeasonMetric.allCases.count)
        func set(_ m: SeasonMetric, _ v: Double) { out[m.rawValue] = Float(v) }
        out[SeasonMetric.flag.rawValue] = SeasonFlag.none
        let curve = daily(days: days, values: values)
        // A curve with holes (no value before or after part of the window) is no season.
        guard curve.count == window.days, curve.count >= 3, !curve.contains(where: \.isNaN) else { return out }
        let origin = Double(window.start - window.yearStart) + 1.5   // day index 0 is noon of `start`
        let top = curve.indices.max { curve[$0] < curve[$1] }!
        let peak = curve[top]
        let leftMin = curve[...top].min()!, rightMin = curve[top...].min()!
        let base = (leftMin + rightMin) / 2, amplitude = peak - base
        set(.peakDay, origin + Double(top)); set(.peakValue, peak); set(.baseLevel, base); set(.amplitude, amplitude)
        set(.annualIntegral, trapezoid(curve.map { max($0, 0) }))
        guard amplitude >= settings.minAmplitude else { return out }

        // Each side measured from its own minimum (TIMESAT's rule): a winter lower on one side
        // than the other still gives both crossings. A peak on the window's edge means the
        // season runs beyond it.
        let riseLevel = leftMin + settings.rise * (peak - leftMin), fallLevel = rightMin + settings.fall * (peak - rightMin)
        let start = crossing(curve, from: top, level: riseLevel, step: -1)
        let end = crossing(curve, from: top, level: fallLevel, step: 1)
        guard let start, let end, top > 0, top < curve.count - 1 else {
            out[SeasonMetric.flag.rawValue] = SeasonFlag.truncated
            return out
        }
        set(.startDay, origin + start); set(.endDay, origin + end); set(.length, end - start)
        let large = integral(curve, from: start, to: end)
        set(.largeIntegral, large)
        set(.smallIntegral, large - base * (end - start))
        let startValue = value(curve, at: start), endValue = value(curve, at: end)
        set(.greenUpRate, Double(top) > start ? (peak - startValue) / (Double(top) - start) : .nan)
        set(.senescenceRate, end > Double(top) ? (peak - endValue) / (end - Double(top)) : .nan)

        // Peak window: the run of days around the top above base + peak × amplitude.
        let peakLevel = base + settings.peak * amplitude
        var lo = top, hi = top
        while lo > 0 && curve[lo - 1] >= peakLevel { lo -= 1 }
        while hi < curve.count - 1 && curve[hi + 1] >= peakLevel { hi += 1 }
        let peakFrom = Double(lo) - 0.5, peakTo = Double(hi) + 0.5
        var greenUp = 0, atPeak = 0, greenDown = 0, inSeason = 0, filled = 0
        for (d, isObserved) in zip(days, observed) {
            let x = d - (Double(window.start) + 0.5)  // in curve index units
            guard x >= start && x <= end else { continue }
            inSeason += 1
            if !isObserved { filled += 1; continue }
            if x < peakFrom { greenUp += 1 } else if x <= peakTo { atPeak += 1 } else { greenDown += 1 }
        }
        set(.clearGreenUp, Double(greenUp)); set(.clearPeak, Double(atPeak)); set(.clearGreenDown, Double(greenDown))
        let share = inSeason == 0 ? 1.0 : Double(filled) / Double(inSeason)
        set(.filledShare, share)
        let good = greenUp > 0 && atPeak > 0 && greenDown > 0 && share <= 0.5
        out[SeasonMetric.flag.rawValue] = good ? SeasonFlag.good : SeasonFlag.weak
        return out
    }

    /// The series at noon of every day of the window, linear between dates; before the first
    /// value and after the last, that value (the date range usually starts and ends between
    /// two images).
    func daily(days: [Double], values: [Float]) -> [Double] {
        var known: [(Double, Double)] = []
        for (d, v) in zip(days, values) where !v.isNaN { known.append((d, Double(v))) }
        var curve = [Double](repeating: .nan, count: max(window.days, 0))
        guard let first = known.first, let last = known.last else { return curve }
        var j = 0
        for i in 0..<curve.count {
            let x = Double(window.start + i) + 0.5
            if x <= first.0 { curve[i] = first.1; continue }
            if x >= last.0 { curve[i] = last.1; continue }
            while j + 1 < known.count && known[j + 1].0 < x { j += 1 }
            if j + 1 >= known.count { curve[i] = known[j].1; continue }
            let (x0, v0) = known[j], (x1, v1) = known[j + 1]
            let w = x1 > x0 ? (x - x0) / (x1 - x0) : 0
            curve[i] = v0 + (v1 - v0) * min(max(w, 0), 1)
        }
        return curve
    }

    /// Where the curve, walked from the peak by `step`, first goes to or below `level`: a
    /// fractional index between the two days that bracket it; nil when it never does.
    func crossing(_ curve: [Double], from top: Int, level: Double, step: Int) -> Double? {
        var i = top
        while true {
            let next = i + step
            guard next >= 0 && next < curve.count else { return nil }
            let a = curve[i], b = curve[next]
            if b <= level {
                let w = a == b ? 0 : (a - level) / (a - b)
                return Double(i) + Double(step) * w
            }
            i = next
        }
    }

    func value(_ curve: [Double], at x: Double) -> Double {
        let i = min(max(Int(x.rounded(.down)), 0), curve.count - 1), j = min(i + 1, curve.count - 1)
        let w = x - Double(i)
        return curve[i] * (1 - w) + curve[j] * w
    }

    /// ∫ curve from `a` to `b` (fractional indices), trapezoid rule on the daily points.
    func integral(_ curve: [Double], from a: Double, to b: Double) -> Double {
        guard b > a else { return 0 }
        var points: [(Double, Double)] = [(a, value(curve, at: a))]
        var i = Int(a.rounded(.down)) + 1
        while Double(i) < b { points.append((Double(i), curve[i])); i += 1 }
        points.append((b, value(curve, at: b)))
        var sum = 0.0
        for k in 1..<points.count { sum += (points[k].0 - points[k - 1].0) * (points[k].1 + points[k - 1].1) / 2 }
        return sum
    }

    func trapezoid(_ curve: [Double]) -> Double {
        var sum = 0.0
        for k in 1..<curve.count { sum += (curve[k] + curve[k - 1]) / 2 }
        return sum
    }
}
