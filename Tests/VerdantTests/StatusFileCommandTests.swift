import Foundation
import Testing
import VerdantCore
import VerdantStore

@Suite("export-status and import-status, the commands", .serialized)
struct StatusFileCommandTests {
    @Test("a lost store comes back from its exported file: export, remove the store, import --yes; a malformed file exits 2 and changes nothing")
    func exportThenImport() async throws {
        let dir = Fixtures.temporaryDirectory("status-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        let run = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        try #require(run.status == 0, "\(run.stderr)")
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        let original = try SQLiteStatusStore(path: storePath, readOnly: true).counts()

        let export = try await VerdantProcess.run(["export-status", "-p", parameters.path], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let xlsx = dir.appendingPathComponent("output/current_status.xlsx").path
        #expect(export.stdout.contains("wrote 22 task(s) to \(xlsx)"))
        let csv = try await VerdantProcess.run(["export-status", "-p", parameters.path, dir.appendingPathComponent("s.csv").path], in: dir)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("s.csv"), encoding: .utf8).hasPrefix("Name,Result,Task_id,Stage,State"))

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) }
        let imported = try await VerdantProcess.run(["import-status", "-p", parameters.path, xlsx, "--yes"], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("applied in one transaction: 22 task(s) added"))
        #expect(try SQLiteStatusStore(path: storePath, readOnly: true).counts() == original)

        let bad = dir.appendingPathComponent("bad.csv")
        try Data("Image,Result,Task_id\n20170101T100000_20170101T100000_T33TVL,READY,A\n".utf8).write(to: bad)
        let journal = try SQLiteStatusStore(path: storePath, readOnly: true).journal(limit: 1, imageId: nil).first?.seq
        let backups = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("output").path).filter { $0.contains(".backup-") }
        let refused = try await VerdantProcess.run(["import-status", "-p", parameters.path, bad.path, "--yes"], in: dir)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\(bad.path): line 1: no column named Name"))
        #expect(try SQLiteStatusStore(path: storePath, readOnly: true).journal(limit: 1, imageId: nil).first?.seq == journal)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("output").path).filter { $0.contains(".backup-") } == backups)
    }
}
