import Foundation
import Testing
import VerdantCore
import VerdantHTTP
import VerdantRaster
import VerdantStacAPI
import VerdantStore
import FakeStacAPI

/// A STAC API searched and its COGs read over HTTP, against a loopback test server.
@Suite("STAC API search and remote reads", .serialized)
struct StacAPITests {
    static func query(_ base: String, cloud: Double? = nil) -> StacSearch.Query {
        StacSearch.Query(root: base + "/", collections: [StacTestServer.collection], datetime: "2015-01-01T00:00:00Z/2017-12-31T23:59:59Z",
                         intersects: [[[13.0, 45.0], [16.0, 45.0], [16.0, 47.0], [13.0, 47.0], [13.0, 45.0]]], maxCloudCover: cloud, limit: 4)
    }

    static let fastRetries = HTTPClient(policy: RetryPolicy(maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.05))

    @Test("the search pages through POST next links to the end, rides out a 429 and a 500 midway, and is recorded: the next listing needs no network")
    func searchPagesAndRecords() async throws {
        let server = StacTestServer(samples: SampleCatalog.samples.appendingPathComponent("catalog"))
        let base = try await server.start()
        await server.configure { $0.searchFaults = [2: 429, 4: 500] }
        let dir = Fixtures.temporaryDirectory("stac-search")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (features, pages) = try await StacSearch(client: Self.fastRetries).run(Self.query(base))
        let all = await server.ids(meeting: [13, 45, 16, 47])
        #expect(features.count == all.count && all.count > 8, "\(features.count) of \(all.count)")
        #expect(Set(features.compactMap { $0["id"] as? String }).count == features.count)
        #expect(pages == (all.count + 3) / 4)
        let statuses = await server.log.filter { $0.path == "/search" }.map(\.status)
        #expect(statuses.contains(429) && statuses.contains(500) && statuses.last == 200, "\(statuses)")

        // As a catalog: the listing is recorded, then listed again from the record alone.
        let record = dir.appendingPathComponent("stac").path
        let catalog = StacAPICatalog(root: base + "/", collections: [StacTestServer.collection], maxCloudCover: nil, directory: record,
                                     refresh: false, coefNormalisation: 10_000, client: Self.fastRetries)
        let q = CatalogQuery(start: CalendarDate(year: 2015, month: 1, day: 1)!, end: CalendarDate(year: 2017, month: 12, day: 31)!,
                             geometry: Self.query(base).intersects)
        await server.configure { $0.searchFaults = [:] }
        let first = try await catalog.list(q)
        await server.stop()
        let second = try await catalog.list(q)
        #expect(first.images.map(\.id) == second.images.map(\.id) && first.images.count == all.count)
        #expect(second.source.contains("recorded in"), "\(second.source)")
        // Each image's source is its own item file, a whole Feature.
        #expect(first.images.allSatisfy { $0.source == catalog.itemPath($0.id) && FileManager.default.fileExists(atPath: $0.source) })
        // Another query (cloud cover) needs a new search: the server is gone, so it fails, naming it.
        let other = StacAPICatalog(root: base + "/", collections: [StacTestServer.collection], maxCloudCover: 10, directory: record,
                                   refresh: false, coefNormalisation: 10_000, client: HTTPClient(policy: .once))
        await #expect(throws: StacSearch.Failure.self) { try await other.list(q) }
    }

    @Test("query on eo:cloud_cover as the conformance classes advertise; a malformed answer names the URL and status")
    func cloudFilterAndMalformed() async throws {
        let server = StacTestServer(samples: SampleCatalog.samples.appendingPathComponent("catalog"))
        let base = try await server.start()
        defer { Task { await server.stop() } }
        let (clear, _) = try await StacSearch(client: Self.fastRetries).run(Self.query(base, cloud: 0))
        let everything = try await StacSearch(client: Self.fastRetries).run(Self.query(base)).features
        #expect(!clear.isEmpty && clear.count < everything.count, "\(clear.count) of \(everything.count)")
        #expect(clear.allSatisfy { (($0["properties"] as? [String: Any])?["eo:cloud_cover"] as? Double ?? 1) == 0 })
        await server.configure { $0.malformedSearch = true }
        do {
            _ = try await StacSearch(client: Self.fastRetries).run(Self.query(base))
            Issue.record("a malformed answer was taken")
        } catch let failure as StacSearch.Failure {
            #expect(failure.description.contains("\(base)/search") && failure.description.contains("HTTP 200")
                    && failure.description.contains("FeatureCollection"), "\(failure)")
        }
    }

    @Test("an API offering its search by GET only is searched by GET (the area as bbox), paged through GET next links, its cloud filter as advertised (query, CQL2 text or JSON); a link without a method refusing POST is asked by GET")
    func getOnlySearch() async throws {
        let server = StacTestServer(samples: SampleCatalog.samples.appendingPathComponent("catalog"))
        let base = try await server.start()
        defer { Task { await server.stop() } }
        let byPost = try await StacSearch(client: Self.fastRetries).run(Self.query(base))
        let clearByPost = try await StacSearch(client: Self.fastRetries).run(Self.query(base, cloud: 0)).features
        await server.configure { $0.getOnly = true }
        let before = await server.log.count
        let (features, pages) = try await StacSearch(client: Self.fastRetries).run(Self.query(base))
        #expect(features.compactMap { $0["id"] as? String } == byPost.features.compactMap { $0["id"] as? String } && pages == byPost.pages,
                "\(features.count) features in \(pages) pages by GET, \(byPost.features.count) in \(byPost.pages) by POST")
        let searches = await server.log.dropFirst(before).filter { $0.path == "/search" }
        #expect(searches.count == pages && searches.allSatisfy { $0.method == "GET" && $0.status == 200 }, "\(searches.map { "\($0.method) \($0.status)" })")
        let clear = try await StacSearch(client: Self.fastRetries).run(Self.query(base, cloud: 0)).features
        #expect(clear.compactMap { $0["id"] as? String } == clearByPost.compactMap { $0["id"] as? String } && clear.count < features.count)
        // The filter extension instead: CQL2 text where advertised, else CQL2 JSON in the URL.
        for language in ["cql2-text", "cql2-json"] {
            await server.configure { $0.cloudFilter = language }
            let start = await server.log.count
            let filtered = try await StacSearch(client: Self.fastRetries).run(Self.query(base, cloud: 0)).features
            #expect(filtered.compactMap { $0["id"] as? String } == clearByPost.compactMap { $0["id"] as? String }, "\(language)")
            #expect(await server.log.dropFirst(start).contains { $0.path == "/search" && $0.method == "GET" }, "\(language)")
        }
        // A search link without a method means GET: a POST refused with 405 is asked again by GET.
        await server.configure { $0.searchLinkWithoutMethod = true }
        let start = await server.log.count
        let fallback = try await StacSearch(client: Self.fastRetries).run(Self.query(base))
        #expect(fallback.features.count == features.count && fallback.pages == pages)
        let asked = await server.log.dropFirst(start).filter { $0.path == "/search" }.map { "\($0.method) \($0.status)" }
        #expect(asked == ["POST 405"] + Array(repeating: "GET 200", count: pages), "\(asked)")
    }

    @Test("verdant run on the test STAC API reads the COGs over HTTP by ranges only; its masks are those of the local run")
    func remoteRunMatchesLocal() async throws {
        let local = Fixtures.temporaryDirectory("stac-local")
        let remote = Fixtures.temporaryDirectory("stac-remote")
        defer { for dir in [local, remote] { try? FileManager.default.removeItem(at: dir) } }
        // Hollstein's single-image tests: every image's bands read once (the seed model reads
        // each neighbour's too, a far longer run beside the suite's timing-sensitive tests).
        let edits = ["catalog": "\"\(Fixtures.repositoryRoot.path)/samples/catalog/catalog.json\"", "until": "\"cloudmask\"",
                     "mask.method": "\"hollstein\""]
        let localRun = try await VerdantProcess.run(["run", "-p", try VerdantProcess.sampleParameters(in: local, edits: edits).path], in: local)
        #expect(localRun.status == 0, "\(localRun.stderr)")

        let server = StacTestServer(samples: SampleCatalog.samples.appendingPathComponent("catalog"))
        let base = try await server.start()
        defer { Task { await server.stop() } }
        let parameters = try VerdantProcess.sampleParameters(in: remote, edits: edits.merging(
            ["catalog": "\"\(base)/\"", "collections": "[\"\(StacTestServer.collection)\"]"]) { $1 })
        let check = try await VerdantProcess.run(["check", "-p", parameters.path], in: remote)
        #expect(check.status == 0 && check.stdout.contains("catalog: STAC API \(base)/"), "\(check.stdout)\(check.stderr)")
        let remoteRun = try await VerdantProcess.run(["run", "-p", parameters.path], in: remote)
        #expect(remoteRun.status == 0, "\(remoteRun.stderr)")

        let localStore = try SQLiteStatusStore(path: local.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let remoteStore = try SQLiteStatusStore(path: remote.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let localMasks = try localStore.records(in: [.completed], stage: .cloudMask, limit: nil)
        let remoteMasks = try remoteStore.records(in: [.completed], stage: .cloudMask, limit: nil)
        #expect(localMasks.count > 3 && remoteMasks.map(\.id).sorted() == localMasks.map(\.id).sorted())
        for mask in localMasks {
            let other = try #require(remoteMasks.first { $0.id == mask.id })
            let a = try RasterInfo.read(path: try #require(mask.output)), b = try RasterInfo.read(path: try #require(other.output))
            #expect(a.grid == b.grid && a.values == b.values, "mask \(mask.id) differs")
        }
        let assets = await server.assetRequests
        #expect(!assets.isEmpty && assets.allSatisfy { $0.method == "HEAD" || $0.range != nil },
                "whole-file reads: \(assets.filter { $0.method != "HEAD" && $0.range == nil }.map(\.path))")
        print("STAC remote run: \(assets.count) asset requests, \(assets.filter { $0.range != nil }.count) ranged")
    }

    @Test("an asset that answers 404 and a truncated remote file fail their images with the URL and the cause; the other images complete")
    func brokenAssets() async throws {
        let dir = Fixtures.temporaryDirectory("stac-broken")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = StacTestServer(samples: SampleCatalog.samples.appendingPathComponent("catalog"))
        let base = try await server.start()
        defer { Task { await server.stop() } }
        let ids = await server.ids(meeting: [13, 45, 16, 47]).sorted()
        let (gone, cut) = (ids[1], ids[2])
        await server.configure { $0.missing = ["\(gone)/B02.tif"]; $0.truncated = ["\(cut)/B03.tif"] }
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: [
            "catalog": "\"\(base)/\"", "collections": "[\"\(StacTestServer.collection)\"]", "until": "\"cloudmask\"",
            "mask.method": "\"hollstein\"", "max_attempts": "1"])
        let run = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(run.status == 1, "failed images make exit code 1: \(run.stderr)")
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        let failed = records.filter { $0.state == .failed }
        #expect(Set(failed.map(\.id)) == [gone, cut], "\(records.map { "\($0.id) \($0.state) \($0.error ?? "")" })")
        let goneError = failed.first { $0.id == gone }?.error ?? ""
        #expect(goneError.contains("\(base)/assets/\(gone)/B02.tif") && goneError.contains("404"), "\(goneError)")
        let cutError = failed.first { $0.id == cut }?.error ?? ""
        #expect(cutError.contains("\(cut)/B03.tif"), "\(cutError)")
        #expect(records.filter { $0.state == .completed }.count == records.filter { $0.state != .outOfArea && $0.state != .excluded }.count - 2)
    }

    @Test("verdant discover reuses the recorded listing and searches again with --refresh; a STAC API URL without collections, or with one the API lacks, is refused (exit 2)")
    func discoverRefresh() async throws {
        let dir = Fixtures.temporaryDirectory("stac-discover")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = StacTestServer(samples: SampleCatalog.samples.appendingPathComponent("catalog"))
        let base = try await server.start()
        defer { Task { await server.stop() } }
        let edits = ["catalog": "\"\(base)/\"", "collections": "[\"\(StacTestServer.collection)\"]", "until": "\"cloudmask\""]
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: edits)
        func searches() async -> Int { await server.log.filter { $0.path == "/search" }.count }
        let first = try await VerdantProcess.run(["discover", "-p", parameters.path], in: dir)
        #expect(first.status == 0 && first.stdout.contains("listed now") && first.stdout.contains("wanted: 10"), "\(first.stdout)\(first.stderr)")
        let afterFirst = await searches()
        let again = try await VerdantProcess.run(["discover", "-p", parameters.path], in: dir)
        #expect(again.status == 0 && again.stdout.contains("recorded in"), "\(again.stdout)")
        #expect(await searches() == afterFirst, "the recorded listing answers the same query")
        let refreshed = try await VerdantProcess.run(["discover", "--refresh", "-p", parameters.path], in: dir)
        #expect(refreshed.status == 0 && refreshed.stdout.contains("listed now"))
        #expect(await searches() > afterFirst)

        let sub = dir.appendingPathComponent("no-collections")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let bad = try VerdantProcess.sampleParameters(in: sub, edits: edits.merging(["collections": "[]"]) { $1 })
        let check = try await VerdantProcess.run(["check", "-p", bad.path], in: sub)
        #expect(check.status == 2 && check.stderr.contains("run.collections"), "\(check.stderr)")
        // A collection the API does not have is named, not listed as nothing.
        let typo = try VerdantProcess.sampleParameters(in: sub, edits: edits.merging(["collections": "[\"sentinel-2-llc\"]"]) { $1 })
        let typoCheck = try await VerdantProcess.run(["check", "-p", typo.path], in: sub)
        #expect(typoCheck.status == 2 && typoCheck.stderr.contains("no collection \"sentinel-2-llc\"")
                && typoCheck.stderr.contains("HTTP 404"), "\(typoCheck.stderr)")
    }

    @Test("a remote file's signed query string never reaches an error")
    func signedURLHidden() async throws {
        let path = "/vsicurl/http://127.0.0.1:9/b.tif?X-Amz-Signature=s3cr3t&X-Amz-Credential=AKIAEXAMPLE"
        let message: String = try await VerdantProcess.offload {
            do { _ = try RasterInfo.read(path: path); return "opened" } catch { return "\(error)" }
        }
        #expect(message != "opened" && message.contains("127.0.0.1:9/b.tif"), "\(message)")
        #expect(!message.contains("s3cr3t") && !message.contains("AKIAEXAMPLE"), "\(message)")
    }
}
