import Foundation
import Testing
import VerdantCore
import VerdantLocal

/// The local engine with real `verdant job` children on disks that are really full or really
/// read-only (tmpfs mounts), and on inputs that cannot heal: each failure must reach the record
/// with the kind the scheduler acts on and words a person can act on.
@Suite("Local engine failures by kind")
struct LocalEngineDiskTests {
    static let imageId = SampleCatalog.clearIDs[0]
    static var itemPath: String {
        SampleCatalog.itemDirectory(imageId).appendingPathComponent("\(imageId).json").path
    }

    /// The built `verdant job`, with the settings `verdant run` passes to its jobs
    /// (JobCommand.settingsArguments for the sample parameters).
    static let jobSettings = ["job", "--scale", "30", "--coef-normalisation", "10000", "--method", "hollstein",
                              "--land", SampleCatalog.landPath]
    static var realJobs: SubprocessLauncher {
        SubprocessLauncher(executable: VerdantProcess.executable, arguments: jobSettings)
    }

    func run(_ source: String, outputRoot: URL, launcher: JobLauncher = Self.realJobs) async throws -> EngineTaskStatus {
        let engine = LocalEngine(workers: 1, layout: OutputLayout(root: outputRoot.path), launcher: launcher)
        defer { engine.shutdown(timeout: 3) }
        let id = try await engine.submit(Job(id: Self.imageId, stage: .cloudMask, source: source), requestId: "disk-test")
        // A real job masks one small sample scene in well under a second when idle.
        let status = try await engine.waitTerminal(id, timeout: 60)
        #expect(!engine.layout.isPublished(TaskKey(.cloudMask, Self.imageId)))
        return status
    }

    @Test("a full output disk fails the task as the machine's fault, with the job's own words")
    func fullDisk() async throws {
        let disk = try TemporaryMount(size: "256k")
        defer { disk.unmount() }
        try disk.fill()
        let status = try await run(Self.itemPath, outputRoot: disk.url)
        #expect(status.state == .failed, "\(status)")
        #expect(status.failureKind == .machine, "\(status)")
        #expect(status.error?.contains("No space left on device") == true, "\(status.error ?? "no error")")
        #expect(status.error?.contains(Self.imageId + ".tif") == true, "the message names the file: \(status.error ?? "")")
    }

    @Test("a read-only output folder fails the task as the machine's fault, naming the folder")
    func readOnlyOutput() async throws {
        let disk = try TemporaryMount(size: "64k", readOnly: true)
        defer { disk.unmount() }
        let started = Counter()
        let status = try await run(Self.itemPath, outputRoot: disk.url, launcher: InProcessLauncher { _, _, _, _ in started.add(1) })
        #expect(status.state == .failed, "\(status)")
        #expect(status.failureKind == .machine, "\(status)")
        #expect(status.error?.contains(disk.url.appendingPathComponent(".work").path) == true, "\(status.error ?? "")")
        #expect(status.error?.contains("Read-only file system") == true, "\(status.error ?? "")")
        #expect(started.value == 0, "no job starts without a work folder")
    }

    @Test("an output disk that turns read-only before publication fails the task as the machine's fault")
    func readOnlyAtPublication() async throws {
        let disk = try TemporaryMount(size: "1m")
        defer { disk.unmount() }
        let mountPoint = disk.url
        let launcher = InProcessLauncher { job, _, work, _ in
            try "mask".write(to: work.appendingPathComponent("\(job.id).tif"), atomically: false, encoding: .utf8)
            try TemporaryMount.remountReadOnly(mountPoint)
        }
        let status = try await run(Self.itemPath, outputRoot: disk.url, launcher: launcher)
        #expect(status.state == .failed && status.failureKind == .machine, "\(status)")
        #expect(status.error?.hasPrefix("cannot publish the result") == true, "\(status.error ?? "")")
        #expect(status.error?.contains("Read-only file system") == true, "\(status.error ?? "")")
    }

    @Test("a missing source file is permanent: verdant job exits 2 and says which file")
    func missingSource() async throws {
        let dir = Fixtures.temporaryDirectory("missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("gone/\(Self.imageId).json").path
        let status = try await run(missing, outputRoot: dir.appendingPathComponent("output"))
        #expect(status.state == .failed && status.failureKind == .permanent, "\(status)")
        #expect(status.error?.contains(missing) == true, "\(status.error ?? "")")

        // The same through the command itself: the documented exit code and last stderr line.
        let direct = try await VerdantProcess.run(Self.jobSettings + [
            "--source", missing, "--image", Self.imageId, "--request-id", "r", "--into", dir.appendingPathComponent("w").path], in: dir)
        #expect(direct.status == 2, "\(direct.stderr)")
        let lastLine = direct.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("verdant-job: permanent: \(missing)"), "\(direct.stderr)")
    }

    @Test("an item whose band file is missing is permanent")
    func missingBand() async throws {
        let dir = Fixtures.temporaryDirectory("band")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The sample item with absolute band paths, B8A's pointing nowhere.
        var item = try SampleCatalog.json(Self.imageId)
        var assets = try #require(item["assets"] as? [String: [String: Any]])
        for (key, var asset) in assets {
            asset["href"] = key == "B8A" ? dir.appendingPathComponent("B8A.tif").path : SampleCatalog.bandPath(Self.imageId, key)
            assets[key] = asset
        }
        item["assets"] = assets
        let itemURL = dir.appendingPathComponent("\(Self.imageId).json")
        try JSONSerialization.data(withJSONObject: item).write(to: itemURL)
        let status = try await run(itemURL.path, outputRoot: dir.appendingPathComponent("output"))
        #expect(status.state == .failed && status.failureKind == .permanent, "\(status)")
        #expect(status.error?.contains("B8A.tif") == true, "\(status.error ?? "")")
    }

    @Test("a job killed by a signal is retryable")
    func crash() async throws {
        let dir = Fixtures.temporaryDirectory("signal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let launcher = SubprocessLauncher(executable: URL(fileURLWithPath: "/bin/sh"),
                                          arguments: ["-c", "echo 'about to fail'; kill -ABRT $$", "job"])
        let status = try await run(Self.itemPath, outputRoot: dir, launcher: launcher)
        #expect(status.state == .failed && status.failureKind == .retryable, "\(status)")
        #expect(status.error == "job crashed (signal \(SIGABRT)): about to fail", "\(status.error ?? "")")
    }
}
