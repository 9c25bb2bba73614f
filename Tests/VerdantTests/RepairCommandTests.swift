import Foundation
import Testing
import VerdantCore
import VerdantStore

@Suite("verdant repair, the command", .serialized)
struct RepairCommandTests {
    @Test("after kill -9 of a run, repair --yes settles every task left in flight (backup first, journaled), and the next run finishes")
    func repairAfterACrash() async throws {
        let dir = Fixtures.temporaryDirectory("repair-crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try VerdantProcess.enlargedCatalog(copies: 4, in: dir)
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: [
            "workers": "2", "nb_task_max": "3", "refresh": "1", "catalog": "\"\(catalog.path)\""])
        let storePath = dir.appendingPathComponent("output/status.sqlite").path

        var inFlight = 0
        for _ in 0..<10 where inFlight == 0 {
            let process = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
            // Killed once the store shows tasks in flight: what a crash leaves behind.
            var ended = false
            _ = await Fixtures.eventually(60) {
                if process.reap() != nil { ended = true; return true }
                guard FileManager.default.fileExists(atPath: storePath),
                      let store = try? SQLiteStatusStore(path: storePath, readOnly: true) else { return false }
                return ((try? store.count(in: TaskState.inFlight)) ?? 0) > 0
            }
            // Only a process not reaped yet: a reaped pid may belong to another process by now.
            if !ended {
                kill(process.pid, SIGKILL)
                await VerdantProcess.wait(process)
            }
            inFlight = try SQLiteStatusStore(path: storePath, readOnly: true).count(in: TaskState.inFlight)
        }
        try #require(inFlight > 0, "no run could be killed with tasks in flight")

        let dry = try await VerdantProcess.run(["repair", "-p", parameters.path, "--dry-run"], in: dir)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("dry run: nothing written"))
        #expect(try SQLiteStatusStore(path: storePath, readOnly: true).count(in: TaskState.inFlight) == inFlight)

        let repaired = try await VerdantProcess.run(["repair", "-p", parameters.path, "--yes", "--json"], in: dir)
        #expect(repaired.status == 0, "\(repaired.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(repaired.stdout.utf8)) as? [String: Any])
        #expect(report["applied"] as? Bool == true)
        let findings = try #require(report["findings"] as? [[String: Any]])
        let settled = findings.filter { ["in-flight-unknown", "stuck-submitting"].contains($0["class"] as? String) }
            .reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
        #expect(settled == inFlight)
        let backup = try #require(report["backup"] as? String)
        #expect(try SQLiteStatusStore(path: backup, readOnly: true).count(in: TaskState.inFlight) == inFlight)

        let store = try SQLiteStatusStore(path: storePath, readOnly: true)
        #expect(try store.count(in: TaskState.inFlight) == 0)
        let journal = try store.journal(after: 0, limit: 1_000_000)
        #expect(journal.filter { $0.detail?.hasPrefix("repair ") == true }.count >= inFlight)

        let last = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(last.status == 0, "\(last.stderr)")
        let after = try SQLiteStatusStore(path: storePath, readOnly: true)
        let states = Set(try after.records(in: Set(TaskState.allCases), stage: nil, limit: nil).map(\.state))
        #expect(states.isSubset(of: [.completed, .outOfArea, .skipped]))
    }

    @Test("while another run holds the store: --dry-run reads, writing is refused with exit 1")
    func refusedWhileARunHoldsTheStore() async throws {
        let dir = Fixtures.temporaryDirectory("repair-lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        let first = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        try #require(first.status == 0, "\(first.stderr)")
        // Take the run lock as a run would (flock on <store>.lock).
        let lockPath = dir.appendingPathComponent("output/status.sqlite.lock").path
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(flock(fd, LOCK_EX | LOCK_NB) == 0)
        ftruncate(fd, 0)
        _ = "4242\n".withCString { write(fd, $0, 5) }

        let refused = try await VerdantProcess.run(["repair", "-p", parameters.path, "--yes"], in: dir)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("pid 4242"))
        #expect(refused.stderr.contains("--dry-run"))
        let dry = try await VerdantProcess.run(["repair", "-p", parameters.path, "--dry-run"], in: dir)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("cannot be read while another run owns it"))
    }
}
