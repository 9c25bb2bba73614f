import Foundation
import Logging
import VerdantCore
import VerdantStore

/// Scheduler bookkeeping with an engine that does no work: how many transitions per second the
/// store persists while the scheduler keeps `nb_task_max` tasks in flight, and the peak RSS.
func runSchedulerBenchmark(images: Int, nbTaskMax: Int) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try SQLiteStatusStore(path: dir.appendingPathComponent("status.sqlite").path)

    let start = Date(timeIntervalSince1970: 1_483_264_800)
    let registerClock = Date()
    var batch: [DiscoveredImage] = []
    batch.reserveCapacity(10_000)
    for n in 0..<images {
        let id = String(format: "20170101T%06d_20170101T%06d_T30VVJ", n % 1_000_000, n % 1_000_000)
        batch.append(DiscoveredImage(record: ImageRecord(
            id: id, acquired: start.addingTimeInterval(Double(n) * 60), tile: "30VVJ",
            footprint: #"{"type":"Polygon","coordinates":[[[-4,56],[-3,56],[-3,57],[-4,57],[-4,56]]]}"#,
            cloudCover: 12.5, source: "bench/\(id).json", state: .queued)))
        if batch.count == 10_000 { try store.register(batch); batch.removeAll(keepingCapacity: true) }
    }
    try store.register(batch)
    let registerSeconds = Date().timeIntervalSince(registerClock)

    let engine = InstantEngine(pollsToFinish: 1, remembersFinished: false)
    let settings = SchedulerSettings(nbTaskMax: nbTaskMax, refresh: 0.001, maxAttempts: 3, retryBackoff: 0)
    // Logging every transition would measure the terminal, not the bookkeeping.
    var logger = Logger(label: "verdant.bench")
    logger.logLevel = .warning
    let scheduler = Scheduler(store: store, engine: engine, settings: settings, logger: logger)
    let drain = Task { for await _ in scheduler.events {} }
    let runClock = Date()
    let last = try await scheduler.run()
    let runSeconds = Date().timeIntervalSince(runClock)
    drain.cancel()

    let journal = try store.journal(limit: 1, imageId: nil).first?.seq ?? 0
    let transitions = Int(journal) - images  // minus the DISCOVERED entries of registration
    print("scheduler  images \(images)  nb_task_max \(nbTaskMax)")
    print(String(format: "scheduler  register        %8.0f images/s  (%.2f s)", Double(images) / registerSeconds, registerSeconds))
    print(String(format: "scheduler  transitions     %8.0f /s  (%d in %.2f s, goal >= 10000)", Double(transitions) / runSeconds, transitions, runSeconds))
    print("scheduler  completed       \(last.counts[.completed, default: 0]) of \(images); engine polls \(engine.currentFigures.pollBatches.count), peak in flight \(engine.currentFigures.peakOpen)")
    print(String(format: "scheduler  peak RSS        %8.1f MB  (goal <= 150)", peakResidentMegabytes()))
}

/// VmHWM from /proc: the process's peak resident set.
func peakResidentMegabytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
    return kb / 1024
}
