import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantMask

/// The multitemporal cloud model (seed-algorithm.md §3–§4): neighbour selection, k-means,
/// the forest and its model file, the radiometric offset, and the shipped model on real scenes.
struct CloudModelTests {
    static let hour = 3600.0

    static func image(_ id: String, hours: Double, tile: String = "33TVL", cloud: Double? = nil,
                      footprint: String = #"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#) -> CatalogImage {
        let t = Date(timeIntervalSince1970: 1_500_000_000 + hours * hour)
        return CatalogImage(id: id, acquired: t, end: t, tile: tile, footprint: footprint, cloudCover: cloud, source: "\(id).json")
    }

    @Test func neighboursExcludeNearTimesOtherTilesAndPoorCoverThenFillFromTheFuture() {
        let target = Self.image("target", hours: 0)
        let catalog = [
            target,
            Self.image("same-pass", hours: -17.9), Self.image("other-tile", hours: -48, tile: "33UUU"),
            Self.image("before-1", hours: -24 * 10), Self.image("before-2", hours: -24 * 20), Self.image("partial", hours: -24 * 5),
            Self.image("after-1", hours: 24 * 10), Self.image("after-2", hours: 24 * 20), Self.image("edge", hours: 18),
        ]
        let selection = NeighbourSelection(numberOfImages: 3, numberPreselect: 4, allowFuture: true, numberHours: 18, commonArea: 0.95)
        // "partial" covers 0.5 of the image; everything else all of it. ±18 h is excluded, inclusive.
        let chosen = selection.select(for: target, among: catalog) { $0.id == "partial" ? 0.5 : 1 }
        #expect(chosen.recent.map(\.id) == ["before-1", "before-2", "after-1"])
        let past = NeighbourSelection(numberOfImages: 3, numberPreselect: 4, allowFuture: false, numberHours: 18, commonArea: 0.95)
        #expect(past.select(for: target, among: catalog) { $0.id == "partial" ? 0.5 : 1 }.recent.map(\.id) == ["before-1", "before-2"])
    }

    @Test func leastCloudyKeepsTheClearestOfThePreselection() {
        let target = Self.image("target", hours: 0)
        let catalog = [target] + [("a", 50.0), ("b", 5.0), ("c", 90.0), ("d", 1.0), ("e", nil)].enumerated().map { i, pair in
            Self.image(pair.0, hours: -24 * Double(i + 1), cloud: pair.1)
        }
        let selection = NeighbourSelection(numberOfImages: 4, numberPreselect: 5, allowFuture: true, numberHours: 18, commonArea: 0.95)
        let chosen = selection.select(for: target, among: catalog) { _ in 1 }
        #expect(chosen.recent.map(\.id) == ["a", "b", "c", "d"])
        // Of the 5 most recent, the 4 least cloudy: e, whose cover is unknown, sorts last.
        #expect(chosen.leastCloudy.map(\.id) == ["d", "b", "a", "c"])
    }

    @Test func kMeansIsDeterministicAndFindsSeparatedGroups() {
        var samples: [Float] = []
        for i in 0..<300 { let centre: Float = [0, 10, 20][i % 3]; samples += [centre + Float(i % 7) * 0.01, -centre] }
        var rng1 = SplitMix64(seed: 42), rng2 = SplitMix64(seed: 42)
        let a = KMeans.fit(samples: samples, dimensions: 2, clusters: 3, rng: &rng1)
        let b = KMeans.fit(samples: samples, dimensions: 2, clusters: 3, rng: &rng2)
        #expect(a.centres == b.centres)
        let firsts = Set((0..<3).map { a.nearest(samples, at: $0 * 2) })
        #expect(firsts.count == 3)
        for i in 0..<300 { #expect(a.nearest(samples, at: i * 2) == a.nearest(samples, at: (i % 3) * 2)) }
    }

    @Test func medianLeavesOutNoDataAndAveragesTheMiddlePairOfAnEvenCount() {
        let nan = Float.nan
        let median = BackgroundMedian.median(of: [[1, nan, nan, 5], [3, 2, nan, 1], [2, 4, nan, 9], [10, nan, nan, 7]])
        #expect(median[0] == 2.5)          // 1 2 3 10
        #expect(median[1] == 3)            // 2 4
        #expect(median[2].isNaN)           // nothing
        #expect(median[3] == 6)            // 1 5 7 9
    }

    @Test func openingRemovesSpecksAndRoundsCorners() {
        let width = 12, height = 12
        var mask = [UInt8](repeating: 0, count: width * height)
        for r in 2..<7 { for c in 2..<7 { mask[r * width + c] = 1 } }     // a 5×5 block
        mask[10 * width + 10] = 1                                           // a speck
        let opened = Morphology.opening(mask, within: [UInt8](repeating: 1, count: mask.count), width: width, height: height, radius: 2)
        #expect(opened[10 * width + 10] == 0)
        #expect(opened[4 * width + 4] == 1 && opened[2 * width + 4] == 1 && opened[4 * width + 2] == 1)
        #expect(opened[2 * width + 2] == 0)                                 // the disc does not reach the corner
        #expect(opened.reduce(0) { $0 + Int($1) } == Morphology.disc(radius: 2).count)
    }

    /// A bright, changed block on a steady background is cloud, an isolated bright pixel is not
    /// (the opening), and `do_clustering = false` gives the per-pixel variant.
    @Test func percentileTestFindsAChangedBlockPerClusterAndPerPixel() {
        let width = 40, height = 40, n = width * height
        var rng = SplitMix64(seed: 7)
        let background = BandStack(width: width, height: height, bands: (0..<13).map { _ in (0..<n).map { _ in Float(0.05 + 0.01 * rng.unit()) } })
        var bands = background.bands
        func brighten(_ i: Int) { for b in 0..<13 { bands[b][i] += 0.3 } }
        for r in 10..<22 { for c in 10..<22 { brighten(r * width + c) } }
        brighten(35 * width + 35)
        let image = BandStack(width: width, height: height, bands: bands)
        let eligible = [UInt8](repeating: 1, count: n)
        for clustering in [true, false] {
            var settings = PercentileTest.Settings()
            settings.clustering = clustering
            var stack = FeatureStack(image: image, backgrounds: [.recent: background], eligible: eligible, percentile: settings)
            let result = stack.test(.recent, perPixel: false)!
            #expect((result.clusters > 0) == clustering)
            #expect(result.mask[16 * width + 16] == 1 && result.mask[35 * width + 35] == 0 && result.mask[2 * width + 2] == 0)
            #expect(result.multitemporalScore[16 * width + 16] > 0.25)
            #expect(stack.test(.recent, perPixel: true)!.clusters == 0)
        }
    }

    @Test func forestSeparatesASeparableSetAndAveragesLeafFractions() {
        var x: [Float] = [], y: [Float] = [], labels: [UInt8] = []
        for i in 0..<400 { let v = Float(i) / 400; x.append(v); y.append(Float((i * 7) % 13)); labels.append(v > 0.6 ? 1 : 0) }
        var settings = ForestTraining.Settings()
        settings.trees = 25
        let trees = ForestTraining(settings: settings).train(columns: [x, y], labels: labels, workers: 2)
        let forest = RandomForest(trees: trees, featureCount: 2)
        let p = forest.probabilities(columns: [x, y])
        #expect(zip(p, labels).allSatisfy { ($0 > 0.5) == ($1 == 1) })
        // P(cloud) is the mean of the trees' leaf values.
        let sample: [Float] = [0.3, 4]
        let mean = trees.map { tree in tree.predict { sample[$0] } }.reduce(0, +) / Float(trees.count)
        #expect(abs(forest.probability(sample) - mean) < 1e-6)
        // Two hand-made stumps: a mixed leaf counts as its fraction, not as a vote.
        let half = DecisionTree(feature: [0, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 0, 0.5])
        let full = DecisionTree(feature: [-1], threshold: [0], left: [-1], right: [-1], value: [1])
        #expect(RandomForest(trees: [half, full], featureCount: 1).probability([0.9]) == 0.75)
    }

    @Test func modelFileRoundTripsAndDamageIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = DecisionTree(feature: [0, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 0, 1])
        let model = CloudModelFile(features: ["tree3", "mt1>0.02"], trees: [tree],
                                   training: .init(command: "verdant train", created: "now", settings: .init(), samples: 2,
                                                   cloudSamples: 1, sources: ["x"], labels: "test"))
        let path = folder.appendingPathComponent("m.json").path
        try model.write(to: path)
        #expect(try CloudModelFile.load(path: path) == model)

        let damaged = folder.appendingPathComponent("damaged.json").path
        try Data(try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"left\":[1,", with: "\"left\":[0,").utf8)
            .write(to: URL(fileURLWithPath: damaged))
        #expect(throws: CloudModelError.self) { try CloudModelFile.load(path: damaged) }
        do { _ = try CloudModelFile.load(path: damaged) } catch let error as CloudModelError {
            #expect(error.path == damaged && error.problem.contains("trees[0]"))
        }
        let truncated = folder.appendingPathComponent("truncated.json").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(40)).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: CloudModelError.self) { try CloudModelFile.load(path: truncated) }
        let unknown = folder.appendingPathComponent("unknown.json").path
        try Data(try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"tree3\"", with: "\"tree9\"").utf8)
            .write(to: URL(fileURLWithPath: unknown))
        #expect(throws: CloudModelError.self) { try CloudModelFile.load(path: unknown) }
    }

    /// The sample catalog, the shipped model, and seed settings at 30 m reading it.
    static func shippedSetup() throws -> (listing: StacCatalog.Listing, settings: CloudMaskSettings, model: CloudModel, features: SceneFeatures) {
        let listing = try StacCatalog.load(path: SampleCatalog.samples.appendingPathComponent("catalog/catalog.json").path,
                                           coefNormalisation: 10000)
        var settings = CloudMaskSettings(scale: 30, method: "seed", landGeometryPath: "")
        settings.modelPath = SampleCatalog.repositoryRoot.appendingPathComponent("models/cloud-forest.json").path
        let model = try CloudModel(file: try CloudModelFile.load(path: settings.modelPath), cutoff: 0.29, percentile: settings.percentile)
        let features = SceneFeatures(items: listing.items, settings: settings, selection: NeighbourSelection(MaskSettings()), land: nil)
        return (listing, settings, model, features)
    }

    /// Backgrounds read a row at a time give the very mask of backgrounds read whole.
    @Test func windowedBackgroundsGiveTheSameMask() throws {
        let (listing, settings, model, features) = try Self.shippedSetup()
        let item = try #require(listing.items.first { $0.id == "20150731T100009_20150731T100009_T33TVL" })
        func mask(windowBytes: Int) throws -> [UInt8] {
            var s = settings
            s.windowBytes = windowBytes
            var job = CloudMaskJob(item: item, land: nil, settings: s)
            job.model = model
            job.neighbours = try features.neighbours(of: item)
            return try job.mask(cache: GridBandCache(limitBytes: 0), checking: { false }).mask
        }
        let whole = try mask(windowBytes: 1 << 30)
        #expect(whole.contains(1))
        #expect(try mask(windowBytes: 1) == whole)      // one row per window
    }

    /// The binary carries the repository's model byte for byte (models/embed.sh writes it).
    @Test func shippedModelIsBuiltIn() throws {
        let file = try String(contentsOf: SampleCatalog.repositoryRoot.appendingPathComponent("models/cloud-forest.json"), encoding: .utf8)
        #expect(CloudModelFile.shippedJSON == file, "run `bash models/embed.sh` after retraining the shipped model")
    }

    @Test func baselineOffsetIsRemovedOnlyWhenDue() {
        let before = Date(timeIntervalSince1970: 1_600_000_000), after = Date(timeIntervalSince1970: 1_700_000_000)
        let plain = BandAsset(path: "b.tif", scale: 0.0001, offset: 0, nodata: 0)
        #expect(plain.offset(under: .auto, baseline: nil, acquired: before) == 0)
        #expect(abs(plain.offset(under: .auto, baseline: nil, acquired: after) + 0.1) < 1e-12)
        #expect(plain.offset(under: .auto, baseline: 2.04, acquired: after) == 0)
        #expect(abs(plain.offset(under: .auto, baseline: 4.0, acquired: before) + 0.1) < 1e-12)
        #expect(plain.offset(under: .keep, baseline: 5.0, acquired: after) == 0)
        #expect(abs(plain.offset(under: .remove, baseline: nil, acquired: before) + 0.1) < 1e-12)
        let declared = BandAsset(path: "b.tif", scale: 0.0001, offset: 0, nodata: 0, offsetDeclared: true)
        #expect(declared.offset(under: .auto, baseline: 5.0, acquired: after) == 0)
    }

    /// The shipped model on the real samples: the haze and the thick cloud found, the clear
    /// dates clear, the snow not taken for cloud.
    @Test func shippedModelOnTheRealSamples() throws {
        let (listing, _, model, features) = try Self.shippedSetup()
        func cloudShare(_ id: String) throws -> Double {
            let item = try #require(listing.items.first { $0.id == id })
            let scene = try features.scene(item, features: model.features)
            let mask = model.decide(columns: scene.columns, eligible: scene.eligible).mask
            let valid = mask.filter { $0 != Hollstein.nodata }
            return Double(valid.filter { $0 == 1 }.count) / Double(max(1, valid.count))
        }
        #expect(try cloudShare("20150731T100009_20150731T100009_T33TVL") > 0.8)   // haze
        #expect(try cloudShare(SampleCatalog.cloudyID) > 0.8)                        // thick cloud
        for id in SampleCatalog.clearIDs { #expect(try cloudShare(id) < 0.05) }
        #expect(try cloudShare("20170111T100351_20170111T100351_T33TVL") < 0.5)    // snow
    }
}
