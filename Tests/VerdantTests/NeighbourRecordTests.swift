import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantStore

/// The neighbour images recorded with each mask task (method "seed"), across runs.
@Suite("Recorded neighbours end to end", .serialized)
struct NeighbourRecordTests {
    func sidecar(_ store: SQLiteStatusStore, _ id: String) throws -> [String: Any] {
        let mask = try #require(try store.record(TaskKey(.cloudMask, id))?.output)
        let path = URL(fileURLWithPath: mask).deletingPathExtension().appendingPathExtension("json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
    }

    @Test("neighbours are recorded and kept; a catalog moved elsewhere is followed when masks are redone, never a silent fallback")
    func movedCatalogIsFollowed() async throws {
        let dir = Fixtures.temporaryDirectory("neighbours")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try VerdantProcess.enlargedCatalog(copies: 1, in: dir)
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(catalog.path)\""])
        #expect(try await VerdantProcess.run(["run", "-p", parameters.path], in: dir).status == 0)
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        var store = try SQLiteStatusStore(path: storePath, readOnly: true)
        let haze = try #require(try store.records(in: [.completed], stage: .cloudMask, limit: nil).map(\.id).first { $0.hasPrefix("20150731") })
        let first = try #require(try store.neighbours(of: [haze])[haze])
        #expect(first.recent.count == 9 && first.recent.allSatisfy { $0.source.hasPrefix(catalog.deletingLastPathComponent().path) })
        #expect(try sidecar(store, haze)["method_inputs"].flatMap { ($0 as? [String: Any])?["fallback"] } == nil)

        // The catalog folder moves; a changed cut-off redoes every mask.
        let moved = dir.appendingPathComponent("moved", isDirectory: true)
        try FileManager.default.moveItem(at: catalog.deletingLastPathComponent(), to: moved)
        // The copied items name their band files by absolute paths under the old folder.
        for name in try FileManager.default.contentsOfDirectory(atPath: moved.path) where name.hasSuffix(".json") && name != "catalog.json" {
            let url = moved.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: catalog.deletingLastPathComponent().path, with: moved.path).write(to: url, atomically: true, encoding: .utf8)
        }
        _ = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(moved.appendingPathComponent("catalog.json").path)\"",
                                                                 "cutoff": "0.3"])
        let again = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        store = try SQLiteStatusStore(path: storePath, readOnly: true)
        let second = try #require(try store.neighbours(of: [haze])[haze])
        #expect(second.recent.map(\.id) == first.recent.map(\.id))                       // the same images…
        #expect(second.recent.allSatisfy { $0.source.hasPrefix(moved.path) })            // …found where they are now
        let inputs = try #require(try sidecar(store, haze)["method_inputs"] as? [String: Any])
        #expect(inputs["fallback"] == nil)
        #expect(((inputs["neighbours"] as? [String: Any])?["percentile1"] as? [String])?.count == 9)
    }
}
