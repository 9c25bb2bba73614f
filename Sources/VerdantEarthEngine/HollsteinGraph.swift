import Foundation

/// The single-image cloud tests (seed-algorithm.md §2) as an expression graph: reflectances
/// DN / coefficient, tree2 ∨ tree3, one band `cloud` (1 cloud, 0 clear), clipped to land.
public enum HollsteinGraph {
    /// `imageId` as used inside expressions (`COPERNICUS/S2_HARMONIZED/<system:index>`).
    public static func cloudMask(imageId: String, coefficient: Double = 10_000) -> EEImage {
        mask(EEImage.load(imageId).divide(coefficient))
    }

    /// tree2 ∨ tree3 of an image of reflectances, as the band `cloud`.
    public static func mask(_ reflectance: EEImage) -> EEImage {
        tree2(reflectance).or(tree3(reflectance)).rename(["cloud"])
    }

    /// tree1 of an image of reflectances (not in the original's model; a feature a model may use).
    public static func tree1(_ reflectance: EEImage) -> EEImage {
        func b(_ name: String) -> EEImage { reflectance.select(name) }
        return EEImage.any([
            .all([b("B3").lt(0.325), b("B8A").lt(0.166), b("B10").gt(0.011)]),
            .all([b("B3").gt(0.325), b("B11").lt(0.267), b("B4").lt(0.674)]),
            .all([b("B3").gt(0.325), b("B11").gt(0.267), b("B7").lt(1.544)]),
        ])
    }

    /// tree2 of an image of reflectances.
    public static func tree2(_ reflectance: EEImage) -> EEImage {
        func b(_ name: String) -> EEImage { reflectance.select(name) }
        return EEImage.any([
            .all([b("B8A").gt(0.156), b("B3").lt(0.333), b("B10").divide(b("B2")).gt(0.065)]),
            .all([b("B8A").gt(0.156), b("B3").gt(0.333), b("B6").divide(b("B11")).lt(4.292)]),
        ])
    }

    /// tree3 of an image of reflectances.
    public static func tree3(_ reflectance: EEImage) -> EEImage {
        func b(_ name: String) -> EEImage { reflectance.select(name) }
        return EEImage.any([
            .all([b("B8A").gt(0.051), b("B8A").lt(0.181), b("B12").lt(0.097), b("B10").gt(0.011)]),
            .all([b("B8A").gt(0.181), b("B1").lt(0.331), b("B10").lt(0.012), b("B2").gt(0.271)]),
            .all([b("B8A").gt(0.181), b("B1").lt(0.331), b("B10").gt(0.012)]),
            .all([b("B8A").gt(0.181), b("B1").gt(0.331), b("B11").lt(0.239), b("B2").lt(0.711)]),
            .all([b("B8A").gt(0.181), b("B1").gt(0.331), b("B11").gt(0.239), b("B5").lt(1.393)]),
        ])
    }
}
