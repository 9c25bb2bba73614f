import Foundation
import Testing
import VerdantMask
import VerdantRaster

@Suite("Hollstein cloud tests")
struct HollsteinTests {
    /// A dark vegetated pixel that no rule of tree2 or tree3 flags (B8A below 0.051).
    static let clear: [String: Float] = ["B1": 0.10, "B2": 0.10, "B3": 0.10, "B5": 0.10, "B6": 0.10,
                                         "B8A": 0.03, "B10": 0.001, "B11": 0.10, "B12": 0.10]

    static func bands(_ pixels: [[String: Float]]) -> ReflectanceBands {
        var columns: [String: [Float]] = [:]
        for name in ReflectanceBands.names { columns[name] = pixels.map { $0[name] ?? clear[name]! } }
        return ReflectanceBands(byName: columns)!
    }

    /// (what it exercises, band overrides on `clear`, expected tree2, expected tree3)
    static let cases: [(String, [String: Float], UInt8, UInt8)] = [
        ("clear pixel", [:], 0, 0),
        ("tree2 rule 1: B8A>0.156, B3<0.333, B10/B2>0.065", ["B8A": 0.16, "B3": 0.2, "B2": 0.1, "B10": 0.02], 1, 0),
        ("tree2 rule 1 fails on B10/B2", ["B8A": 0.16, "B3": 0.2, "B2": 0.1, "B10": 0.005], 0, 0),
        ("tree2 rule 2: B8A>0.156, B3>0.333, B6/B11<4.292", ["B8A": 0.16, "B3": 0.4, "B6": 0.3, "B11": 0.1], 1, 0),
        ("tree2 rule 2 fails on B6/B11", ["B8A": 0.16, "B3": 0.4, "B6": 0.5, "B11": 0.1], 0, 0),
        ("tree3 rule 1: 0.051<B8A<0.181, B12<0.097, B10>0.011", ["B8A": 0.1, "B12": 0.05, "B10": 0.02], 0, 1),
        ("tree3 rule 1 fails on B12", ["B8A": 0.1, "B12": 0.2, "B10": 0.02], 0, 0),
        ("tree3 rule 2: B8A>0.181, B1<0.331, B10<0.012, B2>0.271", ["B8A": 0.3, "B1": 0.2, "B10": 0.005, "B2": 0.3, "B3": 0.5, "B6": 0.5, "B11": 0.1], 0, 1),
        ("tree3 rule 2 fails on B2", ["B8A": 0.3, "B1": 0.2, "B10": 0.005, "B2": 0.2, "B3": 0.5, "B6": 0.5, "B11": 0.1], 0, 0),
        ("tree3 rule 3: B8A>0.181, B1<0.331, B10>0.012", ["B8A": 0.3, "B1": 0.2, "B10": 0.02, "B2": 1.0, "B3": 0.2], 0, 1),
        ("tree3 rule 4: B8A>0.181, B1>0.331, B11<0.239, B2<0.711", ["B8A": 0.3, "B1": 0.4, "B11": 0.2, "B2": 0.5, "B3": 0.4, "B6": 1.0], 0, 1),
        ("tree3 rule 4 fails on B2", ["B8A": 0.3, "B1": 0.4, "B11": 0.2, "B2": 0.8, "B3": 0.4, "B6": 1.0], 0, 0),
        ("tree3 rule 5: B8A>0.181, B1>0.331, B11>0.239, B5<1.393", ["B8A": 0.3, "B1": 0.4, "B11": 0.3, "B5": 0.5, "B3": 0.4, "B6": 1.5], 0, 1),
        ("tree3 rule 5 fails on B5", ["B8A": 0.3, "B1": 0.4, "B11": 0.3, "B5": 1.5, "B3": 0.4, "B6": 1.5], 0, 0),
        ("bright cloud: both trees", ["B1": 0.35, "B2": 0.35, "B3": 0.35, "B5": 0.4, "B6": 0.4, "B8A": 0.4, "B10": 0.02, "B11": 0.3, "B12": 0.2], 1, 1),
    ]

    @Test(arguments: 0..<cases.count)
    func eachRuleOfTree2AndTree3(index: Int) {
        let (name, overrides, tree2, tree3) = Self.cases[index]
        let bands = Self.bands([Self.clear.merging(overrides) { $1 }])
        #expect(Hollstein.tree2(bands) == [tree2], "\(name): tree2")
        #expect(Hollstein.tree3(bands) == [tree3], "\(name): tree3")
        #expect(Hollstein.cloudMask(bands) == [tree2 | tree3], "\(name): tree2 ∨ tree3")
    }

    @Test func anyNaNBandGivesNodata() {
        let cloudy = ["B8A": Float(0.3), "B1": 0.2, "B10": 0.02]
        for name in ReflectanceBands.names {
            let pixel = Self.clear.merging(cloudy) { $1 }.merging([name: Float.nan]) { $1 }
            let bands = Self.bands([pixel, Self.clear])
            #expect(Hollstein.cloudMask(bands) == [255, 0], "NaN in \(name)")
            #expect(Hollstein.tree2(bands) == [255, 0])
            #expect(Hollstein.tree3(bands) == [255, 0])
        }
    }

    @Test func tree1Rules() {
        // (B3 < 0.325 ∧ B8A < 0.166 ∧ B10 > 0.011), (B3 > 0.325 ∧ B11 < 0.267 ∧ B4 < 0.674),
        // (B3 > 0.325 ∧ B11 > 0.267 ∧ B7 < 1.544), then a clear pixel, then a NaN.
        let result = Hollstein.tree1(b3: [0.2, 0.4, 0.4, 0.2, 0.4, .nan], b4: [0.1, 0.5, 0.5, 0.1, 0.8, 0.1],
                                     b7: [0.1, 0.1, 1.0, 0.1, 0.1, 0.1], b8A: [0.1, 0.1, 0.1, 0.3, 0.1, 0.1],
                                     b10: [0.02, 0.0, 0.0, 0.02, 0.0, 0.0], b11: [0.1, 0.2, 0.3, 0.1, 0.2, 0.1])
        #expect(result == [1, 1, 1, 0, 0, 255])
    }

    /// The 10 real sample scenes (reflectance = DN / 10000, 0 → NaN), repeated to exceed the
    /// size at which the work is split.
    static func realScenes(repeats: Int) throws -> ReflectanceBands {
        var columns: [String: [Float]] = [:]
        for id in SampleCatalog.sloveniaIDs {
            for name in ReflectanceBands.names {
                let key = name.count == 2 ? "B0" + name.dropFirst() : name
                let dn = try RasterInfo.read(path: SampleCatalog.bandPath(id, key)).values
                columns[name, default: []] += dn.map { $0 == 0 ? .nan : $0 / 10000 }
            }
        }
        for name in ReflectanceBands.names {
            let scene = columns[name]!
            columns[name] = Array((0..<repeats).map { _ in scene }.joined())
        }
        return ReflectanceBands(byName: columns)!
    }

    @Test func parallelEqualsSingleThreadOnRealData() throws {
        let bands = try Self.realScenes(repeats: 4)
        #expect(bands.pixelCount == 10 * 100 * 101 * 4)
        let single = Hollstein.cloudMask(bands)
        for workers in [2, 3, 8] {
            #expect(Hollstein.cloudMask(bands, workers: workers) == single, "workers \(workers)")
        }
        #expect(Hollstein.tree2(bands, workers: 2) == Hollstein.tree2(bands))
        #expect(Hollstein.tree3(bands, workers: 2) == Hollstein.tree3(bands))
        // The masked scenes bring real nodata; the cloudy scene real clouds.
        #expect(single.contains(255) && single.contains(1) && single.contains(0))
    }
}
