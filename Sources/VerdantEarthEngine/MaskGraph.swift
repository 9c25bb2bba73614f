import Foundation
import VerdantCore

/// Which cloud mask an export computes: the mask methods that run on Earth Engine, each one
/// band `cloud` (1 cloud, 0 clear) from the image's `system:index`.
public enum MaskGraph: Sendable {
    /// Hollstein's tree2 ∨ tree3 on the L1C bands (seed-algorithm.md §2).
    case hollstein(coefficient: Double)
    /// s2cloudless: the image of `COPERNICUS/S2_CLOUD_PROBABILITY` with the same index, its
    /// `probability` band (0–100) / 100 above `threshold` (the local engine's 0–1 scale).
    case probability(threshold: Double)
    /// Sen2Cor: the `SCL` band of `COPERNICUS/S2_SR_HARMONIZED`'s image with the same index,
    /// cloud where it is one of `classes`.
    case scl(classes: [Int])
    /// The original's model against the neighbours recorded with the job.
    case seed(SeedGraph)

    public static let probabilityCollection = "COPERNICUS/S2_CLOUD_PROBABILITY"
    public static let surfaceReflectanceCollection = "COPERNICUS/S2_SR_HARMONIZED"

    /// The graph for the L1C image `source` (its asset name or id).
    /// `land`: the geometry the masks are clipped to, which the seed model's clustering keeps to.
    public func image(source: String, neighbours: Neighbours? = nil, land: ExpressionNode? = nil) -> EEImage {
        let index = String(source.split(separator: "/").last ?? Substring(source))
        switch self {
        case .hollstein(let coefficient):
            return HollsteinGraph.cloudMask(imageId: source, coefficient: coefficient)
        case .probability(let threshold):
            return EEImage.load("\(Self.probabilityCollection)/\(index)").select("probability").divide(100).gt(threshold).rename(["cloud"])
        case .scl(let classes):
            let scl = EEImage.load("\(Self.surfaceReflectanceCollection)/\(index)").select("SCL")
            return EEImage.any(classes.map { scl.eq(Double($0)) }).rename(["cloud"])
        case .seed(let graph):
            return graph.image(source: source, neighbours: neighbours, land: land)
        }
    }
}
