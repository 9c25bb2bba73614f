import FakeEarthEngine
import Foundation
import Testing
import VerdantEarthEngine
import VerdantCore
import VerdantMask

/// Evaluates the per-pixel part of an expression graph on one pixel (Float, as the local
/// engine computes): enough of the API's semantics to check what a graph computes.
struct PixelInterpreter {
    let pixel: [String: Float]
    /// Other images' pixels by the id `Image.load` names (neighbours); `pixel` for any other id.
    var images: [String: [String: Float]] = [:]

    func evaluate(_ node: ExpressionNode) throws -> [String: Float] {
        if case .shared(let box) = node { return try evaluate(box.node) }
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
            case "Image.load":
                guard case .constant(.string(let id))? = a["id"] else { throw Failure("Image.load without an id") }
                return images[id] ?? pixel
            case "reduce.median":
                guard case .call("ImageCollection.fromImages", let c)? = a["collection"], case .array(let list)? = c["images"] else {
                    throw Failure("reduce.median of something else than ImageCollection.fromImages")
                }
                let values = try list.map(evaluate)
                return values[0].mapValues { _ in Float.nan }.reduce(into: [:]) { out, entry in
                    let sorted = values.compactMap { $0[entry.key] }.sorted()
                    out[entry.key] = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
                }
            case "Image.add": return try binary(+)
            case "Image.multiply": return try binary(*)
            case "Image.sqrt": return try evaluate(a["value"]!).mapValues { $0.squareRoot() }
            case "Image.signum": return try evaluate(a["value"]!).mapValues { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
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

    @Test("the seed model as a graph: valid against the API's algorithms; its per-pixel scores are the local engine's; its trees in rpart's text format walk as the model's")
    func seedGraph() throws {
        var percentile = PercentileTest.Settings()
        percentile.clustering = false
        let file = try CloudModelFile.load(path: Fixtures.repositoryRoot.appendingPathComponent("models/cloud-forest.json").path)
        let model = try CloudModel(file: file, cutoff: 0.29, percentile: percentile)
        #expect(SeedGraph.problem(model) == nil)
        // The original's default: the tests per cluster, k-means in the graph.
        var clusteredSettings = percentile
        clusteredSettings.clustering = true
        let clustered = SeedGraph(model: try CloudModel(file: file, cutoff: 0.29, percentile: clusteredSettings), coefficient: 10_000)
        #expect(SeedGraph.problem(clustered.model) == nil)

        let graph = SeedGraph(model: model, coefficient: 10_000)
        let ref = { (n: Int) in NeighbourRef(id: "n\(n)", source: "COPERNICUS/S2_HARMONIZED/n\(n)", acquired: Date(), cloudCover: 1) }
        let neighbours = Neighbours(recent: (0..<5).map(ref), leastCloudy: [], selection: "test")
        let image = graph.image(source: "COPERNICUS/S2_HARMONIZED/x", neighbours: neighbours)
        let decoded = try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: image.node.expression())) as! [String: Any]
        for catalog in try catalogs() { #expect(catalog.problems(in: decoded) == []) }
        let names = Set(image.node.calls.map(\.name))
        #expect(names.isSuperset(of: ["reduce.median", "ImageCollection.fromImages", "Classifier.decisionTreeEnsemble", "Image.classify", "Image.signum"]))
        let perCluster = clustered.image(source: "projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED/x", neighbours: neighbours)
        let perClusterJSON = try JSONSerialization.data(withJSONObject: perCluster.node.expression())
        let perClusterDecoded = try JSONSerialization.jsonObject(with: perClusterJSON) as! [String: Any]
        for catalog in try catalogs() { #expect(catalog.problems(in: perClusterDecoded) == []) }
        #expect(Set(perCluster.node.calls.map(\.name)).isSuperset(of: ["Image.sample", "Clusterer.wekaKMeans", "Clusterer.train", "Image.cluster",
                                                                    "Image.reduceRegion", "Dictionary.toImage"]))
        // Repeated subtrees (the background, the clusters) are written once and referenced: the
        // request stays small, and no REST name reaches Image.load.
        let text = String(decoding: perClusterJSON, as: UTF8.self)
        #expect(perClusterJSON.count < 200_000 && text.contains("valueReference"), "\(perClusterJSON.count) bytes")
        #expect(!text.contains("earthengine-public"))
        // Without a neighbour the run falls back to tree2 ∨ tree3, as the local job does.
        let fallback = graph.image(source: "COPERNICUS/S2_HARMONIZED/x", neighbours: nil)
        #expect(!fallback.node.calls.contains { $0.name == "Image.classify" })

        // The scores per pixel, against PercentileTest's per-pixel rule on random values.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            func pixel() -> [String: Float] {
                Dictionary(uniqueKeysWithValues: Sentinel2.bands.map { ($0, Float.random(in: 0...6000, using: &rng)) })
            }
            let own = pixel()
            let others = (0..<5).map { _ in pixel() }
            var interpreter = PixelInterpreter(pixel: own)
            for n in 0..<5 { interpreter.images["COPERNICUS/S2_HARMONIZED/n\(n)"] = others[n] }
            let background = EEImage.median((0..<5).map { graph.reflectance("COPERNICUS/S2_HARMONIZED/n\($0)") })
            let (mt, refl) = graph.scores(graph.reflectance("COPERNICUS/S2_HARMONIZED/x"), background)
            let got = (try interpreter.evaluate(mt.node).values.first!, try interpreter.evaluate(refl.node).values.first!)
            var sumD = 0.0, sumD2 = 0.0, sumI2 = 0.0
            for band in ["B4", "B3", "B2"] {
                let i = Double(own[band]!) / 10_000
                let median = others.map { Double($0[band]!) / 10_000 }.sorted()[2]
                sumD += i - median; sumD2 += (i - median) * (i - median); sumI2 += i * i
            }
            let expected = ((sumD > 0 ? 1.0 : -1.0) * (sumD2 / 3).squareRoot(), (sumI2 / 3).squareRoot())
            #expect(abs(Double(got.0) - expected.0) < 1e-4 && abs(Double(got.1) - expected.1) < 1e-4)
        }

        // rpart's text read back: node k's children are 2k and 2k+1, "<=" goes left, "*" ends.
        for tree in model.forest.trees.prefix(50) {
            let text = SeedGraph.treeString(tree)
            var nodes: [Int: (split: (feature: Int, threshold: Float)?, value: Float)] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
                let id = Int(parts[0].dropLast())!
                let value = Float(parts[4])!
                nodes[id] = (nil, value)
                if parts.last != "*", let next = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(2 * id)) ") }) {
                    let split = next.trimmingCharacters(in: .whitespaces).split(separator: " ")[1]
                    let pieces = split.components(separatedBy: "<=")
                    nodes[id] = ((Int(pieces[0].dropFirst())!, Float(pieces[1])!), value)
                }
            }
            for code in 0..<4 {
                let x: [Float] = [Float(code & 1), Float(code >> 1)]
                var id = 1
                while let split = nodes[id]!.split { id = x[split.feature] <= split.threshold ? 2 * id : 2 * id + 1 }
                #expect(nodes[id]!.value == tree.predict { x[$0] })
            }
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

    @Test("tree1 as a graph computes the local tree1")
    func tree1MatchesLocal() throws {
        var generator = SplitMix64(seed: 7)
        let names = ["B3", "B4", "B7", "B8A", "B10", "B11"]
        var columns = Dictionary(uniqueKeysWithValues: names.map { ($0, [Float]()) })
        var pixels: [[String: Float]] = []
        for _ in 0..<4000 {
            var pixel: [String: Float] = [:]
            for name in names { pixel[name] = Float(generator.next() % (name == "B10" ? 300 : 9000) + 1) }
            pixels.append(pixel)
            for name in names { columns[name]!.append(pixel[name]! / 10_000) }
        }
        let local = Hollstein.tree1(b3: columns["B3"]!, b4: columns["B4"]!, b7: columns["B7"]!, b8A: columns["B8A"]!,
                                    b10: columns["B10"]!, b11: columns["B11"]!)
        let graph = HollsteinGraph.tree1(EEImage.load("X").divide(10_000)).rename(["cloud"]).node
        let remote = try pixels.map { try PixelInterpreter(pixel: $0).evaluate(graph)["cloud"]! }
        #expect(zip(remote, local).allSatisfy { UInt8($0.0) == $0.1 })
        #expect(Set(local) == [0, 1])
    }
}
