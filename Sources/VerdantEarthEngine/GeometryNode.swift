import Foundation

/// A GeoJSON geometry (lon/lat) as the graph's geometry constructor, as the client libraries
/// encode `ee.Geometry`: the local `land_geometry` travels inside each export's graph.
public enum GeometryNode {
    public struct Unsupported: Error, CustomStringConvertible {
        public var description: String
    }

    public static func from(geoJSON: String) throws -> ExpressionNode {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(geoJSON.utf8))) as? [String: Any],
              let type = object["type"] as? String, let coordinates = object["coordinates"] else {
            throw Unsupported(description: "land geometry: expected a GeoJSON geometry with type and coordinates")
        }
        let constructor: String
        switch type {
        case "Polygon": constructor = "GeometryConstructors.Polygon"
        case "MultiPolygon": constructor = "GeometryConstructors.MultiPolygon"
        default: throw Unsupported(description: "land geometry: expected a Polygon or MultiPolygon, found \(type)")
        }
        return .call(constructor, ["coordinates": .constant(try value(coordinates)), "evenOdd": .constant(true)])
    }

    private static func value(_ any: Any) throws -> JSONValue {
        if let list = any as? [Any] { return .array(try list.map(value)) }
        if let number = any as? NSNumber { return .number(number.doubleValue) }
        throw Unsupported(description: "land geometry: coordinates must be nested arrays of numbers")
    }
}
