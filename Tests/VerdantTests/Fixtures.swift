import Foundation
import VerdantCore
import VerdantStore

/// Temporary folders and small stores shared by the tests.
enum Fixtures {
    static func temporaryDirectory(_ name: String = "verdant") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The repository root (for samples/ and parameters.toml).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func imageId(_ n: Int) -> String {
        String(format: "20170101T1000%02d_20170101T1000%02d_T33TVL_%05d", n % 60, n % 60, n)
    }

    static let start = Date(timeIntervalSince1970: 1_483_264_800)

    /// The graph of the foundation: masks only.
    static let masksOnly = StageGraph([StageSpec(.cloudMask, unit: .image)])

    static func record(_ n: Int, stage: Stage = .cloudMask, state: TaskState = .queued, tile: String = "33TVL") -> TaskRecord {
        TaskRecord(id: imageId(n), stage: stage, acquired: start.addingTimeInterval(Double(n) * 86400),
                   tile: tile, footprint: "{}", cloudCover: nil, source: "item-\(n).json", state: state)
    }

    /// A store in a fresh folder with `count` images QUEUED (masks only).
    static func queuedStore(count: Int) throws -> (SQLiteStatusStore, URL) {
        let dir = temporaryDirectory("store")
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("status.sqlite").path)
        try store.register((0..<count).map { NewTask(record: record($0), reason: "test") }, at: Date())
        return (store, dir)
    }

    /// A store with `count` images through `graph`: first-stage tasks QUEUED, the others
    /// WAITING on the same image's upstream tasks (block stages: one block per tile).
    static func graphStore(count: Int, graph: StageGraph = .local, tiles: [String] = ["33TVL"]) throws -> (SQLiteStatusStore, URL) {
        let dir = temporaryDirectory("store")
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("status.sqlite").path)
        var tasks: [NewTask] = []
        for n in 0..<count {
            for spec in graph.specs where spec.unit == .image {
                tasks.append(NewTask(record: record(n, stage: spec.stage, state: spec.inputs.isEmpty ? .queued : .waiting,
                                                    tile: tiles[n % tiles.count]),
                                     reason: "test", inputs: spec.inputs.map { TaskKey($0, imageId(n)) }))
            }
        }
        for spec in graph.specs where spec.unit == .block {
            for (t, tile) in tiles.enumerated() {
                let members = (0..<count).filter { $0 % tiles.count == t }
                var block = record(t, stage: spec.stage, state: .waiting, tile: tile)
                block.id = "T\(tile)"
                tasks.append(NewTask(record: block, reason: "test",
                                     inputs: members.flatMap { n in spec.inputs.map { TaskKey($0, imageId(n)) } }))
            }
        }
        try store.register(tasks, at: Date())
        return (store, dir)
    }

    static func settings(graph: StageGraph = .local, max: Int = 5, attempts: Int = 3, backoff: Double = 0.01,
                         refresh: Double = 0.01, unclearRetry: Double = 0.01, untilDrained: Bool = true) -> SchedulerSettings {
        SchedulerSettings(graph: graph, nbTaskMax: max, refresh: refresh, maxAttempts: attempts, retryBackoff: backoff,
                          unclearRetry: unclearRetry, untilDrained: untilDrained)
    }

    /// Polls `condition` until it holds or `timeout` seconds pass (generous: a loaded 2-core
    /// machine); returns whether it held. Never a bare sleep that assumes timing; waits with
    /// Task.sleep, so the test holds no thread meanwhile.
    static func eventually(_ timeout: Double = 20, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return try await condition()
    }
}

/// Runs `body` with a deadline: a hung await fails the test instead of hanging the suite.
func withDeadline<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw DeadlineExceeded(seconds: seconds)
        }
        group.cancelAll()
        return value
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "did not finish within \(seconds) s" }
}
