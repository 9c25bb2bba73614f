import FakeEarthEngine
import Foundation
import Testing
import VerdantEarthEngine
import VerdantMask

/// Evaluates the per-pixel part of an expression graph on one pixel (Float, as the local
/// engine computes): enough of the API's semantics to check what a graph computes.
struct PixelInterpreter {
    let pixel: [String: Float]

    func evaluate(_ node: ExpressionNode) throws -> [String: Float] {
        switch node {
        case .call(let name, let a):
            func image(_ key: String) throws -> [String: Float] { try evaluate(a[key]!) }
            func single(_ image: [String: Float]) throws -> Float {
                guard image.count == 1 else { throw Failure("\(name): a one-band operand expected, got \(image.keys.sorted())") }
                return image.values.first!
            }
            func binary(_ op: (Float, Float) -> Float) throws -> [String: Float] {
                let left = try image("image1"), right = try single(image("image2"))
                return left.mapValues { op($0, right) }
            }
            switch name {
            case "Image.load": return pixel
            case "Image.constant":
                guard case .constant(.number(let v))? = a["value"] else { throw Failure("Image.constant without a number") }
                return ["constant": Float(v)]
            case "Image.select":
                guard case .constant(.array(let names))? = a["bandSelectors"] else { throw Failure("select without names") }
                let input = try image("input")
                return Dictionary(uniqueKeysWithValues: names.map { n -> (String, Float) in
                    guard case .string(let s) = n else { return ("", .nan) }
                    return (s, input[s] ?? .nan)
                })
            case "Image.rename":
                guard case .constant(.array(let names))? = a["names"], case .string(let s)? = names.first else { throw Failure("rename") }
                return [s: try single(image("input"))]
            case "Image.divide": return try binary(/)
            case "Image.subtract": return try binary(-)
            case "Image.gt": return try binary { $0 > $1 ? 1 : 0 }
            case "Image.eq": return try binary { $0 == $1 ? 1 : 0 }
            case "Image.lt": return try binary { $0 < $1 ? 1 : 0 }
            case "Image.and": return try binary { $0 != 0 && $1 != 0 ? 1 : 0 }
            case "Image.or": return try binary { $0 != 0 || $1 != 0 ? 1 : 0 }
            default: throw Failure("the interpreter does not know \(name)")
            }
        default: throw Failure("not a per-pixel node: \(node)")
        }
    }
    struct Failure: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }
}

@Suite("Earth Engine expression graphs")
struct ExpressionGraphTests {
    static let signatures = Fixtures.repositoryRoot.appendingPathComponent("samples/earthengine/signatures.json").path
    /// The full algorithm list of ../shared, when it is beside the repository.
    static let shared = Fixtures.repositoryRoot.appendingPathComponent("../shared/data/earthengine/algorithms.json").standardized.path

    func catalogs() throws -> [AlgorithmCatalog] {
        var list = [try AlgorithmCatalog(contentsOf: Self.signatures)]
        if FileManager.default.fileExists(atPath: Self.shared) { list.append(try AlgorithmCatalog(contentsOf: Self.shared)) }
        return list
    }

    @Test("the Hollstein graph names only algorithms and arguments the API has, with every required one")
    func hollsteinGraphValidates() throws {
        let graph = HollsteinGraph.cloudMask(imageId: "COPERNICUS/S2_HARMONIZED/20170216T102101_20170216T102204_T33UUU")
            .clip(toTable: "projects/verdant-test/assets/land")
        let expression = graph.node.expression()
        // Through JSON and back, as it travels.
        let decoded = try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: expression)) as! [String: Any]
        for catalog in try catalogs() {
            #expect(catalog.signatures.count == 985)
            #expect(catalog.problems(in: decoded) == [])
        }
        let names = Set(graph.node.calls.map(\.name))
        #expect(names == ["Image.load", "Image.divide", "Image.constant", "Image.select", "Image.gt", "Image.lt", "Image.and",
                          "Image.or", "Image.rename", "Image.clipToCollection", "Collection.loadTable"])
    }

    @Test("the probability and SCL graphs validate and compute the local methods' rules")
    func otherMaskGraphs() throws {
        let source = "projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED/20170216T102101_20170216T102204_T33UUU"
        let probability = MaskGraph.probability(threshold: 0.4).image(source: source)
        let scl = MaskGraph.scl(classes: [3, 8, 9, 10]).image(source: source)
        for graph in [probability, scl] {
            let decoded = try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: graph.node.expression())) as! [String: Any]
            for catalog in try catalogs() { #expect(catalog.problems(in: decoded) == []) }
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: probability.node.expression()), as: UTF8.self)
        #expect(text.contains("COPERNICUS\\/S2_CLOUD_PROBABILITY\\/20170216T102101_20170216T102204_T33UUU")
                || text.contains("COPERNICUS/S2_CLOUD_PROBABILITY/20170216T102101_20170216T102204_T33UUU"), "\(text)")
        for (value, cloud) in [(39.0, 0), (41.0, 1), (100.0, 1)] as [(Float, Float)] {
            #expect(try PixelInterpreter(pixel: ["probability": value]).evaluate(probability.node) == ["cloud": cloud])
        }
        for code in 0...11 {
            let expected: Float = [3, 8, 9, 10].contains(code) ? 1 : 0
            #expect(try PixelInterpreter(pixel: ["SCL": Float(code)]).evaluate(scl.node) == ["cloud": expected])
        }
    }

    @Test("the validator refuses unknown algorithms, unknown and missing arguments, dangling references")
    func validatorRefuses() throws {
        let catalog = try AlgorithmCatalog(contentsOf: Self.signatures)
        let wrong = ExpressionNode.call("Image.select", ["image": .call("Image.load", ["id": .constant("X")]),
                                                         "bandSelectors": .constant(.array(["B1"]))])
        #expect(catalog.problems(in: wrong.expression()) == [
            "values.0: Image.select: unknown argument 'image'", "values.0: Image.select: missing required argument 'input'",
        ])
        #expect(catalog.problems(in: ExpressionNode.call("Image.expression", [:]).expression()) == ["values.0: unknown algorithm 'Image.expression'"])
        let dangling: [String: Any] = ["result": "0", "values": ["0": ["valueReference": "7"]]]
        #expect(catalog.problems(in: dangling) == ["values.0: valueReference to a missing key"])
        let lambda = ExpressionNode.call("Collection.map", [
            "collection": .call("ImageCollection.load", ["id": .constant("COPERNICUS/S2_HARMONIZED")]),
            "baseAlgorithm": .function(arguments: ["_MAPPING_VAR_0_0"], body: EEImage(.argument("_MAPPING_VAR_0_0")).divide(10_000).node),
        ])
        let expression = lambda.expression()
        #expect(catalog.problems(in: expression) == [])
        #expect((expression["values"] as! [String: Any]).count == 2, "the lambda's body under a key of its own")
    }

    @Test("the Hollstein graph computes what the local engine computes, pixel by pixel")
    func hollsteinGraphMatchesLocal() throws {
        var generator = SplitMix64(seed: 20261205)
        let names = ["B1", "B2", "B3", "B5", "B6", "B8A", "B10", "B11", "B12"]
        var columns = Dictionary(uniqueKeysWithValues: names.map { ($0, [Float]()) })
        var pixels: [[String: Float]] = []
        for _ in 0..<4000 {
            var pixel: [String: Float] = [:]
            for name in names {
                // DNs over the range the thresholds cut, with B10 (cirrus) mostly small.
                let top: UInt64 = name == "B10" ? 300 : 9000
                pixel[name] = Float(generator.next() % top + 1)
            }
            pixels.append(pixel)
            for name in names { columns[name]!.append(pixel[name]! / 10_000) }
        }
        let local = Hollstein.cloudMask(ReflectanceBands(byName: columns)!)
        let graph = HollsteinGraph.cloudMask(imageId: "X").node
        let remote = try pixels.map { try PixelInterpreter(pixel: $0).evaluate(graph)["cloud"]! }
        #expect(remote.count == local.count)
        #expect(zip(remote, local).allSatisfy { UInt8($0.0) == $0.1 })
        let clouds = local.filter { $0 == 1 }.count
        #expect(clouds > 400 && clouds < 3600, "the sample should exercise both outcomes: \(clouds) of 4000")
    }
}
