import Foundation
import VerdantCore
import VerdantMask

/// The original's model (seed-algorithm.md §2–§4) as a graph, with the multitemporal tests'
/// per-pixel variant (`mask.clustering.do_clustering = false`): backgrounds as the median of
/// the neighbour images the run recorded, the two scores per pixel, the disc opening, the
/// forest as a decision-tree ensemble whose mean leaf value is P(cloud), and the cut-off.
public struct SeedGraph: Sendable {
    public let model: CloudModel
    public let coefficient: Double

    public init(model: CloudModel, coefficient: Double) { self.model = model; self.coefficient = coefficient }

    /// Why this model cannot run as a graph, or nil: features per cluster (k-means in a graph
    /// is still to come).
    public static func problem(_ model: CloudModel) -> String? {
        // rpart numbers node k's children 2k and 2k + 1: ids of trees deeper than 30 overflow its format.
        if let deep = model.forest.trees.map(depth).max(), deep > 30 {
            return "a tree of the forest is \(deep) levels deep; Earth Engine's tree format takes at most 30 (train with a smaller max depth)"
        }
        for feature in model.features {
            if let issue = problem(feature, clustering: model.percentile.clustering) { return issue }
        }
        return nil
    }

    static func problem(_ feature: CloudFeature, clustering: Bool) -> String? {
        switch feature {
        case .percentile(_, false) where clustering, .multitemporalScore where clustering, .reflectanceScore where clustering:
            return "feature \(feature.name) is computed per cluster, which does not run on Earth Engine yet: set mask.clustering.do_clustering = false (per pixel)"
        case .above(let base, _): return problem(base, clustering: clustering)
        default: return nil
        }
    }

    /// The mask of the image `source` against its recorded neighbours.
    public func image(source: String, neighbours: Neighbours?) -> EEImage {
        let reflectance = reflectance(source)
        let sets = Set(model.features.compactMap(\.background))
        var backgrounds: [NeighbourSet: EEImage] = [:]
        for set in sets {
            let refs = (set == .recent ? neighbours?.recent : neighbours?.leastCloudy) ?? []
            // A background without neighbours: the run masks with tree2 ∨ tree3 alone.
            guard !refs.isEmpty else { return HollsteinGraph.tree2(reflectance).or(HollsteinGraph.tree3(reflectance)).rename(["cloud"]) }
            backgrounds[set] = EEImage.median(refs.map { self.reflectance($0.source) })
        }
        let columns = model.features.enumerated().map { n, feature in
            column(feature, reflectance: reflectance, backgrounds: backgrounds).rename(["f\(n)"])
        }
        let forest = ExpressionNode.call("Classifier.setOutputMode", [
            "classifier": .call("Classifier.decisionTreeEnsemble", ["treeStrings": .constant(.array(
                model.forest.trees.map { .string(Self.treeString($0)) }))]),
            "mode": .constant(.string("REGRESSION")),
        ])
        return EEImage.cat(columns).classify(forest, outputName: "probability").gt(Double(model.cutoff)).rename(["cloud"])
    }

    public func reflectance(_ source: String) -> EEImage { EEImage.load(source).select(Sentinel2.bands).divide(coefficient) }

    func column(_ feature: CloudFeature, reflectance: EEImage, backgrounds: [NeighbourSet: EEImage]) -> EEImage {
        func b(_ name: String) -> EEImage { reflectance.select(name) }
        switch feature {
        case .tree(1): return HollsteinGraph.tree1(reflectance)
        case .tree(2): return HollsteinGraph.tree2(reflectance)
        case .tree: return HollsteinGraph.tree3(reflectance)
        case .band(let i): return b(Sentinel2.bands[i])
        case .ndsi: return ndsi(reflectance)
        case .snow: return EEImage.all([ndsi(reflectance).gt(0.4), b("B8").gt(0.11), b("B3").gt(0.1)])
        case .above(let base, let threshold):
            return column(base, reflectance: reflectance, backgrounds: backgrounds).gt(Double(threshold))
        case .percentile(let set, _):
            let (mt, refl) = scores(reflectance, backgrounds[set]!)
            let p = model.percentile
            let cloud = mt.gt(Double(p.thresholdDifCloud)).and(refl.gt(Double(p.thresholdReflectance)))
            return p.growingRatio > 0 ? cloud.focalMin(radius: p.growingRatio).focalMax(radius: p.growingRatio) : cloud
        case .multitemporalScore(let set): return scores(reflectance, backgrounds[set]!).mt
        case .reflectanceScore(let set): return scores(reflectance, backgrounds[set]!).refl
        }
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
        return (mt, refl)
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
