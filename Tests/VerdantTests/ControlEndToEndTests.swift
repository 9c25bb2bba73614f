import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantStore

/// A run controlled from other processes and by signals, as a person at a shell would.
@Suite("Run control end to end", .serialized)
struct ControlEndToEndTests {
    func slowRun(_ dir: URL) throws -> URL {
        let catalog = try VerdantProcess.enlargedCatalog(copies: 4, in: dir)
        return try VerdantProcess.sampleParameters(in: dir, edits: [
            "workers": "1", "nb_task_max": "2", "refresh": "1", "catalog": "\"\(catalog.path)\""])
    }

    func waitFor(_ timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    @Test("pause, resume and cancel --all from another process reach the running scheduler")
    func controlFromAnotherProcess() throws {
        let dir = Fixtures.temporaryDirectory("control")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try slowRun(dir)
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        let run = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
        defer { run.signal(SIGKILL); run.wait() }
        #expect(waitFor(20) { (try? SQLiteStatusStore(path: storePath, readOnly: true).counts(stage: nil)[.completed, default: 0] ?? 0) ?? 0 >= 1 })

        let pause = try VerdantProcess.run(["pause", "-p", parameters.path], in: dir)
        #expect(pause.status == 0, "\(pause.stderr)")
        let store = try SQLiteStatusStore(path: storePath, readOnly: true)
        // Once paused, what is in flight finishes and nothing new is submitted.
        #expect(try waitFor(10) { try store.records(in: TaskState.inFlight, stage: nil, limit: nil).isEmpty })
        let pausedCompleted = try store.counts(stage: nil)[.completed, default: 0]
        usleep(1_500_000)
        #expect(try store.counts(stage: nil)[.completed, default: 0] == pausedCompleted)
        #expect(try store.counts(stage: nil)[.queued, default: 0] > 0)

        #expect(try VerdantProcess.run(["resume", "-p", parameters.path], in: dir).status == 0)
        #expect(try waitFor(10) { try store.counts(stage: nil)[.completed, default: 0] > pausedCompleted })

        let cancel = try VerdantProcess.run(["cancel", "--all", "-p", parameters.path], in: dir)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(cancel.stdout.contains("asked the running verdant"))
        // The run ends by itself once everything is cancelled or done.
        #expect(waitFor(20) { run.poll() != nil })
        let counts = try store.counts(stage: nil)
        #expect(counts[.cancelled, default: 0] > 0)
        #expect(counts[.queued, default: 0] == 0)
        #expect(TaskState.inFlight.allSatisfy { counts[$0, default: 0] == 0 })
        #expect(counts.values.reduce(0, +) == 44)
    }

    @Test("SIGINT stops the run cleanly; the next run finishes the work, nothing twice")
    func interruptAndContinue() throws {
        let dir = Fixtures.temporaryDirectory("sigint")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try slowRun(dir)
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        let run = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
        #expect(waitFor(20) { (try? SQLiteStatusStore(path: storePath, readOnly: true).counts(stage: nil)[.completed, default: 0] ?? 0) ?? 0 >= 2 })
        kill(run.pid, SIGINT)
        let ended = run.wait()
        #expect(ended == .exited(0))
        let store = try SQLiteStatusStore(path: storePath, readOnly: true)
        let midway = try store.counts(stage: nil)
        #expect(midway[.queued, default: 0] > 0, "the run finished before the signal: \(midway)")

        let again = try VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        #expect(records.filter { $0.state == .completed }.count == 40)
        for record in records where record.state == .completed {
            #expect(try store.journal(limit: 1000, imageId: record.id).filter { $0.to == .completed }.count == 1)
        }
    }

    @Test("status --json and check tell the state of a finished run")
    func statusAndCheck() throws {
        let dir = Fixtures.temporaryDirectory("status")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        #expect(try VerdantProcess.run(["run", "-p", parameters.path], in: dir).status == 0)
        let status = try VerdantProcess.run(["status", "--json", "-p", parameters.path], in: dir)
        #expect(status.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(counts == ["COMPLETED": 10, "OUT_OF_AREA": 1])
        #expect(json["run_active"] as? Bool == false)
        #expect((json["last_transitions"] as? [Any])?.count == 10)
        let check = try VerdantProcess.run(["check", "-p", parameters.path], in: dir)
        #expect(check.status == 0)
        #expect(check.stdout.contains("2015-06-01 … 2017-03-30"))
        #expect(check.stdout.contains("already done (output):  10"))
        #expect(check.stdout.contains("out of area (land):     1"))
    }
}
