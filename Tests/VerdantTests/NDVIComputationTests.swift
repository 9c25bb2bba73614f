import Testing
import VerdantLocal

@Suite("NDVI per pixel (pure)")
struct NDVIComputationTests {
    @Test func clearPixelsGetTheNormalisedDifference() {
        let red: [Float] = [0.1, 0.3, 0.2, 0, 0.25]
        let nir: [Float] = [0.5, 0.1, 0.2, 0.4, 0]
        let (values, summary) = NDVIComputation.compute(red: red, nearInfrared: nir, mask: [0, 0, 0, 0, 0])
        for i in red.indices {
            #expect(values[i] == (nir[i] - red[i]) / (nir[i] + red[i]), "pixel \(i)")
        }
        #expect(abs(values[0] - 2.0 / 3.0) < 1e-6)
        #expect(abs(values[1] + 0.5) < 1e-6)
        #expect(values[2] == 0 && values[3] == 1 && values[4] == -1)
        #expect(summary.validCount == 5 && summary.cloudCount == 0 && summary.nodataCount == 0)
        let mean = values.reduce(0.0) { $0 + Double($1) } / 5
        #expect(abs(summary.mean! - mean) < 1e-12)
        #expect(summary.validFraction == 1 && summary.cloudFraction == 0 && summary.nodataFraction == 0)
    }

    @Test func cloudAndMaskNodataAreNaNWhateverTheBands() {
        let (values, summary) = NDVIComputation.compute(red: [0.1, 0.1, 0.1, 0.1], nearInfrared: [0.5, 0.5, 0.5, 0.5],
                                                        mask: [1, 255, 7, 0])
        #expect(values[0].isNaN && values[1].isNaN && values[2].isNaN)
        #expect(!values[3].isNaN)
        #expect(summary.cloudCount == 1, "only 1 is cloud")
        #expect(summary.nodataCount == 2, "255 and any value other than 0 or 1 are nodata")
        #expect(summary.validCount == 1)
        #expect(summary.cloudFraction == 0.25 && summary.nodataFraction == 0.5 && summary.validFraction == 0.25)
    }

    @Test func undefinedWhereTheSumIsNotPositive() {
        // Zero sum, negative sum (possible with the −0.1 offset of baseline 04.00), and a sum of
        // −0 all leave NDVI undefined.
        let (values, summary) = NDVIComputation.compute(red: [0, -0.05, -0.0], nearInfrared: [0, 0.02, 0],
                                                        mask: [0, 0, 0])
        #expect(values.allSatisfy { $0.isNaN })
        #expect(summary.validCount == 0 && summary.nodataCount == 3 && summary.mean == nil)
    }

    @Test func aBandWithoutDataGivesNaN() {
        let (values, summary) = NDVIComputation.compute(red: [.nan, 0.1, .nan, 0.1], nearInfrared: [0.4, .nan, .nan, 0.4],
                                                        mask: [0, 0, 0, 1])
        #expect(values.allSatisfy { $0.isNaN })
        #expect(summary.nodataCount == 3 && summary.cloudCount == 1 && summary.validCount == 0)
    }

    @Test func theMeanIsOverValidPixelsOnly() {
        let (values, summary) = NDVIComputation.compute(red: [0.1, 0.2, 0.1, 0.3], nearInfrared: [0.3, 0.2, 0.9, 0.3],
                                                        mask: [0, 0, 1, 255])
        #expect(summary.validCount == 2)
        #expect(abs(summary.mean! - (Double(values[0]) + Double(values[1])) / 2) < 1e-12)
        #expect(abs(summary.mean! - 0.25) < 1e-6)
    }

    @Test func anEmptyGridHasNoFractionsAndNoMean() {
        let (values, summary) = NDVIComputation.compute(red: [], nearInfrared: [], mask: [])
        #expect(values.isEmpty)
        #expect(summary.pixelCount == 0 && summary.mean == nil)
        #expect(summary.validFraction == 0 && summary.cloudFraction == 0 && summary.nodataFraction == 0)
    }
}
