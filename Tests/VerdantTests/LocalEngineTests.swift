import Foundation
import Testing
import VerdantCore
import VerdantLocal

@Suite("Local engine")
struct LocalEngineTests {
    func engine(workers: Int = 2, launcher: JobLauncher) -> (LocalEngine, URL) {
        let dir = Fixtures.temporaryDirectory("local")
        return (LocalEngine(workers: workers, layout: OutputLayout(root: dir.path), launcher: launcher), dir)
    }

    /// A job that hangs is cancelled (and the test fails) instead of hanging the suite.
    static func pastDeadline(_ seconds: Double) -> @Sendable () -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        return { Date() > deadline }
    }

    func job(_ n: Int) -> Job { Job(id: Fixtures.imageId(n), stage: .cloudMask, source: "item.json") }

    func waitTerminal(_ engine: LocalEngine, _ id: EngineTaskID, timeout: Double = 10) async throws -> EngineTaskStatus {
        try await engine.waitTerminal(id, timeout: timeout)
    }

    @Test("a cancel of a job that ignores SIGTERM escalates to SIGKILL: the job and its child are gone, the task CANCELLED")
    func cancelEscalatesToKill() async throws {
        let dir = Fixtures.temporaryDirectory("cancel")
        defer { try? FileManager.default.removeItem(at: dir) }
        let jobPidFile = dir.appendingPathComponent("job.pid"), childPidFile = dir.appendingPathComponent("child.pid")
        // Both ignore SIGTERM (the child inherits the ignored disposition): only SIGKILL ends them.
        let script = """
            trap '' TERM
            sleep 300 &
            echo $! > '\(childPidFile.path)'
            echo $$ > '\(jobPidFile.path)'
            while :; do sleep 0.1; done
            """
        let launcher = SubprocessLauncher(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script, "job"])
        let (engine, out) = engine(launcher: launcher)
        defer { engine.shutdown(timeout: 3); try? FileManager.default.removeItem(at: out) }
        let id = try await engine.submit(job(0), requestId: "r0")
        let jobPid = try #require(await ProcessTable.pid(writtenTo: jobPidFile, timeout: 15), "the job did not start")
        let childPid = try #require(await ProcessTable.pid(writtenTo: childPidFile, timeout: 15))
        // Should the launcher fail to end them, the test does, rather than leave them behind.
        defer { ProcessTable.killIfRunning([jobPid, childPid]) }
        #expect(ProcessTable.isRunning(jobPid) && ProcessTable.isRunning(childPid))

        try await engine.cancel([id])
        // The design is SIGTERM, then SIGKILL one second later; the deadline only has to hold on
        // a loaded 2-core machine.
        let status = try await waitTerminal(engine, id, timeout: 15)
        #expect(status.state == .cancelled, "\(status)")
        #expect(status.failureKind == nil)
        #expect(await Fixtures.eventually(5) { !ProcessTable.isRunning(jobPid) && !ProcessTable.isRunning(childPid) },
                "still running after the cancel: job \(jobPid) \(ProcessTable.isRunning(jobPid)), child \(childPid) \(ProcessTable.isRunning(childPid))")
    }

    @Test("what a job leaves running is killed with it, even when the job succeeded")
    func childrenGoWithTheJob() throws {
        let dir = Fixtures.temporaryDirectory("orphans")
        defer { try? FileManager.default.removeItem(at: dir) }
        let childPidFile = dir.appendingPathComponent("child.pid")
        let launcher = SubprocessLauncher(executable: URL(fileURLWithPath: "/bin/sh"),
                                          arguments: ["-c", "sleep 300 & echo $! > '\(childPidFile.path)'; exit 0", "job"])
        let work = dir.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        // The child keeps the job's output pipe open: the launcher must see the exit anyway.
        #expect(launcher.run(job(0), requestId: "r0", into: work, isCancelled: Self.pastDeadline(60)) == .succeeded)
        let childPid = try #require(ProcessTable.pid(writtenTo: childPidFile, timeout: 1))
        defer { ProcessTable.killIfRunning([childPid]) }
        #expect(waitUntil(5) { !ProcessTable.isRunning(childPid) }, "sleep \(childPid) outlived its job")
    }

    @Test("a job's last words reach the outcome through the pipe, however much it wrote before; job.log has it all")
    func outputThroughThePipe() throws {
        let dir = Fixtures.temporaryDirectory("pipe")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 300 kB, several times a pipe's buffer: a launcher that did not read as the job writes
        // would leave the job blocked for ever.
        let launcher = SubprocessLauncher(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", """
            head -c 300000 /dev/zero | tr '\\0' x
            echo
            echo "verdant-job: permanent: $4: band B10 missing" >&2
            exit 2
            """, "job"])
        let outcome = launcher.run(job(0), requestId: "r0", into: dir, isCancelled: Self.pastDeadline(60))
        #expect(outcome == .failed(JobFailure(kind: .permanent, message: "\(Fixtures.imageId(0)): band B10 missing")))
        let log = try Data(contentsOf: dir.appendingPathComponent("job.log"))
        #expect(log.count > 300_000)
        #expect(String(decoding: log.suffix(200), as: UTF8.self).hasSuffix("band B10 missing\n"))
    }

    @Test("a job inherits no descriptor beyond stdin, stdout and stderr (no run lock, no database)")
    func noInheritedDescriptors() throws {
        let dir = Fixtures.temporaryDirectory("fds")
        defer { try? FileManager.default.removeItem(at: dir) }
        let held = open(dir.appendingPathComponent("held").path, O_RDWR | O_CREAT, 0o644)  // no O_CLOEXEC
        defer { close(held) }
        let listing = dir.appendingPathComponent("fds.txt").path
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "ls /proc/$$/fd > '\(listing)'"], output: nil)
        #expect(VerdantProcess.waitBlocking(child, deadline: 60) == .exited(0))
        let fds = try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        // 0-2, plus the one `ls`'s redirection opened in the shell itself.
        #expect(fds.filter { $0 > 2 }.count <= 1, "\(fds)")
        #expect(held > 3 && !fds.contains(Int(held)), "\(held) in \(fds)")
    }

    @Test("a job that crashes or fails marks only its task FAILED, with its kind and its own message")
    func crashAndFailure() async throws {
        let launcher = SubprocessLauncher(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", """
            case "$4" in
              *00000) kill -SEGV $$ ;;
              *00001) echo "reading bands"; echo "verdant-job: permanent: band B10 unreadable" >&2; exit 2 ;;
              *00002) echo "something odd" >&2; exit 1 ;;
              *) mkdir -p "${10}" && echo ok > "${10}/result.txt" ;;
            esac
            """, "job"])
        let (engine, dir) = engine(launcher: launcher)
        defer { engine.shutdown(timeout: 3); try? FileManager.default.removeItem(at: dir) }
        var ids: [EngineTaskID] = []
        for n in 0..<4 { ids.append(try await engine.submit(job(n), requestId: "r\(n)")) }
        let crashed = try await waitTerminal(engine, ids[0])
        let failed = try await waitTerminal(engine, ids[1])
        let odd = try await waitTerminal(engine, ids[2])
        let fine = try await waitTerminal(engine, ids[3])
        #expect(crashed.state == .failed && crashed.error?.contains("signal 11") == true, "\(crashed)")
        #expect(crashed.failureKind == .retryable)
        #expect(failed.state == .failed && failed.error == "band B10 unreadable", "\(failed)")
        #expect(failed.failureKind == .permanent)
        #expect(odd.state == .failed && odd.error == "something odd" && odd.failureKind == .retryable, "\(odd)")
        #expect(fine.state == .succeeded && fine.failureKind == nil)
        #expect(engine.layout.isPublished(TaskKey(.cloudMask, Fixtures.imageId(3))))
        #expect(!engine.layout.isPublished(TaskKey(.cloudMask, Fixtures.imageId(0))))
    }

    @Test("submit is idempotent on the request id, and a published result is adopted, not redone")
    func idempotentSubmit() async throws {
        let runs = Counter()
        let launcher = InProcessLauncher { job, _, dir, _ in
            runs.add(1)
            try "mask".write(to: dir.appendingPathComponent("\(job.id).tif"), atomically: true, encoding: .utf8)
        }
        let (engine, dir) = engine(launcher: launcher)
        defer { engine.shutdown(timeout: 3); try? FileManager.default.removeItem(at: dir) }
        let a = try await engine.submit(job(0), requestId: "same")
        let b = try await engine.submit(job(0), requestId: "same")
        #expect(a == b)
        #expect(try await waitTerminal(engine, a).state == .succeeded)
        #expect(runs.value == 1)
        // A new engine (after a crash) asked again for a published image: adopted at once.
        let (second, _) = (LocalEngine(workers: 1, layout: engine.layout, launcher: launcher), ())
        defer { second.shutdown(timeout: 3) }
        let c = try await second.submit(job(0), requestId: "same")
        let status = try #require(try await second.poll([c]).first)
        #expect(status.state == .succeeded)
        #expect(status.output == engine.layout.resultFile(TaskKey(.cloudMask, Fixtures.imageId(0))).path)
        #expect(runs.value == 1)
    }

    @Test("a published result is adopted only under its own fingerprint; under another it is redone and replaced whole")
    func fingerprintDecidesAdoption() async throws {
        let runs = Counter()
        let launcher = InProcessLauncher { job, _, dir, _ in
            runs.add(1)
            try "made under \(job.paramsHash)".write(to: dir.appendingPathComponent("\(job.id).tif"), atomically: true, encoding: .utf8)
        }
        let (engine, dir) = engine(launcher: launcher)
        defer { engine.shutdown(timeout: 3); try? FileManager.default.removeItem(at: dir) }
        let key = TaskKey(.cloudMask, Fixtures.imageId(0))
        func submit(_ fingerprint: String, _ request: String) async throws -> EngineTaskStatus {
            var job = self.job(0)
            job.paramsHash = fingerprint
            return try await waitTerminal(engine, try await engine.submit(job, requestId: request))
        }
        #expect(try await submit("fp-30m", "r1").state == .succeeded)
        #expect(engine.layout.publishedFingerprint(key) == "fp-30m")
        // The same fingerprint under a new request id (a store rebuilt): adopted, not redone.
        let adopted = try await submit("fp-30m", "r2")
        #expect(adopted.state == .succeeded && runs.value == 1)
        // Another fingerprint: redone, and the old result replaced, marker included.
        let redone = try await submit("fp-20m", "r3")
        #expect(redone.state == .succeeded && runs.value == 2)
        #expect(redone.error?.contains("replaced a result made under other parameters") == true)
        #expect(engine.layout.publishedFingerprint(key) == "fp-20m")
        let file = try String(contentsOf: engine.layout.resultFile(key), encoding: .utf8)
        #expect(file == "made under fp-20m")
        // A result without a marker (an older verdant's) is never taken for any fingerprint.
        try FileManager.default.removeItem(at: engine.layout.resultDirectory(key).appendingPathComponent(".verdant-fingerprint"))
        #expect(engine.layout.publishedFingerprint(key) == "")
        #expect(try await submit("fp-20m", "r4").state == .succeeded && runs.value == 3)
        #expect(engine.layout.publishedFingerprint(key) == "fp-20m")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(".work").path)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("no more than `workers` jobs run at once; list pages through every task")
    func workersLimit() async throws {
        let running = Counter(), peak = Counter()
        let launcher = InProcessLauncher { _, _, _, _ in
            let now = running.add(1)
            peak.max(now)
            usleep(100_000)
            running.add(-1)
        }
        let (engine, dir) = engine(workers: 2, launcher: launcher)
        defer { engine.shutdown(timeout: 3); try? FileManager.default.removeItem(at: dir) }
        var ids: [EngineTaskID] = []
        for n in 0..<6 { ids.append(try await engine.submit(job(n), requestId: "w\(n)")) }
        for id in ids { #expect(try await waitTerminal(engine, id).state == .succeeded) }
        #expect(peak.value == 2)
        let all = try await engine.listAll(pageSize: 4)
        #expect(all.map(\.id) == ids)
    }
}

extension LocalEngine {
    /// Polls until the task is terminal or `timeout` passes (then returns it as it is).
    func waitTerminal(_ id: EngineTaskID, timeout: Double) async throws -> EngineTaskStatus {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = try await poll([id]).first, s.state.isTerminal { return s }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        return try #require(try await poll([id]).first)
    }
}

/// A thread-safe integer for counting what worker threads do.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    @discardableResult func add(_ d: Int) -> Int { lock.lock(); defer { lock.unlock() }; n += d; return n }
    func max(_ v: Int) { lock.lock(); defer { lock.unlock() }; n = Swift.max(n, v) }
}

@Suite("Output layout")
struct OutputLayoutTests {
    @Test("abandoned work of dead processes is removed, a live process's work is kept")
    func abandonedWork() throws {
        let dir = Fixtures.temporaryDirectory("layout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = OutputLayout(root: dir.path)
        let work = dir.appendingPathComponent(".work")
        let dead = work.appendingPathComponent("vd-cloudmask-abc-1-4194305-deadbeef")  // above Linux's pid limit
        let live = work.appendingPathComponent("vd-cloudmask-abc-1-1-cafebabe")       // init is alive
        for d in [dead, live] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        layout.removeAbandonedWork()
        #expect(!FileManager.default.fileExists(atPath: dead.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
    }
}
