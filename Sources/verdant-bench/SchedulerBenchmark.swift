import Foundation
import Logging
import VerdantCore
import VerdantStore
import VerdantTesting

/// A store of `images` images in a fresh folder: their masks QUEUED and, with two stages,
/// their NDVI tasks WAITING on them.
func benchmarkStore(images: Int, graph: StageGraph) throws -> (SQLiteStatusStore, URL, Double) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let store = try SQLiteStatusStore(path: dir.appendingPathComponent("status.sqlite").path)
    let start = Date(timeIntervalSince1970: 1_483_264_800)
    let clock = Date()
    var batch: [NewTask] = []
    batch.reserveCapacity(10_000)
    for n in 0..<images {
        let id = String(format: "20170101T%06d_20170101T%06d_T30VVJ", n % 1_000_000, n % 1_000_000)
        for spec in graph.specs {
            batch.append(NewTask(record: TaskRecord(
                id: id, stage: spec.stage, acquired: start.addingTimeInterval(Double(n) * 60), tile: "30VVJ",
                footprint: #"{"type":"Polygon","coordinates":[[[-4,56],[-3,56],[-3,57],[-4,57],[-4,56]]]}"#,
                cloudCover: 12.5, source: "bench/\(id).json", state: spec.inputs.isEmpty ? .queued : .waiting),
                inputs: spec.inputs.map { TaskKey($0, id) }))
        }
        if batch.count >= 10_000 { try store.register(batch, at: Date()); batch.removeAll(keepingCapacity: true) }
    }
    try store.register(batch, at: Date())
    return (store, dir, Date().timeIntervalSince(clock))
}

/// Logging every transition would measure the terminal, not the bookkeeping.
var quietLogger: Logger {
    var logger = Logger(label: "verdant.bench")
    logger.logLevel = .warning
    return logger
}

/// Scheduler bookkeeping with an engine that does no work: how many transitions per second the
/// store persists while the scheduler keeps `nb_task_max` tasks in flight, and the peak RSS.
func runSchedulerBenchmark(images: Int, nbTaskMax: Int, stages: Int) async throws {
    let graph = stages == 1 ? StageGraph([StageSpec(.cloudMask, unit: .image)]) : StageGraph.local
    let (store, dir, registerSeconds) = try benchmarkStore(images: images, graph: graph)
    defer { try? FileManager.default.removeItem(at: dir) }

    let engine = InstantEngine(pollsToFinish: 1, remembersFinished: false)
    let settings = SchedulerSettings(graph: graph, nbTaskMax: nbTaskMax, refresh: 0.001, maxAttempts: 3, retryBackoff: 0)
    let scheduler = Scheduler(store: store, engine: engine, settings: settings, logger: quietLogger)
    let drain = Task { for await _ in scheduler.subscribe() {} }
    let runClock = Date()
    let last = try await scheduler.run()
    let runSeconds = Date().timeIntervalSince(runClock)
    drain.cancel()

    let journal = try store.journal(limit: 1, imageId: nil).first?.seq ?? 0
    let tasks = images * graph.specs.count
    let transitions = Int(journal) - tasks  // minus the DISCOVERED entries of registration
    print("scheduler  images \(images)  stages \(graph.stages.map(\.rawValue).joined(separator: "->"))  nb_task_max \(nbTaskMax)")
    print(String(format: "scheduler  register        %8.0f tasks/s  (%.2f s)", Double(tasks) / registerSeconds, registerSeconds))
    print(String(format: "scheduler  transitions     %8.0f /s  (%d in %.2f s, goal >= 10000)", Double(transitions) / runSeconds, transitions, runSeconds))
    print("scheduler  completed       \(last.count(.completed)) of \(tasks); engine polls \(engine.currentFigures.pollBatches.count), peak in flight \(engine.currentFigures.peakOpen)")
    print(String(format: "scheduler  peak RSS        %8.1f MB  (goal <= 150)", peakResidentMegabytes()))
}

/// VmHWM from /proc: the process's peak resident set.
func peakResidentMegabytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
    return kb / 1024
}
