import Foundation

/// The builder's collection and array operations, for the gap filling's regressions.
extension EEImage {
    /// A constant image with one band per value (named `constant_0…` by the API; rename them).
    public static func constant(_ values: [Double]) -> EEImage {
        EEImage(.call("Image.constant", ["value": .constant(.array(values.map(JSONValue.number)))]))
    }
    /// A GeoTIFF in Cloud Storage (`gs://bucket/path.tif`) as an image.
    public static func loadGeoTIFF(_ uri: String) -> EEImage {
        EEImage(.call("Image.loadGeoTIFF", ["uri": .constant(.string(uri))]))
    }
    public func toFloat() -> EEImage { EEImage(.call("Image.toFloat", ["value": node])) }
    public func toDouble() -> EEImage { EEImage(.call("Image.toDouble", ["value": node])) }
    /// Computed in `projection` (an `Image.projection` node) at `scale` metres.
    public func reproject(_ projection: ExpressionNode, scale: Double) -> EEImage {
        EEImage(.call("Image.reproject", ["image": node, "crs": projection, "scale": .constant(.number(scale))]))
    }
    /// (first − second) / (first + second) of two bands, as one band `nd`.
    public func normalizedDifference(_ first: String, _ second: String) -> EEImage {
        EEImage(.call("Image.normalizedDifference", ["input": node, "bandNames": .constant(.array([.string(first), .string(second)]))]))
    }
    public func lt(_ other: EEImage) -> EEImage { EEImage(.call("Image.lt", ["image1": node, "image2": other.node])) }
    /// The sum of the bands of each pixel (`Image.reduce` with `Reducer.sum`), one band `sum`.
    public func sumOfBands() -> EEImage {
        EEImage(.call("Image.reduce", ["image": node, "reducer": .call("Reducer.sum", [:])]))
    }

    /// `images` as an ImageCollection.
    static func collection(_ images: [EEImage]) -> ExpressionNode {
        .call("ImageCollection.fromImages", ["images": .array(images.map(\.node))])
    }
    /// `images` laid over each other, later ones on top where they have data (`mosaic()`).
    public static func mosaic(_ images: [EEImage]) -> EEImage {
        EEImage(.call("ImageCollection.mosaic", ["collection": collection(images)]))
    }
    /// The number of unmasked values of each pixel across `images` (one band each).
    public static func count(_ images: [EEImage]) -> EEImage {
        EEImage(.call("ImageCollection.reduce", ["collection": collection(images), "reducer": .call("Reducer.count", [:])]))
    }
    /// Per pixel, the least-squares coefficients of the last band of `images` on their first
    /// `regressors` bands, as bands `names` (`Reducer.linearRegression` gives a numX × 1 array,
    /// projected to its first axis and flattened). Masked where the system is underdetermined.
    public static func linearRegression(_ images: [EEImage], regressors names: [String]) -> EEImage {
        let fit = ExpressionNode.call("ImageCollection.reduce", [
            "collection": collection(images),
            "reducer": .call("Reducer.linearRegression", ["numX": .constant(.number(Double(names.count))), "numY": .constant(.number(1))]),
        ])
        let coefficients = ExpressionNode.call("Image.select", ["input": fit, "bandSelectors": .constant(.array([.string("coefficients")]))])
        let vector = ExpressionNode.call("Image.arrayProject", ["input": coefficients, "axes": .constant(.array([.number(0)]))])
        return EEImage(.call("Image.arrayFlatten", ["image": vector, "coordinateLabels": .constant(.array([.array(names.map(JSONValue.string))]))]))
    }
    /// The union of the footprints of `images` (`Collection.geometry`).
    public static func footprints(_ images: [EEImage]) -> ExpressionNode {
        .call("Collection.geometry", ["collection": collection(images)])
    }
}
