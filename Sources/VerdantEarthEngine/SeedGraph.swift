import Foundation
import VerdantCore
import VerdantMask

/// The original's model (seed-algorithm.md §2–§4) as a graph: backgrounds as the median of
/// the neighbour images the run recorded, the differences clustered by k-means
/// (`Clusterer.wekaKMeans` trained on an `Image.sample` of the standardised differences) and
/// scored per cluster, or scored per pixel with `do_clustering = false`; the disc opening; the
/// forest as a decision-tree ensemble whose mean leaf value is P(cloud); the cut-off.
public struct SeedGraph: Sendable {
    public let model: CloudModel
    public let coefficient: Double
    /// Export scale and the clustering's sampling scale, metres.
    public let scale: Double
    public let samplingScale: Double

    public init(model: CloudModel, coefficient: Double, scale: Double = 30, samplingScale: Double = 30) {
        self.model = model; self.coefficient = coefficient; self.scale = scale; self.samplingScale = samplingScale
    }

    /// Why this model cannot run as a graph, or nil.
    public static func problem(_ model: CloudModel) -> String? {
        // rpart numbers node k's children 2k and 2k + 1: ids of trees deeper than 30 overflow its format.
        if let deep = model.forest.trees.map(depth).max(), deep > 30 {
            return "a tree of the forest is \(deep) levels deep; Earth Engine's tree format takes at most 30 (train with a smaller max depth)"
        }
        return nil
    }

    /// The mask of the image `source` against its recorded neighbours.
    /// `land`: the land geometry, if any; the clustering samples and scores footprint ∩ land, as
    /// the local engine tests only the pixels of that region.
    public func image(source: String, neighbours: Neighbours?, land: ExpressionNode? = nil) -> EEImage {
        let reflectance = reflectance(source)
        let sets = Set(model.features.compactMap(\.background))
        var backgrounds: [NeighbourSet: EEImage] = [:]
        for set in sets {
            let refs = (set == .recent ? neighbours?.recent : neighbours?.leastCloudy) ?? []
            // A background without neighbours: the run masks with tree2 ∨ tree3 alone.
            guard !refs.isEmpty else { return HollsteinGraph.mask(reflectance) }
            backgrounds[set] = EEImage.median(refs.map { self.reflectance($0.source) }).shared
        }
        let footprint = EEImage.load(source).footprint
        let region = ExpressionNode.shared(SharedNode(land.map { ExpressionNode.call("Geometry.intersection", ["left": footprint, "right": $0]) } ?? footprint))
        // Each background's tests are built once, whichever features read them.
        var tests: [String: (mt: EEImage, refl: EEImage)] = [:]
        for set in sets {
            tests["\(set.rawValue)/cluster"] = model.percentile.clustering ? clustered(reflectance, backgrounds[set]!, region: region) : nil
            tests["\(set.rawValue)/pixel"] = scores(reflectance, backgrounds[set]!)
        }
        let columns = model.features.enumerated().map { n, feature in
            column(feature, reflectance: reflectance, tests: tests).rename(["f\(n)"])
        }
        let forest = ExpressionNode.call("Classifier.setOutputMode", [
            "classifier": .call("Classifier.decisionTreeEnsemble", ["treeStrings": .constant(.array(
                model.forest.trees.map { .string(Self.treeString($0)) }))]),
            "mode": .constant(.string("REGRESSION")),
        ])
        return EEImage.cat(columns).classify(forest, outputName: "probability").gt(Double(model.cutoff)).rename(["cloud"])
    }

    public func reflectance(_ source: String) -> EEImage { EEImage.load(source).select(Sentinel2.bands).divide(coefficient).shared }

    func column(_ feature: CloudFeature, reflectance: EEImage, tests: [String: (mt: EEImage, refl: EEImage)]) -> EEImage {
        let p = model.percentile
        func tested(_ set: NeighbourSet, perPixel: Bool) -> (mt: EEImage, refl: EEImage) {
            tests["\(set.rawValue)/\(p.clustering && !perPixel ? "cluster" : "pixel")"]!
        }
        func b(_ name: String) -> EEImage { reflectance.select(name) }
        switch feature {
        case .tree(1): return HollsteinGraph.tree1(reflectance)
        case .tree(2): return HollsteinGraph.tree2(reflectance)
        case .tree: return HollsteinGraph.tree3(reflectance)
        case .band(let i): return b(Sentinel2.bands[i])
        case .ndsi: return ndsi(reflectance)
        case .snow: return EEImage.all([ndsi(reflectance).gt(0.4), b("B8").gt(0.11), b("B3").gt(0.1)])
        case .above(let base, let threshold):
            return column(base, reflectance: reflectance, tests: tests).gt(Double(threshold))
        case .percentile(let set, let perPixel):
            let (mt, refl) = tested(set, perPixel: perPixel)
            let cloud = mt.gt(Double(p.thresholdDifCloud)).and(refl.gt(Double(p.thresholdReflectance)))
            return p.growingRatio > 0 ? cloud.focalMin(radius: p.growingRatio).focalMax(radius: p.growingRatio) : cloud
        case .multitemporalScore(let set): return tested(set, perPixel: false).mt
        case .reflectanceScore(let set): return tested(set, perPixel: false).refl
        }
    }

    /// §3 steps 4–6 per cluster: the differences standardised by their mean and standard
    /// deviation over the footprint (at the sampling scale), `num_pixels` of them sampled to
    /// train k-means with `n_clusters`, every pixel assigned its cluster; then each cluster's
    /// mean of the score terms over its pixels gives its two scores, which its pixels take.
    public func clustered(_ image: EEImage, _ background: EEImage, region: ExpressionNode) -> (mt: EEImage, refl: EEImage) {
        let p = model.percentile
        let bands = Sentinel2.bands
        let d = image.subtract(background).shared
        let mean = d.regionStatistic("Reducer.mean", region: region, scale: samplingScale, names: bands)
        let deviation = d.regionStatistic("Reducer.stdDev", region: region, scale: samplingScale, names: bands)
        let z = d.subtract(mean).divide(deviation).shared
        let seed = JSONValue.number(Double(p.seed % (1 << 31)))
        let sample = ExpressionNode.call("Image.sample", [
            "image": z.node, "region": region, "scale": .constant(.number(samplingScale)),
            "numPixels": .constant(.number(Double(p.numPixels))), "seed": .constant(seed), "dropNulls": .constant(true),
        ])
        let clusterer = ExpressionNode.call("Clusterer.train", [
            "clusterer": .call("Clusterer.wekaKMeans", ["nClusters": .constant(.number(Double(p.nClusters))), "seed": .constant(seed)]),
            "features": sample,
        ])
        let cluster = EEImage(.call("Image.cluster", ["image": z.node, "clusterer": clusterer, "outputName": .constant(.string("cluster"))])).shared
        // Per pixel the three means over the score bands; a cluster's mean of them is the mean
        // over its pixels and bands the original takes.
        let names = p.scoreBands.map { Sentinel2.bands[$0] }
        func average(_ terms: [EEImage]) -> EEImage { terms.dropFirst().reduce(terms[0]) { $0.add($1) }.divide(Double(terms.count)) }
        let differences = names.map { image.select($0).subtract(background.select($0)) }
        let terms = EEImage.cat([average(differences), average(differences.map { $0.multiply($0) }),
                                 average(names.map { image.select($0).multiply(image.select($0)) })]).rename(["s", "q", "r"]).shared
        // One pass: per cluster the sums of the three terms over its pixels and their count
        // (a sum over no pixel is 0, where a mean would be null), then the means.
        let valid = terms.select("s").multiply(EEImage.constant(0)).add(EEImage.constant(1))
        var perCluster: [EEImage] = [], sumNames: [String] = []
        for c in 0..<p.nClusters {
            let member = cluster.eq(Double(c))
            perCluster += [terms.multiply(member).rename(["s\(c)", "q\(c)", "r\(c)"]), valid.multiply(member).rename(["n\(c)"])]
            sumNames += ["s\(c)", "q\(c)", "r\(c)", "n\(c)"]
        }
        let sums = EEImage.cat(perCluster).regionStatistic("Reducer.sum", region: region, scale: scale, names: sumNames).shared
        var mt = EEImage.constant(0), refl = EEImage.constant(0)
        for c in 0..<p.nClusters {
            let member = cluster.eq(Double(c)).shared
            let count = sums.select("n\(c)").max(1)
            let s = sums.select("s\(c)").divide(count), q = sums.select("q\(c)").divide(count), r = sums.select("r\(c)").divide(count)
            mt = mt.add(s.signum().multiply(q.sqrt()).multiply(member).unmask(0))
            refl = refl.add(r.sqrt().multiply(member).unmask(0))
        }
        // Pixels without a cluster (no data in the image or its background) stay untested.
        let tested = cluster.dataMask
        return (mt.updateMask(tested).shared, refl.updateMask(tested).shared)
    }

    func ndsi(_ r: EEImage) -> EEImage { r.select("B3").subtract(r.select("B11")).divide(r.select("B3").add(r.select("B11"))) }

    /// §3 step 6 per pixel over the score bands: sign(Σd) · √(Σd²/n) and √(Σi²/n).
    public func scores(_ image: EEImage, _ background: EEImage) -> (mt: EEImage, refl: EEImage) {
        let names = model.percentile.scoreBands.map { Sentinel2.bands[$0] }
        let d = names.map { image.select($0).subtract(background.select($0)) }
        let i = names.map { image.select($0) }
        func sum(_ terms: [EEImage]) -> EEImage { terms.dropFirst().reduce(terms[0]) { $0.add($1) } }
        let n = Double(names.count)
        let mt = sum(d).signum().multiply(sum(d.map { $0.multiply($0) }).divide(n).sqrt())
        let refl = sum(i.map { $0.multiply($0) }).divide(n).sqrt()
        return (mt.shared, refl.shared)
    }

    static func depth(_ tree: DecisionTree) -> Int {
        func visit(_ node: Int) -> Int { tree.feature[node] < 0 ? 0 : 1 + max(visit(tree.left[node]), visit(tree.right[node])) }
        return visit(0)
    }

    /// A tree in the text format of R's rpart, which `Classifier.decisionTree` reads: one line a
    /// node, `id) split n loss yval`, children of k numbered 2k and 2k+1, leaves marked `*`,
    /// features named f0, f1, … as the stacked bands are. n and loss are not kept by the model
    /// file; they do not change a prediction.
    public static func treeString(_ tree: DecisionTree) -> String {
        var lines: [String] = []
        func visit(_ node: Int, id: Int, depth: Int, split: String) {
            let leaf = tree.feature[node] < 0
            lines.append(String(repeating: "  ", count: depth) + "\(id)) \(split) 1 0 \(tree.value[node])" + (leaf ? " *" : ""))
            guard !leaf else { return }
            let name = "f\(tree.feature[node])", t = tree.threshold[node]
            visit(tree.left[node], id: 2 * id, depth: depth + 1, split: "\(name)<=\(t)")
            visit(tree.right[node], id: 2 * id + 1, depth: depth + 1, split: "\(name)>\(t)")
        }
        visit(0, id: 1, depth: 0, split: "root")
        return lines.joined(separator: "\n")
    }
}
