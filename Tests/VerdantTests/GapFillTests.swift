import Foundation
import Testing
import VerdantFill

/// The gap-filling methods on series whose answer is known.
@Suite struct GapFillTests {
    /// 60 irregular dates over three years (days since 1970, from 2016-01-01).
    static let days: [Double] = (0..<60).map { (i: Int) -> Double in
        let jitter = Double((i * 7) % 5)
        return 16_801.42 + Double(i) * 18.3 + jitter
    }
    static var time: SeriesTime { SeriesTime(seconds: days.map { $0 * 86_400 }) }

    /// A 3-harmonic signal with a trend: every order from 3 up fits it exactly.
    static func signal(_ t: Double) -> Double { 0.45 + 0.004 * t + 0.2 * cos(t) - 0.08 * sin(t) + 0.05 * cos(2 * t) + 0.02 * sin(3 * t) }

    /// One pixel per clear count in `counts`: the first `count` dates clear (spread), the rest missing.
    static func cube(clearCounts counts: [Int]) -> SeriesCube {
        let D = days.count, t = time.t
        var values = [Float](repeating: .nan, count: D * counts.count)
        for (p, c) in counts.enumerated() {
            // Every k-th date clear, so the clear dates span the series.
            let chosen = Set((0..<c).map { $0 * D / max(c, 1) })
            for d in chosen { values[d * counts.count + p] = Float(signal(t[d])) }
        }
        return SeriesCube(dates: D, pixels: counts.count, values: values)
    }

    @Test func theSeedCascadeRecoversKnownHarmonicsAndNeverReplacesObservations() {
        let cube = Self.cube(clearCounts: [40])
        let filled = SeedCascade().fill(cube, time: Self.time)
        let t = Self.time.t
        for d in 0..<cube.dates {
            let q = filled.quality[d]
            if cube.values[d].isNaN {
                #expect(q == 10)
                #expect(abs(Double(filled.final[d]) - Self.signal(t[d])) < 1e-4, "date \(d)")
            } else {
                #expect(q == FillQuality.observed && filled.final[d] == cube.values[d])
            }
        }
    }

    @Test func underDeterminedPixelsFallBackToFewerHarmonicsThenNothing() {
        // > 22 regressors' worth: 10 harmonics; 13..22: 5; 5..12: 1; ≤ 4: nothing.
        let cube = Self.cube(clearCounts: [23, 22, 13, 12, 5, 4, 0])
        let filled = SeedCascade().fill(cube, time: Self.time)
        func codes(_ p: Int) -> Set<Int8> {
            Set((0..<cube.dates).filter { cube[$0, p].isNaN }.map { filled.quality[$0 * cube.pixels + p] })
        }
        // A 10-harmonic fit on 23 dates overshoots (−1, 1) somewhere: those values fall to 5 or 1.
        #expect(codes(0).contains(10) && codes(0).isSubset(of: [10, 5, 1]))
        #expect(codes(1).isSubset(of: [5, 1]) && codes(1).contains(5))
        #expect(codes(2).contains(5))
        #expect(codes(3) == [1] && codes(4) == [1])
        #expect(codes(5) == [FillQuality.none] && codes(6) == [FillQuality.none])
        for d in 0..<cube.dates where filled.quality[d * cube.pixels + 5] == FillQuality.none {
            #expect(filled.final[d * cube.pixels + 5].isNaN)
        }
    }

    @Test func fitsOutsideMinusOneToOneAreDroppedForMoreThanOneHarmonic() {
        // Noisy observations: a 10-harmonic fit with one degree of freedom swings wide in the gaps.
        // The first 23 dates clear: extrapolating it over the next two years leaves (−1, 1).
        let t = Self.time.t
        let cube = SeriesCube(dates: t.count, pixels: 1, values: t.indices.map {
            $0 < 23 ? Float(Self.signal(t[$0]) + ($0 % 3 == 0 ? 0.08 : -0.04)) : .nan
        })
        let filled = SeedCascade().fill(cube, time: Self.time)
        // Recompute the 10-harmonic fit by hand: where it leaves (−1, 1), the cascade took another.
        let clear = (0..<cube.dates).filter { !cube.values[$0].isNaN }
        let ls = LeastSquaresOperator(design: HarmonicBasis.matrix(t: clear.map { t[$0] }, harmonics: 10), rows: clear.count, columns: 22)!
        let all = HarmonicBasis.matrix(t: t, harmonics: 10)
        var outside = 0
        for d in 0..<cube.dates where cube.values[d].isNaN {
            var fit = 0.0
            for k in 0..<22 { for j in 0..<clear.count { fit += all[d * 22 + k] * ls.solve[k * clear.count + j] * Double(cube.values[clear[j]]) } }
            if abs(fit) >= 1 {
                outside += 1
                #expect(filled.quality[d] != 10)
            } else {
                #expect(filled.quality[d] == 10 && abs(Double(filled.final[d]) - fit) < 1e-5)
            }
        }
        #expect(outside > 0, "the case meant to overshoot did not")
    }

    @Test func seedLiteralLaysTheFitOverObservationsAsTheOriginalDid() {
        var cube = Self.cube(clearCounts: [40])
        for d in 0..<cube.dates where !cube.values[d].isNaN { cube.values[d] += d % 2 == 0 ? 0.05 : -0.05 }  // noise
        let fixed = SeedCascade().fill(cube, time: Self.time), literal = SeedCascade(literal: true).fill(cube, time: Self.time)
        let observed = (0..<cube.dates).filter { !cube.values[$0].isNaN }
        #expect(observed.allSatisfy { fixed.final[$0] == cube.values[$0] })
        #expect(observed.filter { literal.final[$0] != cube.values[$0] }.count == observed.count)
        #expect(observed.allSatisfy { literal.quality[$0] == FillQuality.observed })
    }

    @Test func theDefaultAndLinearKeepObservationsAndFillEveryGapOfAPixelWithData() {
        let cube = Self.cube(clearCounts: [40, 6, 1, 0])
        for method in GapFiller.names {
            let filled = GapFiller.fill(cube, time: Self.time, method: method)!
            for p in 0..<cube.pixels {
                for d in 0..<cube.dates {
                    let i = d * cube.pixels + p, v = cube.values[i]
                    if !v.isNaN { #expect(filled.final[i] == v && filled.quality[i] == FillQuality.observed, "\(method)") }
                    else if p < 2 && method != "seed" { #expect(!filled.final[i].isNaN && abs(filled.final[i]) <= 1, "\(method)") }
                    if p == 3 { #expect(filled.final[i].isNaN && filled.quality[i] == FillQuality.none, "\(method)") }
                }
            }
        }
        // The default's interval: 0 on observations, positive on fills.
        let filled = HarmonicResidual().fill(cube, time: Self.time)
        #expect(filled.halfWidth![0] == 0)
        let gap = try! #require((0..<cube.dates).first { cube.values[$0 * cube.pixels + 1].isNaN })
        #expect(filled.halfWidth![gap * cube.pixels + 1] > 0)
        // One clear value: repeated everywhere (constant baseline, residual 0).
        let single = (0..<cube.dates).map { filled.final[$0 * cube.pixels + 2] }
        #expect(Set(single).count == 1)
    }

    @Test func aSingleDateSeriesDoesNotCrash() {
        let cube = SeriesCube(dates: 1, pixels: 2, values: [0.5, .nan])
        let time = SeriesTime(seconds: [1_500_000_000])
        for method in GapFiller.names {
            let filled = GapFiller.fill(cube, time: time, method: method)!
            #expect(filled.final[0] == 0.5 && filled.final[1].isNaN)
        }
    }

    @Test func scoresAreComputedAsDefined() {
        let s = FillScore(method: "m", predictions: [0.1, 0.2, .nan, 0.7], truths: [0.0, 0.4, 0.5, 0.7])
        #expect(s.n == 3 && s.unfilled == 1)
        #expect(abs(s.rmse - (0.05 / 3).squareRoot()) < 1e-7)
        #expect(abs(s.mae - 0.1) < 1e-7 && abs(s.bias - (-0.1 / 3)) < 1e-7 && abs(s.medae - 0.1) < 1e-7)
    }
}

/// Season metrics on a synthetic double-logistic year, whose answers are known in closed form.
@Suite struct SeasonMetricTests {
    static let base = 0.2, amplitude = 0.6, rise = 120.0, fall = 280.0, slope = 8.0
    static func curve(_ doy: Double) -> Double {
        base + amplitude * (1 / (1 + exp(-(doy - rise) / slope)) - 1 / (1 + exp(-(doy - fall) / slope)))
    }

    @Test func aDoubleLogisticSeasonGivesItsStartEndPeakAndIntegral() {
        let year = SeasonWindow.windows(first: 16_801, last: 17_166, month: 1, day: 1)   // 2016 (a leap year)
        #expect(year.count == 1 && year[0].label == "2016" && year[0].days == 366)
        // Every 5 days, observed.
        let days = stride(from: 16_801.5, to: 17_167, by: 5).map { $0 }
        let values = days.map { Float(Self.curve($0 - 16_801 + 1)) }
        let metrics = SeasonAnalysis(settings: SeasonSettings(), window: year[0])
            .metrics(days: days, values: values, observed: days.map { _ in true })
        func m(_ k: SeasonMetric) -> Double { Double(metrics[k.rawValue]) }
        // Start where the curve reaches base + 0.25 amplitude on the way up: rise + slope·ln(1/3).
        #expect(abs(m(.startDay) - (Self.rise + Self.slope * log(0.25 / 0.75))) < 1.5, "\(m(.startDay))")
        #expect(abs(m(.endDay) - (Self.fall - Self.slope * log(0.15 / 0.85))) < 1.5, "\(m(.endDay))")
        #expect(abs(m(.peakDay) - 200) < 5)
        #expect(abs(m(.peakValue) - 0.8) < 0.01 && abs(m(.baseLevel) - 0.2) < 0.01 && abs(m(.amplitude) - 0.6) < 0.02)
        // ∫ over the season, by the closed form's own numeric integral at a fine step.
        var exact = 0.0
        let a = m(.startDay), b = m(.endDay)
        for i in 0..<10_000 { let x = a + (b - a) * (Double(i) + 0.5) / 10_000; exact += Self.curve(x) * (b - a) / 10_000 }
        #expect(abs(m(.largeIntegral) - exact) / exact < 0.01, "\(m(.largeIntegral)) vs \(exact)")
        #expect(abs(m(.smallIntegral) - (exact - m(.baseLevel) * (b - a))) < 1)
        #expect(abs(m(.length) - (b - a)) < 1e-3)
        #expect(m(.greenUpRate) > 0 && m(.senescenceRate) > 0)
        #expect(m(.clearGreenUp) > 0 && m(.clearPeak) > 0 && m(.clearGreenDown) > 0 && m(.filledShare) == 0)
        #expect(metrics[SeasonMetric.flag.rawValue] == SeasonFlag.good)
    }

    @Test func aFlatPixelHasNoSeasonAndAnEmptyOneHasNothing() {
        let window = SeasonWindow(label: "x", start: 0, end: 100, yearStart: 0)
        let analysis = SeasonAnalysis(settings: SeasonSettings(), window: window)
        let flat = analysis.metrics(days: [10, 50, 90], values: [0.5, 0.51, 0.5], observed: [true, true, true])
        #expect(flat[SeasonMetric.flag.rawValue] == SeasonFlag.none && flat[SeasonMetric.startDay.rawValue].isNaN)
        #expect(!flat[SeasonMetric.annualIntegral.rawValue].isNaN)
        let empty = analysis.metrics(days: [10, 50], values: [.nan, .nan], observed: [false, false])
        #expect(empty[SeasonMetric.flag.rawValue] == SeasonFlag.none && empty[SeasonMetric.peakValue.rawValue].isNaN)
    }
}
