import FakeEarthEngine
import Foundation
import Testing
import VerdantCore
import VerdantEarthEngine
import VerdantFill

/// Evaluates a gap-filling graph on one pixel of a series, with Earth Engine's masking rules
/// (an operation is masked where an operand is; `updateMask` ands masks; `mosaic` takes the
/// topmost unmasked value; `count` counts unmasked values; `linearRegression` uses the dates
/// where every band is unmasked and is null when underdetermined).
struct SeriesPixelInterpreter {
    typealias Pixel = [(name: String, value: Double?)]
    /// Bands of each loaded image by its id (L1C: B4, B8; masks: cloud), nil where masked.
    let images: [String: [String: Double?]]
    private var memo: [ObjectIdentifier: Pixel] = [:]

    init(images: [String: [String: Double?]]) { self.images = images }

    mutating func evaluate(_ node: ExpressionNode) throws -> Pixel {
        if case .shared(let box) = node {
            if let known = memo[ObjectIdentifier(box)] { return known }
            let value = try evaluate(box.node)
            memo[ObjectIdentifier(box)] = value
            return value
        }
        guard case .call(let name, let a) = node else { throw Failure("not an image: \(node)") }
        func strings(_ key: String) throws -> [String] {
            guard case .constant(.array(let list))? = a[key] else { throw Failure("\(name): \(key) is not a list") }
            return list.compactMap { if case .string(let s) = $0 { return s }; return nil }
        }
        func collection(_ collection: ExpressionNode?) throws -> [ExpressionNode] {
            guard case .call("ImageCollection.fromImages", let c)? = collection, case .array(let list)? = c["images"] else {
                throw Failure("\(name): not ImageCollection.fromImages")
            }
            return list
        }
        func binary(_ op: (Double, Double) -> Double) throws -> Pixel {
            let left = try evaluate(a["image1"]!), right = try evaluate(a["image2"]!)
            guard right.count == 1 || right.count == left.count else { throw Failure("\(name): \(left.count) bands against \(right.count)") }
            return left.enumerated().map { i, band in
                let other = right.count == 1 ? right[0].value : right[i].value
                guard let l = band.value, let r = other else { return (band.name, nil) }
                return (band.name, op(l, r))
            }
        }
        switch name {
        case "Image.load", "Image.loadGeoTIFF":
            guard case .constant(.string(let id))? = a["id"] ?? a["uri"], let bands = images[id] else { throw Failure("\(name): unknown image") }
            return bands.keys.sorted().map { ($0, bands[$0]!) }
        case "Image.normalizedDifference":
            let input = try evaluate(a["input"]!), names = try strings("bandNames")
            let first = input.first { $0.name == names[0] }?.value, second = input.first { $0.name == names[1] }?.value
            guard let f = first, let s = second, f + s != 0 else { return [("nd", nil)] }
            return [("nd", (f - s) / (f + s))]
        case "Image.eq": return try binary { $0 == $1 ? 1 : 0 }
        case "Image.gt": return try binary { $0 > $1 ? 1 : 0 }
        case "Image.lt": return try binary { $0 < $1 ? 1 : 0 }
        case "Image.and": return try binary { $0 != 0 && $1 != 0 ? 1 : 0 }
        case "Image.multiply": return try binary(*)
        case "Image.updateMask":
            let image = try evaluate(a["image"]!), mask = try evaluate(a["mask"]!)
            return image.enumerated().map { i, band in
                let m = mask.count == 1 ? mask[0].value : mask[i].value
                return (band.name, m.map { $0 != 0 } == true ? band.value : nil)
            }
        case "Image.mask": return try evaluate(a["image"]!).map { ($0.name, $0.value == nil ? 0 : 1) }
        case "Image.rename":
            let input = try evaluate(a["input"]!), names = try strings("names")
            guard names.count == input.count else { throw Failure("rename: \(names.count) names for \(input.count) bands") }
            return zip(names, input).map { ($0, $1.value) }
        case "Image.select":
            let input = try evaluate(a["input"]!)
            return try strings("bandSelectors").map { s in
                guard let band = input.first(where: { $0.name == s }) else { throw Failure("select: no band \(s) in \(input.map(\.name))") }
                return band
            }
        case "Image.toDouble": return try evaluate(a["value"]!)
        case "Image.reproject":
            guard case .call("Image.projection", _)? = a["crs"], case .constant(.number)? = a["scale"] else { throw Failure("reproject: crs and scale expected") }
            return try evaluate(a["image"]!)
        case "Image.toFloat": return try evaluate(a["value"]!).map { ($0.name, $0.value.map { Double(Float($0)) }) }
        case "Image.cat": return try collection(.call("ImageCollection.fromImages", ["images": a["images"]!])).flatMap { try evaluate($0) }
        case "Image.constant":
            switch a["value"] {
            case .constant(.number(let v))?: return [("constant", v)]
            case .constant(.array(let list))?:
                return list.enumerated().map { i, v in if case .number(let n) = v { return ("constant_\(i)", n) }; return ("constant_\(i)", nil) }
            default: throw Failure("Image.constant of something else")
            }
        case "Image.reduce":
            guard case .call("Reducer.sum", _)? = a["reducer"] else { throw Failure("Image.reduce: only sums") }
            let input = try evaluate(a["image"]!)
            return [("sum", input.contains { $0.value == nil } ? nil : input.reduce(0) { $0 + $1.value! })]
        case "ImageCollection.mosaic":
            let layers = try collection(a["collection"]).map { try evaluate($0) }
            return layers[0].indices.map { b in (layers[0][b].name, layers.reversed().lazy.compactMap { $0[b].value }.first) }
        case "ImageCollection.reduce":
            guard case .call("Reducer.count", _)? = a["reducer"] else { throw Failure("ImageCollection.reduce: count here, regressions through arrayFlatten") }
            let layers = try collection(a["collection"]).map { try evaluate($0) }
            return layers[0].indices.map { b in ("\(layers[0][b].name)_count", Double(layers.filter { $0[b].value != nil }.count)) }
        case "Image.arrayFlatten":
            // arrayFlatten(arrayProject(select(reduce(collection, linearRegression), "coefficients"), [0]), [names])
            guard case .call("Image.arrayProject", let project)? = a["image"], case .call("Image.select", let select)? = project["input"],
                  case .call("ImageCollection.reduce", let reduce)? = select["input"],
                  case .call("Reducer.linearRegression", let reducer)? = reduce["reducer"],
                  case .constant(.array([.string("coefficients")]))? = select["bandSelectors"], case .constant(.array([.number(0)]))? = project["axes"],
                  case .constant(.number(1))? = reducer["numY"],
                  case .constant(.number(let numX))? = reducer["numX"], case .constant(.array(let labels))? = a["coordinateLabels"],
                  case .array(let names)? = labels.first else { throw Failure("arrayFlatten of something else than a regression") }
            let n = Int(numX)
            let rows = try collection(reduce["collection"]).map { try evaluate($0) }.filter { row in row.allSatisfy { $0.value != nil } }
            let labelled = names.map { if case .string(let s) = $0 { return s }; return "?" }
            guard rows.count > n, let solver = LeastSquaresOperator(design: rows.flatMap { $0.prefix(n).map { $0.value! } }, rows: rows.count, columns: n) else {
                return labelled.map { ($0, nil) }
            }
            let y = rows.map { $0[n].value! }
            return labelled.enumerated().map { j, label in (label, (0..<rows.count).reduce(0) { $0 + solver.solve[j * rows.count + $1] * y[$1] }) }
        case "Image.clip", "Image.clipToBoundsAndScale": return try evaluate(a["input"]!)
        case "Element.set": return try evaluate(a["object"]!)
        default: throw Failure("the interpreter does not know \(name)")
        }
    }
    struct Failure: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }
}

@Suite("Earth Engine gap filling")
struct GapFillGraphTests {
    /// 40 dates over 2017 and its extra days, every 9 days; pixels with clear patterns that
    /// reach each order of the cascade.
    static let dates: [Date] = (0..<40).map { Date(timeIntervalSince1970: 1_480_000_000 + Double($0) * 9 * 86_400 + Double($0 % 3) * 3_600) }
    static let pixels = 8

    /// A smooth seasonal NDVI with some noise; clear where `clear(p, d)`.
    static func ndvi(_ p: Int, _ d: Int) -> Double {
        let t = dates[d].timeIntervalSince1970 / (365.25 * 86_400) * 2 * .pi
        return 0.45 + 0.3 * sin(t + Double(p)) + 0.05 * cos(3 * t) + 0.02 * sin(Double(d * 7 + p))
    }
    static func clear(_ p: Int, _ d: Int) -> Bool {
        switch p {
        case 0: return true                     // 40 clear: the 10-harmonic fit
        case 1: return d % 3 != 0               // 26 clear
        case 2: return d % 3 == 0               // 14 clear: 5 harmonics at most
        case 3: return d % 7 == 0               // 6 clear: 1 harmonic only
        case 4: return d < 4                    // 4 clear: nothing fills
        case 5: return (20...33).contains(d)    // 14 clear in four months: 5-harmonic fits swing out of (−1, 1) outside them
        case 6: return (3...36).contains(d) && d % 4 != 1   // 25 clear: 10-harmonic fits that swing out in the gaps
        default: return !noData(p, d)           // clear but where the mask has no data
        }
    }

    /// Where the mask of pixel 7 has no data (masked in an asset, 255 in a GeoTIFF).
    static func noData(_ p: Int, _ d: Int) -> Bool { p == 7 && d % 5 == 0 }

    /// The masks as assets, or as GeoTIFFs in Cloud Storage.
    static func mask(_ d: Int, files: Bool) -> String { files ? "gs://bucket/masks/img\(d).tif" : "projects/p/assets/masks/img\(d)" }

    static func members(files: Bool = false) -> [GapFillGraph.Member] {
        dates.indices.map { GapFillGraph.Member(source: "projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED/img\($0)",
                                                mask: mask($0, files: files), acquired: dates[$0]) }
    }

    /// Each image's bands at pixel `p`: B8 and B4 giving the NDVI, the mask's cloud value.
    static func images(pixel p: Int, files: Bool) -> [String: [String: Double?]] {
        var images: [String: [String: Double?]] = [:]
        for d in dates.indices {
            let v = ndvi(p, d)
            images["COPERNICUS/S2_HARMONIZED/img\(d)"] = ["B4": 1000, "B8": 1000 * (1 + v) / (1 - v)]
            let cloud: Double? = noData(p, d) ? (files ? EarthEngineEngine.maskNoDataValue : nil) : clear(p, d) ? 0 : 1
            images[mask(d, files: files)] = ["cloud": cloud]
        }
        return images
    }

    static func graph(literal: Bool = false) -> GapFillGraph {
        // The range leaves out the first and last five dates (the extra days).
        let day = { (d: Int) in Int((dates[d].timeIntervalSince1970 / 86_400).rounded(.down)) }
        return GapFillGraph(firstDay: day(5), lastDay: day(34), literal: literal)
    }

    @Test("the block's graph names only algorithms and arguments the API has")
    func validates() async throws {
        // Seconds of work: off the cooperative pool (see VerdantProcess.offload).
        try await VerdantProcess.offload { try Self.validate() }
    }

    static func validate() throws {
        let image = Self.graph().image(members: Self.members(), scale: 30)
        let decoded = try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: image.node.expression())) as! [String: Any]
        var catalogs = [try AlgorithmCatalog(contentsOf: ExpressionGraphTests.signatures)]
        if FileManager.default.fileExists(atPath: ExpressionGraphTests.shared) { catalogs.append(try AlgorithmCatalog(contentsOf: ExpressionGraphTests.shared)) }
        for catalog in catalogs { #expect(catalog.problems(in: decoded) == []) }
        let names = Set(image.node.calls.map(\.name))
        #expect(names.isSuperset(of: ["Reducer.linearRegression", "ImageCollection.mosaic", "Image.normalizedDifference", "Reducer.count"]))
    }

    @Test("per pixel the graph computes the local seed cascade: NDVI, NDVI_final and quality at every date of the range (masks as assets or GeoTIFFs; literal too)",
          arguments: [(false, false), (true, false), (false, true)])
    func matchesLocalCascade(literal: Bool, files: Bool) async throws {
        try await VerdantProcess.offload { try Self.compare(literal: literal, files: files) }
    }

    static func compare(literal: Bool, files: Bool) throws {
        let graph = Self.graph(literal: literal)
        let node = graph.image(members: Self.members(files: files), scale: 30).node
        let tags = GapFillGraph.tags(Self.members())
        let D = Self.dates.count, P = Self.pixels
        var values = [Float](repeating: .nan, count: D * P)
        for p in 0..<P { for d in 0..<D where Self.clear(p, d) { values[d * P + p] = Float(Self.ndvi(p, d)) } }
        let local = SeedCascade(literal: literal, threads: 1).fill(SeriesCube(dates: D, pixels: P, values: values), time: SeriesTime(dates: Self.dates))
        var qualities: Set<Int8> = []
        // Dates where a fit with more than one harmonic existed but was dropped for its value.
        let counts = (0..<P).map { p in (0..<D).filter { Self.clear(p, $0) }.count }
        var dropped = 0
        for p in 0..<P {
            var interpreter = SeriesPixelInterpreter(images: Self.images(pixel: p, files: files))
            let bands = Dictionary(uniqueKeysWithValues: try interpreter.evaluate(node).map { ($0.name, $0.value) })
            #expect(bands["clear_count"]! == Double(values.indices.filter { $0 % P == p && !values[$0].isNaN }.count))
            for d in 0..<D {
                let inside = (5...34).contains(d)
                #expect((bands["NDVI_final_\(tags[d])"] != nil) == inside, "date \(d) in the outputs: \(inside)")
                guard inside else { continue }
                let i = d * P + p
                let observed = bands["NDVI_\(tags[d])"]!, final = bands["NDVI_final_\(tags[d])"]!, quality = bands["quality_\(tags[d])"]!
                #expect(values[i].isNaN ? observed == nil : abs((observed ?? .nan) - Double(values[i])) < 1e-6, "pixel \(p) date \(d) NDVI")
                let q = local.quality[i]
                qualities.insert(q)
                if values[i].isNaN && ((q == 5 && counts[p] > 22) || (q == 1 && counts[p] > 12)) { dropped += 1 }
                #expect(quality.map { Int8($0) } == (q == FillQuality.none ? nil : q), "pixel \(p) date \(d) quality")
                if local.final[i].isNaN {
                    #expect(final == nil, "pixel \(p) date \(d): nothing fills")
                } else {
                    let difference = abs(Double(local.final[i]) - (final ?? .nan))
                    // The local cascade solves normal equations (Cholesky), the interpreter by
                    // QR: a 5-harmonic fit extrapolated months away from its 14 values differs by 2e-4.
                    #expect(difference < 1e-3, "pixel \(p) date \(d): \(final.map { "\($0)" } ?? "nil") against \(local.final[i])")
                }
            }
        }
        // Every branch of the cascade was exercised, a fit dropped outside (−1, 1) included.
        #expect(qualities.isSuperset(of: [FillQuality.observed, FillQuality.none, 10, 5, 1]), "\(qualities.sorted())")
        #expect(dropped > 0, "no fitted value fell outside (−1, 1)")
    }

    @Test("band tags: acquisition times, a repeated time numbered")
    func tags() {
        let t = Date(timeIntervalSince1970: 1_483_228_800 + 37_441)   // 2017-01-01T10:24:01Z
        let members = [t, t, t.addingTimeInterval(86_400)].map { GapFillGraph.Member(source: "s", mask: "m", acquired: $0) }
        #expect(GapFillGraph.tags(members) == ["20170101T102401", "20170101T102401_2", "20170102T102401"])
    }
}

extension GapFillGraphTests {
    @Test("a block of two years of daily images fits the API's 10 MiB request limit")
    func largeBlockFits() async throws {
        try await VerdantProcess.offload { try Self.measureLargeBlock() }
    }

    static func measureLargeBlock() throws {
        let start = Date(timeIntervalSince1970: 1_483_228_800)
        let members = (0..<730).map { d in
            GapFillGraph.Member(source: "projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED/20170101T102401_20170101T102401_T33TVM_\(d)",
                                mask: "projects/verdant-test/assets/verdant/masks/20170101T102401_20170101T102401_T33TVM_\(d)",
                                acquired: start.addingTimeInterval(Double(d) * 86_400))
        }
        let graph = GapFillGraph(firstDay: 17_167, lastDay: 17_167 + 729)
        let clock = ContinuousClock.now
        let size = try JSONSerialization.data(withJSONObject: graph.image(members: members, scale: 30).node.expression()).count
        print("gap-filling graph of 730 dates: \(size) bytes, built and encoded in \(ContinuousClock.now - clock)")
        #expect(size < 10_485_760)
    }
}
