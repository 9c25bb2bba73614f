import Foundation
import VerdantCore
import VerdantLocal
import VerdantRaster
import VerdantRepair
import VerdantStore

/// A store of masks and NDVI tasks, an output folder with real GeoTIFFs, and the context a
/// repair inspects them in.
struct RepairFixture {
    let dir: URL
    let store: SQLiteStatusStore
    let layout: OutputLayout
    let fingerprints: [Stage: String] = [.cloudMask: "fp-mask-current", .ndvi: "fp-ndvi-current"]

    init(count: Int) throws {
        let (store, dir) = try Fixtures.graphStore(count: count)
        self.store = store
        self.dir = dir
        layout = OutputLayout(root: dir.appendingPathComponent("output").path)
    }

    func key(_ n: Int, _ stage: Stage = .cloudMask) -> TaskKey { TaskKey(stage, Fixtures.imageId(n)) }

    /// A published result as the local engine leaves it: a GeoTIFF that opens and the
    /// fingerprint file.
    func publish(_ key: TaskKey, fingerprint: String? = nil) throws {
        let folder = layout.resultDirectory(key)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let grid = RasterGrid(crsWKT: "", geoTransform: [500000, 30, 0, 5000000, 0, -30], width: 2, height: 2)
        try writeCOG(path: layout.resultFile(key).path, grid: grid, values: [0, 1, 0, 1], nodata: 255)
        try Data((fingerprint ?? fingerprints[key.stage]!).utf8).write(to: folder.appendingPathComponent(".verdant-fingerprint"))
    }

    /// Moves a task along legal transitions, as a scheduler would have written them.
    func move(_ key: TaskKey, through states: [TaskState], taskId: String? = nil, requestId: String? = nil) throws {
        var current = try store.record(key)!.state
        for next in states {
            var t = Transition(key: key, from: current, to: next, detail: "test")
            if next == .submitting, let requestId { t.requestId = .set(requestId); t.paramsHash = .set(fingerprints[key.stage]!) }
            if next == .ready || next == .running, let taskId { t.taskId = .set(taskId) }
            if next == .completed { t.output = .set(layout.resultFile(key).path) }
            if next == .failed { t.error = .set("planned failure") }
            try store.apply(t)
            current = next
        }
    }

    func context(_ engineTasks: [EngineTaskStatus]?, remedy: StoreRemedy? = nil) -> RepairContext {
        let outputs = LocalOutputs(layout: layout)
        return RepairContext(graph: .local, fingerprints: fingerprints, engineTasks: engineTasks,
                             outputs: { outputs.check($0, fingerprint: $1) }, remedy: remedy)
    }

    func state(_ key: TaskKey) throws -> TaskState? { try store.record(key)?.state }

    func journal(_ key: TaskKey) throws -> [JournalEntry] {
        try store.journal(limit: 1000, imageId: key.id).filter { $0.key == key }.reversed()
    }

    var backupPath: String { Repair.backupPath(for: store.path) }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}
