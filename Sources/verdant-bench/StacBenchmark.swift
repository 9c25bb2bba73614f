import Dispatch
import FakeStacAPI
import Foundation
import VerdantCore
import VerdantHTTP
import VerdantLocal
import VerdantRaster
import VerdantStacAPI

/// Real inputs over HTTP, against the loopback STAC API serving `samples/catalog`:
/// 1. the time to list `items` items through pages of `page` (the search alone, then as verdant
///    lists: search, each item recorded to its file, the recorded collection parsed);
/// 2. the bytes a cloud-mask job fetches per image against the full size of the band files it
///    opens: the samples' land on the Slovenia patches, the whole Berlin crop, and a
///    3 km × 2 km area inside it (goal: only the area's windows);
/// 3. the same on a tile of real size (10980 px at 10 m, 1024-px blocks, as Earth Search's
///    COGs), the Berlin crop's values stretched over it with `gdal_translate`.
/// `perFile` prints each image's mask grid and each file's requests as well.
func runStacBenchmark(samples: String, land: String, items: Int, page: Int, scale: Double, fullTile: Bool, perFile: Bool) async throws {
    let catalog = URL(fileURLWithPath: samples)
    try await listingFigures(catalog: catalog, items: items, page: page)
    try await windowFigures(catalog: catalog, landPath: land, scale: scale, perFile: perFile)
    if fullTile { try await fullTileFigures(catalog: catalog, scale: scale, perFile: perFile) }
}

private let everywhere: [[[Double]]] = [[[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]]
private let wholeRange = "2015-01-01T00:00:00Z/2017-12-31T23:59:59Z"

private func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

/// The discovery query matching every item the test API serves.
private let wholeQuery = CatalogQuery(start: CalendarDate(year: 2015, month: 1, day: 1)!, end: CalendarDate(year: 2017, month: 12, day: 31)!,
                                      geometry: everywhere)
/// 3 km × 2 km in UTM 33N, inside the Berlin crop (x 330000–345360, y 5814360–5822040).
private let threeByTwoKm: [[Double]] = [[336000, 5817000], [339000, 5817000], [339000, 5819000], [336000, 5819000]]

/// verdant's catalog of the test API at `base`, its listing recorded in `directory`.
private func lister(_ base: String, directory: String, refresh: Bool = true) -> StacAPICatalog {
    StacAPICatalog(root: base + "/", collections: [StacTestServer.collection], maxCloudCover: nil,
                   directory: directory, refresh: refresh, coefNormalisation: 10_000, client: HTTPClient())
}

/// Every item the test API lists, as its jobs read them.
private func listedItems(_ base: String, directory: String) async throws -> [CatalogItem] {
    let catalog = lister(base, directory: directory)
    return try await catalog.list(wholeQuery).images.map { try StacCatalog.loadItem(path: catalog.itemPath($0.id), coefNormalisation: 10_000) }
}

private func listingFigures(catalog: URL, items wanted: Int, page: Int) async throws {
    let originals = try FileManager.default.contentsOfDirectory(atPath: catalog.path).filter { !$0.hasSuffix(".json") }.count
    let server = StacTestServer(samples: catalog, copies: (wanted + originals - 1) / max(1, originals))
    await server.configure { $0.pageSize = page }
    let base = try await server.start()
    defer { Task { await server.stop() } }
    let query = StacSearch.Query(root: base + "/", collections: [StacTestServer.collection], datetime: wholeRange,
                                 intersects: everywhere, maxCloudCover: nil, limit: page)
    _ = await server.ids(meeting: [-180, -85, 180, 85])  // the server's own preparation is not the client's time
    var start = DispatchTime.now().uptimeNanoseconds
    let (features, pages) = try await StacSearch(client: HTTPClient()).run(query)
    let search = seconds(since: start)
    print(String(format: "stac list  %d items in %d pages of %d: search %.2f s (%.0f items/s)",
                 features.count, pages, page, search, Double(features.count) / search))

    let record = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-bench-stac-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: record) }
    start = DispatchTime.now().uptimeNanoseconds
    let listing = try await lister(base, directory: record.path).list(wholeQuery)
    let listed = seconds(since: start)
    start = DispatchTime.now().uptimeNanoseconds
    let again = try await lister(base, directory: record.path, refresh: false).list(wholeQuery)
    let reread = seconds(since: start)
    print(String(format: "stac list  as verdant lists (search, %d item files recorded, collection parsed): %.2f s; from the record alone: %.2f s",
                 listing.images.count, listed, reread))
    guard again.images.count == listing.images.count else {
        throw StacBenchmarkError("the record lists \(again.images.count) images, the search \(listing.images.count)")
    }
}

private struct StacBenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One scenario: images masked one after the other, each with the remote cache cleared, so the
/// bytes of each are its own.
private func windowFigures(catalog: URL, landPath: String, scale: Double, perFile: Bool) async throws {
    let server = StacTestServer(samples: catalog)
    let base = try await server.start()
    defer { Task { await server.stop() } }
    let record = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-bench-windows-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: record, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: record) }
    let items = try await listedItems(base, directory: record.appendingPathComponent("stac").path)
    let sampleLand = try LandArea.load(path: landPath)
    let berlin = items.filter { $0.tile == "33UUU" || $0.id.contains("T33UUU") }
    let slovenia = items.filter { !berlin.contains($0) }
    // The Berlin crop spans x 330000–345360, y 5814360–5822040 (UTM 33N): all of it, and 3 × 2 km inside.
    let wholeCrop = try utmLand("berlin-crop", [[330000, 5814360], [345360, 5814360], [345360, 5822040], [330000, 5822040]], in: record)
    let small = try utmLand("berlin-3x2km", threeByTwoKm, in: record)

    print("stac reads  hollstein masks at \(Int(scale)) m, each image read over HTTP from the test API (cache cleared per image)")
    for (name, land, chosen) in [("samples' land, Slovenia patches", sampleLand, slovenia),
                                 ("whole Berlin crop (15.4 × 7.7 km)", wholeCrop, berlin),
                                 ("3 × 2 km inside the Berlin crop", small, berlin)] {
        try await measureReads(name, items: chosen, land: land, server: server, catalog: catalog, scale: scale, scratch: record, perFile: perFile)
    }
}

/// Masks `items` one after the other, each with the remote cache cleared, so the bytes of each
/// are its own; prints the bytes fetched per image against the full size of the files it opened.
private func measureReads(_ name: String, items: [CatalogItem], land: LandArea, server: StacTestServer, catalog: URL,
                          scale: Double, scratch: URL, perFile: Bool) async throws {
    var fetched = 0, full = 0, requests = 0, whole = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for item in items {
        RemoteReads.clearCache()
        let before = await server.log.count
        let out = scratch.appendingPathComponent("masks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var settings = CloudMaskSettings(scale: scale, method: "hollstein", landGeometryPath: land.sourcePath)
        settings.workers = 1
        let result = try CloudMaskJob(item: item, land: land, settings: settings).run(into: out, requestId: "bench") { false }
        if perFile {
            let info = try RasterInfo.read(path: result.maskPath)
            print("  \(item.id): mask \(info.width)×\(info.height) \(info.grid.geoTransform), nodata \(result.nodataFraction), cloud \(result.cloudFraction)")
        }
        let asked = await server.log.dropFirst(before).filter { $0.path.hasPrefix("/assets/") }
        let files = Set(asked.map { String($0.path.dropFirst("/assets/".count)) })
        let sizes = files.map { (try? FileManager.default.attributesOfItem(atPath: catalog.appendingPathComponent($0).path)[.size] as? Int) ?? 0 }
        if perFile {
            for (file, size) in zip(files, sizes).sorted(by: { $0.0 < $1.0 }) {
                let got = asked.filter { $0.path.hasSuffix(file) }
                print("    \(file): \(got.reduce(0) { $0 + $1.bytes }) of \(size) bytes in \(got.count) request(s): \(got.map { "\($0.method) \($0.range ?? "-") \($0.status) \($0.bytes)" })")
            }
        }
        fetched += asked.reduce(0) { $0 + $1.bytes }
        full += sizes.reduce(0, +)
        requests += asked.count
        whole += asked.filter { $0.method == "GET" && $0.range == nil }.count
    }
    let n = max(1, items.count)
    print(String(format: "stac reads  %@: %d image(s); per image %.1f KiB fetched in %.1f requests, of %.1f KiB of band files opened (%.2f %%); whole-file GETs %d; %.2f s per image",
                 name, items.count, Double(fetched) / Double(n) / 1024, Double(requests) / Double(n),
                 Double(full) / Double(n) / 1024, 100 * Double(fetched) / Double(max(1, full)), whole, seconds(since: start) / Double(n)))
}

/// A catalog of one item the size of a real tile (T33UUU's origin): each band of the Berlin crop
/// stretched to 10980, 5490 or 1830 px as its native resolution is 10, 20 or 60 m.
private func fullTileFigures(catalog: URL, scale: Double, perFile: Bool) async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-bench-tile-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let source = "20170216T102101_20170216T102204_T33UUU"
    let id = "20170216T102101_20170216T102204_T33UUU_fulltile"
    let folder = root.appendingPathComponent("catalog").appendingPathComponent(id)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let sizes = ["B01": 1830, "B02": 10980, "B03": 10980, "B04": 10980, "B05": 5490, "B06": 5490, "B07": 5490, "B08": 10980,
                 "B8A": 5490, "B09": 1830, "B10": 1830, "B11": 5490, "B12": 5490]
    let start = DispatchTime.now().uptimeNanoseconds
    for (band, size) in sizes.sorted(by: { $0.key < $1.key }) {
        let translate = Process()
        translate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        translate.arguments = ["gdal_translate", "-q", "-outsize", "\(size)", "\(size)", "-a_ullr", "300000", "5900040", "409800", "5790240",
                               "-of", "COG", "-co", "COMPRESS=DEFLATE", "-co", "BLOCKSIZE=1024",
                               catalog.appendingPathComponent(source).appendingPathComponent("\(band).tif").path,
                               folder.appendingPathComponent("\(band).tif").path]
        try translate.run()
        translate.waitUntilExit()
        guard translate.terminationStatus == 0 else { throw StacBenchmarkError("gdal_translate failed on \(band) (status \(translate.terminationStatus))") }
    }
    var item = try JSONSerialization.jsonObject(with: Data(contentsOf: catalog.appendingPathComponent(source).appendingPathComponent("\(source).json"))) as? [String: Any] ?? [:]
    let footprint = try JSONSerialization.jsonObject(with: Data(try Footprint.ofRaster(path: folder.appendingPathComponent("B02.tif").path).utf8)) as? [String: Any] ?? [:]
    let ring = (footprint["coordinates"] as? [[[Double]]])?.first ?? []
    item["id"] = id
    item["geometry"] = footprint
    item["bbox"] = [ring.map { $0[0] }.min() ?? 0, ring.map { $0[1] }.min() ?? 0, ring.map { $0[0] }.max() ?? 0, ring.map { $0[1] }.max() ?? 0]
    try JSONSerialization.data(withJSONObject: item).write(to: folder.appendingPathComponent("\(id).json"))
    let fileBytes = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tif") }
        .reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent($1).path)[.size] as? Int) ?? 0) }
    print(String(format: "stac tile  a 10980-px tile (13 bands, 1024-px blocks, %.1f MiB; values stretched from the Berlin crop) written in %.1f s",
                 Double(fileBytes) / 1048576, seconds(since: start)))

    let served = root.appendingPathComponent("catalog")
    let server = StacTestServer(samples: served)
    let base = try await server.start()
    defer { Task { await server.stop() } }
    let items = try await listedItems(base, directory: root.appendingPathComponent("stac").path)
    let small = try utmLand("tile-3x2km", threeByTwoKm, in: root)
    let district = try utmLand("tile-20x20km", [[330000, 5810000], [350000, 5810000], [350000, 5830000], [330000, 5830000]], in: root)
    for (name, land) in [("3 × 2 km inside the full tile", small), ("20 × 20 km inside the full tile", district)] {
        try await measureReads(name, items: items, land: land, server: server, catalog: served, scale: scale, scratch: root, perFile: perFile)
    }
}

/// A land area given in UTM 33N metres (the GeoJSON names its CRS).
private func utmLand(_ name: String, _ corners: [[Double]], in directory: URL) throws -> LandArea {
    let ring = (corners + [corners[0]]).map { "[\($0[0]),\($0[1])]" }.joined(separator: ",")
    let path = directory.appendingPathComponent("\(name).geojson").path
    try """
    {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32633"}},
     "features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[\(ring)]]}}]}
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return try LandArea.load(path: path)
}
