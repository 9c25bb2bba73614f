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

    func storeCounts(_ storePath: String) -> [TaskState: Int] {
        (try? SQLiteStatusStore(path: storePath, readOnly: true).counts(stage: nil)) ?? [:]
    }

    @Test("pause, resume and cancel --all from another process reach the running scheduler")
    func controlFromAnotherProcess() async throws {
        let dir = Fixtures.temporaryDirectory("control")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try slowRun(dir)
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        let run = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
        defer { run.signalGroup(SIGKILL); _ = run.wait() }  // already ended: returns at once
        #expect(await Fixtures.eventually(120) { self.storeCounts(storePath)[.completed, default: 0] >= 1 })

        let pause = try await VerdantProcess.run(["pause", "-p", parameters.path], in: dir)
        #expect(pause.status == 0, "\(pause.stderr)")
        let store = try SQLiteStatusStore(path: storePath, readOnly: true)
        // Once the run has taken the pause, what is in flight finishes and nothing new is submitted.
        #expect(try await Fixtures.eventually(120) { try store.runState()?.paused == true })
        #expect(try await Fixtures.eventually(120) { try store.count(in: TaskState.inFlight) == 0 })
        let mark = try #require(try store.journal(limit: 1, imageId: nil).first?.seq)
        // An observation window: a paused run must submit nothing in it.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(try store.journal(after: mark, limit: 1000).filter { $0.to == .submitting }.isEmpty)
        #expect(try store.counts(stage: nil)[.queued, default: 0] > 0)
        let pausedCompleted = try store.counts(stage: nil)[.completed, default: 0]

        #expect(try await VerdantProcess.run(["resume", "-p", parameters.path], in: dir).status == 0)
        #expect(try await Fixtures.eventually(120) { try store.counts(stage: nil)[.completed, default: 0] > pausedCompleted })

        let cancel = try await VerdantProcess.run(["cancel", "--all", "-p", parameters.path], in: dir)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(cancel.stdout.contains("asked the running verdant"))
        // The run ends by itself once everything is cancelled or done.
        #expect(await Fixtures.eventually(120) { run.exited() != nil })
        let counts = try store.counts(stage: nil)
        #expect(counts[.cancelled, default: 0] > 0)
        #expect(counts[.queued, default: 0] == 0 && counts[.waiting, default: 0] == 0)
        #expect(TaskState.inFlight.allSatisfy { counts[$0, default: 0] == 0 })
        #expect(counts.values.reduce(0, +) == 88)
    }

    @Test("SIGINT stops the run cleanly with exit code 130; the next run finishes the work, nothing twice")
    func interruptAndContinue() async throws {
        let dir = Fixtures.temporaryDirectory("sigint")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try slowRun(dir)
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        let run = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
        #expect(await Fixtures.eventually(120) { self.storeCounts(storePath)[.completed, default: 0] >= 2 })
        kill(run.pid, SIGINT)
        // Interrupted with work left: not 0, so `verdant run && next` does not go on.
        #expect(await VerdantProcess.wait(run) == .exited(130))
        let store = try SQLiteStatusStore(path: storePath, readOnly: true)
        let midway = try store.counts(stage: nil)
        #expect(midway[.queued, default: 0] + midway[.waiting, default: 0] > 0, "the run finished before the signal: \(midway)")
        #expect(try store.runState()?.active == false)

        let again = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        for stage in [Stage.cloudMask, .ndvi] {
            let records = try store.records(in: Set(TaskState.allCases), stage: stage, limit: nil)
            #expect(records.filter { $0.state == .completed }.count == 40)
            for record in records where record.state == .completed {
                #expect(try store.journal(limit: 1000, imageId: record.id).filter { $0.key == record.key && $0.to == .completed }.count == 1)
            }
        }
    }

    @Test("SIGTERM with work left exits 143")
    func terminateExitCode() async throws {
        let dir = Fixtures.temporaryDirectory("sigterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try slowRun(dir)
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        let run = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
        #expect(await Fixtures.eventually(120) { self.storeCounts(storePath)[.completed, default: 0] >= 1 })
        kill(run.pid, SIGTERM)
        #expect(await VerdantProcess.wait(run) == .exited(143))
    }

    @Test("status --json and check tell the state of a finished run, per stage")
    func statusAndCheck() async throws {
        let dir = Fixtures.temporaryDirectory("status")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        #expect(try await VerdantProcess.run(["run", "-p", parameters.path], in: dir).status == 0)
        let status = try await VerdantProcess.run(["status", "--json", "-p", parameters.path], in: dir)
        #expect(status.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["counts"] as? [String: Int] == ["COMPLETED": 20, "OUT_OF_AREA": 2])
        let stages = try #require(json["stages"] as? [String: [String: Int]])
        #expect(stages["cloudmask"] == ["COMPLETED": 10, "OUT_OF_AREA": 1])
        #expect(stages["ndvi"] == ["COMPLETED": 10, "OUT_OF_AREA": 1])
        #expect(json["run_active"] as? Bool == false)
        #expect((json["run"] as? [String: Any])?["outcome"] as? String == "drained")
        #expect((json["last_transitions"] as? [Any])?.count == 10)
        let text = try await VerdantProcess.run(["status", "-p", parameters.path], in: dir)
        #expect(text.stdout.contains("cloudmask") && text.stdout.contains("ndvi"))
        let check = try await VerdantProcess.run(["check", "-p", parameters.path], in: dir)
        #expect(check.status == 0)
        #expect(check.stdout.contains("2015-06-01 … 2018-01-30"))
        #expect(check.stdout.contains("out of area (land):     1"))
        #expect(check.stdout.contains("then process 0 task(s)"), "\(check.stdout)")
    }

    @Test("narrowed dates: check says what the run will process, and the run processes exactly that")
    func narrowedDatesBetweenRuns() async throws {
        let dir = Fixtures.temporaryDirectory("dates")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A first run interrupted early leaves most images queued.
        let parameters = try slowRun(dir)
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        let run = try VerdantProcess.start(["run", "-p", parameters.path], in: dir)
        #expect(await Fixtures.eventually(120) { self.storeCounts(storePath)[.completed, default: 0] >= 1 })
        kill(run.pid, SIGINT)
        await VerdantProcess.wait(run)
        // Now only the 2015 images (5 dates x 4 copies) are wanted.
        let narrowedDir = dir.appendingPathComponent("narrowed", isDirectory: true)
        try FileManager.default.createDirectory(at: narrowedDir, withIntermediateDirectories: true)
        let narrowed = try VerdantProcess.sampleParameters(in: narrowedDir, edits: [
            "status_store": "\"\(storePath)\"", "output": "\"\(dir.appendingPathComponent("output").path)\"",
            "workers": "2", "nb_task_max": "4", "refresh": "1",
            "catalog": "\"\(dir.appendingPathComponent("catalog/catalog.json").path)\"",
            "date_end": "\"2015-12-31\"", "nb_days_after": "0"])
        let check = try await VerdantProcess.run(["check", "-p", narrowed.path], in: dir)
        #expect(check.status == 0, "\(check.stderr)")
        let store = try SQLiteStatusStore(path: storePath, readOnly: true)
        let done2015 = try store.records(in: [.completed], stage: nil, limit: nil).filter { $0.id.hasPrefix("2015") }.count
        let expected = 2 * 20 - done2015
        #expect(check.stdout.contains("then process \(expected) task(s)"), "\(check.stdout)")
        let submittedBefore = try store.journal(after: 0, limit: 100_000).filter { $0.to == .submitting }.count
        #expect(check.stdout.contains("leaving the queue"))

        let second = try await VerdantProcess.run(["run", "-p", narrowed.path], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        let records = try store.records(in: Set(TaskState.allCases), stage: nil, limit: nil)
        for record in records where !record.id.hasPrefix("2015") && record.state != .outOfArea {
            // Outside the new range: done before, or out of the queue with the reason.
            #expect(record.state == .completed || record.state == .excluded, "\(record.key) \(record.state)")
            if record.state == .excluded { #expect(record.reason?.contains("outside the dates") == true) }
        }
        // The second run submitted exactly what check announced (each once: nothing failed),
        // none of it outside the range.
        let submittedNow = try store.journal(after: 0, limit: 100_000).filter { $0.to == .submitting }.dropFirst(submittedBefore)
        #expect(submittedNow.count == expected)
        #expect(submittedNow.allSatisfy { $0.imageId.hasPrefix("2015") })
        #expect(records.filter { $0.id.hasPrefix("2015") && $0.state == .completed }.count == 40)
        // Widened again: they come back.
        let recheck = try await VerdantProcess.run(["check", "-p", parameters.path], in: dir)
        #expect(recheck.stdout.contains("come back"), "\(recheck.stdout)")
    }

    @Test("a failed image comes back: rerun with attempts left after the input is fixed, or `verdant retry`")
    func retryAfterFixedInput() async throws {
        let dir = Fixtures.temporaryDirectory("retry")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try VerdantProcess.enlargedCatalog(copies: 1, in: dir)
        // Break one image: its B8A band file is missing (a permanent failure, no retries burnt).
        let items = try FileManager.default.contentsOfDirectory(atPath: catalog.deletingLastPathComponent().path)
            .filter { $0.hasPrefix("20150711") }
        let itemURL = catalog.deletingLastPathComponent().appendingPathComponent(items[0])
        var item = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: itemURL)) as? [String: Any])
        var assets = try #require(item["assets"] as? [String: [String: Any]])
        let goodHref = try #require(assets["B8A"]?["href"] as? String)
        assets["B8A"]?["href"] = dir.appendingPathComponent("missing/B8A.tif").path
        item["assets"] = assets
        try JSONSerialization.data(withJSONObject: item).write(to: itemURL)
        let id = try #require(item["id"] as? String)
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(catalog.path)\"", "max_attempts": "2"])

        let first = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(first.status == 1)
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let failed = try #require(try store.record(TaskKey(.cloudMask, id)))
        #expect(failed.state == .failed && failed.attempts == 1, "a permanent failure is not retried")
        #expect(failed.error?.contains("B8A") == true)
        #expect(try store.record(TaskKey(.ndvi, id))?.state == .waiting)
        let status = try await VerdantProcess.run(["status", "-p", parameters.path], in: dir)
        #expect(status.stdout.contains("ndvi/\(id): input cloudmask/\(id) FAILED"), "\(status.stdout)")

        // Fixed; a rerun tries it again (1 attempt of 2 used).
        assets["B8A"]?["href"] = goodHref
        item["assets"] = assets
        try JSONSerialization.data(withJSONObject: item).write(to: itemURL)
        let second = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try store.record(TaskKey(.cloudMask, id))?.state == .completed)
        #expect(try store.record(TaskKey(.ndvi, id))?.state == .completed)

        // Ids from a file: a completed task is not "retried".
        let ids = dir.appendingPathComponent("ids.txt")
        try "# one per line\n\(id)\n".write(to: ids, atomically: true, encoding: .utf8)
        let retry = try await VerdantProcess.run(["retry", "--from", ids.path, "-p", parameters.path], in: dir)
        #expect(retry.status == 0)
        #expect(retry.stdout.contains("started 0 task(s)"), "completed tasks are not retried: \(retry.stdout)")
        let unknown = try await VerdantProcess.run(["retry", "nope", "-p", parameters.path], in: dir)
        #expect(unknown.status == 2 && unknown.stderr.contains("no task nope"))
    }

    @Test("one malformed catalog item fails that image alone, naming the file and field; the rest is processed")
    func malformedItemFailsAlone() async throws {
        let dir = Fixtures.temporaryDirectory("malformed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try VerdantProcess.enlargedCatalog(copies: 1, in: dir)
        let folder = catalog.deletingLastPathComponent()
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasPrefix("20150830") })
        let itemURL = folder.appendingPathComponent(name)
        var item = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: itemURL)) as? [String: Any])
        var properties = try #require(item["properties"] as? [String: Any])
        properties["datetime"] = "the thirtieth of August"
        item["properties"] = properties
        try JSONSerialization.data(withJSONObject: item).write(to: itemURL)
        let id = try #require(item["id"] as? String)
        let parameters = try VerdantProcess.sampleParameters(in: dir, edits: ["catalog": "\"\(catalog.path)\""])

        let check = try await VerdantProcess.run(["check", "-p", parameters.path], in: dir)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("unreadable:               1"), "\(check.stdout)")
        #expect(check.stdout.contains(name) && check.stdout.contains("properties.datetime"), "\(check.stdout)")
        let run = try await VerdantProcess.run(["run", "-p", parameters.path], in: dir)
        #expect(run.status == 1, "\(run.stderr)")
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("output/status.sqlite").path, readOnly: true)
        let bad = try #require(try store.record(TaskKey(.cloudMask, id)))
        #expect(bad.state == .failed && bad.error?.contains("properties.datetime") == true, "\(bad)")
        #expect(try store.counts()[.cloudMask]?[.completed] == 9)
    }

    @Test("after a clean exit the store file alone is the status: copied without its WAL, or on a read-only disk, status and check read it")
    func storeIsSelfContained() async throws {
        let dir = Fixtures.temporaryDirectory("copy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        #expect(try await VerdantProcess.run(["run", "-p", parameters.path], in: dir).status == 0)
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        #expect(!FileManager.default.fileExists(atPath: storePath + "-wal"))
        // The file alone, on a read-only disk: a person who may only read it.
        let mount = try TemporaryMount(size: "4m")
        defer { mount.unmount() }
        try FileManager.default.copyItem(atPath: storePath, toPath: mount.url.appendingPathComponent("status.sqlite").path)
        try TemporaryMount.remountReadOnly(mount.url)
        let paramsDir = dir.appendingPathComponent("ro-params", isDirectory: true)
        try FileManager.default.createDirectory(at: paramsDir, withIntermediateDirectories: true)
        let readOnly = try VerdantProcess.sampleParameters(in: paramsDir, edits: [
            "status_store": "\"\(mount.url.appendingPathComponent("status.sqlite").path)\"", "output": "\"\(dir.appendingPathComponent("output").path)\""])
        let status = try await VerdantProcess.run(["status", "--json", "-p", readOnly.path], in: dir)
        #expect(status.status == 0, "\(status.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["counts"] as? [String: Int] == ["COMPLETED": 20, "OUT_OF_AREA": 2])
        let check = try await VerdantProcess.run(["check", "-p", readOnly.path], in: dir)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("then process 0 task(s)"))
        // A run cannot write there: the machine's problem, exit code 3, and nothing lost.
        let run = try await VerdantProcess.run(["run", "-p", readOnly.path], in: dir)
        #expect(run.status == 3, "\(run.status): \(run.stderr)")
        #expect(run.stderr.contains("status.sqlite"))
    }

    @Test("cancel takes 10,000 ids from stdin (its time is printed; the figure is in the benchmarks)")
    func tenThousandIdsFromStdin() async throws {
        let dir = Fixtures.temporaryDirectory("many")
        defer { try? FileManager.default.removeItem(at: dir) }
        let storePath = dir.appendingPathComponent("output/status.sqlite").path
        do {
            let store = try SQLiteStatusStore(path: storePath)
            try store.register((0..<10_000).flatMap { n in
                [NewTask(record: Fixtures.record(n)), NewTask(record: Fixtures.record(n, stage: .ndvi, state: .waiting),
                                                           inputs: [TaskKey(.cloudMask, Fixtures.imageId(n))])]
            })
            try store.finish()
        }
        let parameters = try VerdantProcess.sampleParameters(in: dir)
        let ids = dir.appendingPathComponent("ids.txt")
        try (0..<10_000).map(Fixtures.imageId).joined(separator: "\n").write(to: ids, atomically: true, encoding: .utf8)
        let clock = Date()
        let result = try await VerdantProcess.run(["cancel", "--from", "-", "-p", parameters.path], in: dir, stdin: ids.path)
        let seconds = Date().timeIntervalSince(clock)
        print("cancel of 10,000 ids (20,000 tasks) from stdin: \(String(format: "%.1f", seconds)) s")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("cancelled 20000 task(s)"), "\(result.stdout)")
        let store = try SQLiteStatusStore(path: storePath, readOnly: true)
        #expect(try store.counts(stage: nil) == [.cancelled: 20_000])
    }
}
