import Foundation
import Testing
import VerdantCore
import VerdantStore

@Suite("Crash safety", .serialized)
struct CrashTests {
    @Test("kill -9 at random moments, run again until done: every image ends once, no output twice")
    func killNineUntilDone() throws {
        let dir = Fixtures.temporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try Self.enlargedCatalog(copies: 4, in: dir)
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: [
            "workers": "2", "nb_task_max": "3", "refresh": "1", "catalog": "\"\(catalog.path)\""])
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var finishedByItself = false
        for _ in 0..<40 {
            let process = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
            let delay = Double.random(in: 0.05...0.8, using: &generator)
            usleep(UInt32(delay * 1e6))
            if let ended = process.poll() {
                finishedByItself = ended == .exited(0)
                if finishedByItself { break }
                continue
            }
            // Only the run itself: its job children notice their parent is gone and stop.
            kill(process.pid, SIGKILL)
            process.wait()
            kills += 1
        }
        print("crash test: \(kills) kill -9, finished by itself: \(finishedByItself)")
        let last = try VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(last.status == 0, "final run: \(last.stderr)")
        #expect(kills >= 3, "the runs ended too fast to be killed (\(kills) kills)")

        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        #expect(records.count == 44)
        for record in records {
            #expect(record.state == .completed || record.state == .outOfArea, "\(record.id) ended \(record.state)")
            let journal = try store.journal(limit: 10_000, imageId: record.id)
            let endings = journal.filter { $0.to == .completed || $0.to == .outOfArea }
            #expect(endings.count == 1, "\(record.id) ended \(endings.count) times")
            #expect(!journal.contains { $0.detail?.contains("already published") == true }, "\(record.id) was written twice")
            guard record.state == .completed else { continue }
            let output = try #require(record.output)
            let sidecar = (output as NSString).deletingPathExtension + ".json"
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar))) as? [String: Any])
            #expect(json["request_id"] as? String == record.requestId)
        }
        let published = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("output/cloudmask").path)
        #expect(published.count == 40)
    }

    /// The sample catalog with every item copied `copies` times under new ids (band hrefs made
    /// absolute), so a run lasts long enough to be killed several times.
    static func enlargedCatalog(copies: Int, in dir: URL) throws -> URL {
        let source = Fixtures.repositoryRoot.appendingPathComponent("samples/catalog")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("catalog.json"))) as! [String: Any]
        var links: [[String: Any]] = []
        let out = dir.appendingPathComponent("catalog", isDirectory: true)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for link in root["links"] as! [[String: Any]] where link["rel"] as? String == "item" {
            let itemURL = source.appendingPathComponent(link["href"] as! String).standardizedFileURL
            var item = try JSONSerialization.jsonObject(with: Data(contentsOf: itemURL)) as! [String: Any]
            var assets = item["assets"] as! [String: [String: Any]]
            for (key, var asset) in assets {
                asset["href"] = itemURL.deletingLastPathComponent().appendingPathComponent(asset["href"] as! String).standardizedFileURL.path
                assets[key] = asset
            }
            item["assets"] = assets
            let id = item["id"] as! String
            for k in 0..<copies {
                // Same acquisition, another granule time: an id no other copy has.
                var parts = id.split(separator: "_").map(String.init)
                parts[1] = String(parts[1].dropLast(2)) + "5\(k)"
                item["id"] = parts.joined(separator: "_")
                let name = "\(item["id"]!).json"
                try JSONSerialization.data(withJSONObject: item).write(to: out.appendingPathComponent(name))
                links.append(["rel": "item", "href": "./\(name)"])
            }
        }
        let catalog: [String: Any] = ["type": "Catalog", "stac_version": "1.0.0", "id": "crash-test", "description": "copies", "links": links]
        let url = out.appendingPathComponent("catalog.json")
        try JSONSerialization.data(withJSONObject: catalog).write(to: url)
        return url
    }
}
