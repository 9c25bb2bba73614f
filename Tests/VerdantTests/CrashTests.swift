import Foundation
import Testing
import VerdantCore
import VerdantStore

@Suite("Crash safety", .serialized)
struct CrashTests {
    @Test("kill -9 at random moments of a two-stage run, run again until done: every mask and NDVI exists exactly once, no NDVI before its mask")
    func killNineUntilDone() async throws {
        let dir = Fixtures.temporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try VerdantProcess.enlargedCatalog(copies: 4, in: dir)
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: [
            "workers": "2", "nb_task_max": "3", "refresh": "1", "catalog": "\"\(catalog.path)\""])
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var finishedByItself = false
        for _ in 0..<40 {
            let process = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
            let delay = Double.random(in: 0.05...0.8, using: &generator)
            try await Task.sleep(nanoseconds: UInt64(UInt32(delay * 1e6) * 1000))
            if let ended = process.reap() {
                finishedByItself = ended == .exited(0)
                if finishedByItself { break }
                continue
            }
            // Only the run itself: its job children notice their parent is gone and stop.
            kill(process.pid, SIGKILL)
            await VerdantProcess.wait(process)
            kills += 1
        }
        print("crash test: \(kills) kill -9, finished by itself: \(finishedByItself)")
        let last = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(last.status == 0, "final run: \(last.stderr)")
        #expect(kills >= 3, "the runs ended too fast to be killed (\(kills) kills)")

        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let journal = try store.journal(after: 0, limit: 1_000_000)
        for stage in [Stage.cloudMask, .ndvi] {
            let records = try store.records(in: Set(TaskState.allCases), stage: stage, limit: nil)
            #expect(records.count == 44)
            for record in records {
                #expect(record.state == .completed || record.state == .outOfArea, "\(record.key) ended \(record.state)")
                let mine = journal.filter { $0.key == record.key }
                let endings = mine.filter { $0.to == .completed || $0.to == .outOfArea }
                #expect(endings.count == 1, "\(record.key) ended \(endings.count) times")
                #expect(!mine.contains { $0.detail?.contains("already published") == true }, "\(record.key) was written twice")
                guard record.state == .completed else { continue }
                let output = try #require(record.output)
                let sidecar = (output as NSString).deletingPathExtension + ".json"
                let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar))) as? [String: Any])
                #expect(json["request_id"] as? String == record.requestId)
            }
            let published = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("output/\(stage.rawValue)").path)
            #expect(published.count == 40)
        }
        // No NDVI task started before its mask was final.
        var maskFinal: [String: Int64] = [:]
        for entry in journal where entry.stage == .cloudMask && entry.to.isFinal { maskFinal[entry.imageId] = maskFinal[entry.imageId] ?? entry.seq }
        for entry in journal where entry.stage == .ndvi && entry.to == .submitting {
            let final = try #require(maskFinal[entry.imageId], "NDVI of \(entry.imageId) started without a final mask")
            #expect(final < entry.seq, "NDVI of \(entry.imageId) started before its mask was final")
        }
    }
}
