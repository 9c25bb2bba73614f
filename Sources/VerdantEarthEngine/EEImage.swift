import Foundation

/// A small typed builder over `ExpressionNode`: each method is one algorithm of the API with
/// its documented argument names (earth-engine-rest.md §3.3), so a graph reads like the
/// client library's code and cannot name an algorithm's arguments wrongly by hand.
public struct EEImage: Sendable, Equatable {
    public let node: ExpressionNode
    public init(_ node: ExpressionNode) { self.node = node }
    /// This image computed once wherever it is used (see `ExpressionNode.shared`).
    public var shared: EEImage { if case .shared = node { return self }; return EEImage(.shared(SharedNode(node))) }

    /// `id` as expressions name assets (earth-engine-rest.md §0): a REST name of a public or
    /// legacy asset (`projects/earthengine-public/assets/COPERNICUS/…`) becomes its id.
    public static func load(_ id: String) -> EEImage { EEImage(.call("Image.load", ["id": .constant(.string(assetID(id)))])) }

    public static func assetID(_ name: String) -> String {
        for prefix in ["projects/earthengine-public/assets/", "projects/earthengine-legacy/assets/"] where name.hasPrefix(prefix) {
            return String(name.dropFirst(prefix.count))
        }
        return name
    }
    public static func constant(_ value: Double) -> EEImage { EEImage(.call("Image.constant", ["value": .constant(.number(value))])) }

    public func select(_ bands: [String]) -> EEImage {
        EEImage(.call("Image.select", ["input": node, "bandSelectors": .constant(.array(bands.map(JSONValue.string)))]))
    }
    public func select(_ band: String) -> EEImage { select([band]) }
    public func rename(_ names: [String]) -> EEImage {
        EEImage(.call("Image.rename", ["input": node, "names": .constant(.array(names.map(JSONValue.string)))]))
    }

    private func binary(_ name: String, _ other: EEImage) -> EEImage { EEImage(.call(name, ["image1": node, "image2": other.node])) }
    public func divide(_ other: EEImage) -> EEImage { binary("Image.divide", other) }
    public func divide(_ value: Double) -> EEImage { binary("Image.divide", .constant(value)) }
    public func subtract(_ other: EEImage) -> EEImage { binary("Image.subtract", other) }
    public func gt(_ value: Double) -> EEImage { binary("Image.gt", .constant(value)) }
    public func lt(_ value: Double) -> EEImage { binary("Image.lt", .constant(value)) }
    public func gt(_ other: EEImage) -> EEImage { binary("Image.gt", other) }
    public func eq(_ value: Double) -> EEImage { binary("Image.eq", .constant(value)) }
    public func add(_ other: EEImage) -> EEImage { binary("Image.add", other) }
    public func max(_ value: Double) -> EEImage { binary("Image.max", .constant(value)) }
    /// 1 where the image has data, 0 or masked elsewhere (`Image.mask`).
    public var dataMask: EEImage { EEImage(.call("Image.mask", ["image": node])) }
    public func multiply(_ other: EEImage) -> EEImage { binary("Image.multiply", other) }
    private func unary(_ name: String) -> EEImage { EEImage(.call(name, ["value": node])) }
    public func sqrt() -> EEImage { unary("Image.sqrt") }
    public func signum() -> EEImage { unary("Image.signum") }
    /// Morphology with a disc of `radius` pixels (the original's opening).
    public func focalMin(radius: Int) -> EEImage { focal("Image.focal_min", radius) }
    public func focalMax(radius: Int) -> EEImage { focal("Image.focal_max", radius) }
    private func focal(_ name: String, _ radius: Int) -> EEImage {
        EEImage(.call(name, ["image": node, "radius": .constant(.number(Double(radius))),
                             "kernelType": .constant(.string("circle")), "units": .constant(.string("pixels"))]))
    }
    /// The per-pixel median of `images` (`ImageCollection.median()`: band names kept).
    public static func median(_ images: [EEImage]) -> EEImage {
        EEImage(.call("reduce.median", ["collection": .call("ImageCollection.fromImages", ["images": .array(images.map(\.node))])]))
    }
    /// The bands of `images` side by side.
    public static func cat(_ images: [EEImage]) -> EEImage { EEImage(.call("Image.cat", ["images": .array(images.map(\.node))])) }
    /// `classifier` applied to this image's bands (named as the classifier's inputs).
    public func classify(_ classifier: ExpressionNode, outputName: String) -> EEImage {
        EEImage(.call("Image.classify", ["image": node, "classifier": classifier, "outputName": .constant(.string(outputName))]))
    }
    public func and(_ other: EEImage) -> EEImage { binary("Image.and", other) }
    public func or(_ other: EEImage) -> EEImage { binary("Image.or", other) }

    /// Conjunction of several conditions.
    public static func all(_ terms: [EEImage]) -> EEImage { terms.dropFirst().reduce(terms[0]) { $0.and($1) } }
    /// Disjunction of several conditions.
    public static func any(_ terms: [EEImage]) -> EEImage { terms.dropFirst().reduce(terms[0]) { $0.or($1) } }

    public func clip(_ geometry: ExpressionNode) -> EEImage { EEImage(.call("Image.clip", ["input": node, "geometry": geometry])) }
    /// Clipped to a table's features (`land_geometry` as an Earth Engine table).
    public func clip(toTable tableId: String) -> EEImage {
        EEImage(.call("Image.clipToCollection", ["input": node,
                                                  "collection": .call("Collection.loadTable", ["tableId": .constant(.string(Self.assetID(tableId)))])]))
    }
    /// Masked pixels take `value`.
    public func unmask(_ value: Double) -> EEImage {
        EEImage(.call("Image.unmask", ["input": node, "value": EEImage.constant(value).node]))
    }
    /// The image's footprint, as a geometry.
    public var footprint: ExpressionNode { .call("Image.geometry", ["feature": node]) }
    /// A reducer (`Reducer.mean`, `Reducer.stdDev`) of each band over `region` at `scale`, as a
    /// constant image with bands `names` in that order (a dictionary's own order is its keys').
    public func regionStatistic(_ reducer: String, region: ExpressionNode, scale: Double, names: [String]) -> EEImage {
        EEImage(.call("Dictionary.toImage", [
            "dictionary": .call("Image.reduceRegion", [
                "image": node, "reducer": .call(reducer, [:]), "geometry": region, "scale": .constant(.number(scale)),
                "bestEffort": .constant(true), "maxPixels": .constant(.number(1e13)),
            ]),
            "names": .constant(.array(names.map(JSONValue.string))),
        ]))
    }
    public func updateMask(_ mask: EEImage) -> EEImage { EEImage(.call("Image.updateMask", ["image": node, "mask": mask.node])) }

    /// A polygon in EPSG:4326 (rings of [lon, lat]).
    public static func polygon(_ rings: [[[Double]]]) -> ExpressionNode {
        .call("GeometryConstructors.Polygon", [
            "coordinates": .constant(.array(rings.map { .array($0.map { .array($0.map(JSONValue.number)) }) })),
            "evenOdd": .constant(true),
        ])
    }
}
