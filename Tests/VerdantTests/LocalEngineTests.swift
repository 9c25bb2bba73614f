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

    func job(_ n: Int) -> Job { Job(imageId: Fixtures.imageId(n), stage: .cloudMask, source: "item.json") }

    /// Polls until the task is terminal or `timeout` passes.
    func waitTerminal(_ engine: LocalEngine, _ id: EngineTaskID, timeout: Double = 10) async throws -> EngineTaskStatus {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = try await engine.poll([id]).first, s.state.isTerminal { return s }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        return try #require(try await engine.poll([id]).first)
    }

    @Test("a cancel stops a running job within 2 s, even one that ignores SIGTERM")
    func cancelWithinTwoSeconds() async throws {
        let launcher = SubprocessLauncher(executable: URL(fileURLWithPath: "/bin/sh"),
                                          arguments: ["-c", "trap '' TERM; sleep 30", "job"])
        let (engine, dir) = engine(launcher: launcher)
        defer { engine.shutdown(); try? FileManager.default.removeItem(at: dir) }
        let id = try await engine.submit(job(0), requestId: "r0")
        while try await engine.poll([id]).first?.state != .running { try await Task.sleep(nanoseconds: 10_000_000) }
        try await Task.sleep(nanoseconds: 200_000_000)
        let asked = Date()
        try await engine.cancel([id])
        let status = try await waitTerminal(engine, id, timeout: 5)
        #expect(status.state == .cancelled)
        #expect(Date().timeIntervalSince(asked) < 2)
    }

    @Test("a job inherits no descriptor beyond stdin, stdout and stderr (no run lock, no database)")
    func noInheritedDescriptors() throws {
        let dir = Fixtures.temporaryDirectory("fds")
        defer { try? FileManager.default.removeItem(at: dir) }
        let held = open(dir.appendingPathComponent("held").path, O_RDWR | O_CREAT, 0o644)  // no O_CLOEXEC
        defer { close(held) }
        let listing = dir.appendingPathComponent("fds.txt").path
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "ls /proc/$$/fd > '\(listing)'"], output: nil)
        #expect(child.wait() == .exited(0))
        let fds = try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        // 0-2, plus the one `ls`'s redirection opened in the shell itself.
        #expect(fds.filter { $0 > 2 }.count <= 1, "\(fds)")
        #expect(held > 3 && !fds.contains(Int(held)), "\(held) in \(fds)")
    }

    @Test("a job that crashes or fails marks only its task FAILED, with the error")
    func crashAndFailure() async throws {
        let launcher = SubprocessLauncher(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", """
            case "$4" in
              *00000) kill -SEGV $$ ;;
              *00001) echo "band B10 unreadable" >&2; exit 3 ;;
              *) mkdir -p "${10}" && echo ok > "${10}/result.txt" ;;
            esac
            """, "job"])
        let (engine, dir) = engine(launcher: launcher)
        defer { engine.shutdown(); try? FileManager.default.removeItem(at: dir) }
        var ids: [EngineTaskID] = []
        for n in 0..<3 { ids.append(try await engine.submit(job(n), requestId: "r\(n)")) }
        let crashed = try await waitTerminal(engine, ids[0])
        let failed = try await waitTerminal(engine, ids[1])
        let fine = try await waitTerminal(engine, ids[2])
        #expect(crashed.state == .failed && crashed.error?.contains("signal 11") == true, "\(crashed)")
        #expect(failed.state == .failed && failed.error?.contains("band B10 unreadable") == true, "\(failed)")
        #expect(fine.state == .succeeded)
        #expect(engine.layout.isPublished(imageId: Fixtures.imageId(2), stage: .cloudMask))
        #expect(!engine.layout.isPublished(imageId: Fixtures.imageId(0), stage: .cloudMask))
    }

    @Test("submit is idempotent on the request id, and a published result is adopted, not redone")
    func idempotentSubmit() async throws {
        let runs = Counter()
        let launcher = InProcessLauncher { job, _, dir, _ in
            runs.add(1)
            try "mask".write(to: dir.appendingPathComponent("\(job.imageId).tif"), atomically: true, encoding: .utf8)
        }
        let (engine, dir) = engine(launcher: launcher)
        defer { engine.shutdown(); try? FileManager.default.removeItem(at: dir) }
        let a = try await engine.submit(job(0), requestId: "same")
        let b = try await engine.submit(job(0), requestId: "same")
        #expect(a == b)
        #expect(try await waitTerminal(engine, a).state == .succeeded)
        #expect(runs.value == 1)
        // A new engine (after a crash) asked again for a published image: adopted at once.
        let (second, _) = (LocalEngine(workers: 1, layout: engine.layout, launcher: launcher), ())
        defer { second.shutdown() }
        let c = try await second.submit(job(0), requestId: "same")
        let status = try #require(try await second.poll([c]).first)
        #expect(status.state == .succeeded)
        #expect(status.output == engine.layout.resultFile(imageId: Fixtures.imageId(0), stage: .cloudMask).path)
        #expect(runs.value == 1)
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
        defer { engine.shutdown(); try? FileManager.default.removeItem(at: dir) }
        var ids: [EngineTaskID] = []
        for n in 0..<6 { ids.append(try await engine.submit(job(n), requestId: "w\(n)")) }
        for id in ids { #expect(try await waitTerminal(engine, id).state == .succeeded) }
        #expect(peak.value == 2)
        let all = try await engine.listAll(pageSize: 4)
        #expect(all.map(\.id) == ids)
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
