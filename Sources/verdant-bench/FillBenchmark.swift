import Foundation
import VerdantCore
import VerdantStore
import VerdantTesting

/// How long the scheduler takes to fill `slots` slots of an engine whose every call takes
/// `latency` seconds and answers `unclear` of the submissions with a transient error (half of
/// those after starting the task): the figure a remote engine's first minutes depend on.
func runFillBenchmark(slots: Int, latency: Double, unclear: Double, concurrency: Int) async throws {
    let graph = StageGraph([StageSpec(.cloudMask, unit: .image)])
    let (store, dir, _) = try benchmarkStore(images: slots + 500, graph: graph)
    defer { try? FileManager.default.removeItem(at: dir) }
    let engine = InstantEngine(finishes: false, latency: latency, unclearRate: unclear, submissionConcurrency: concurrency)
    let settings = SchedulerSettings(graph: graph, nbTaskMax: slots, refresh: 30, unclearRetry: 1, untilDrained: false)
    let scheduler = Scheduler(store: store, engine: engine, settings: settings, logger: quietLogger)
    let clock = Date()
    var cycles = 0
    while try store.count(in: [.ready, .running]) < slots {
        try await scheduler.cycle()
        cycles += 1
        if Date().timeIntervalSince(clock) > 900 { break }
        // The scheduler's own wait between cycles: until the earliest retry is due.
        if let retry = try store.nextRetryTime(now: Date()) {
            try await Task.sleep(nanoseconds: UInt64(max(0, retry.timeIntervalSinceNow) * 1e9))
        }
    }
    let seconds = Date().timeIntervalSince(clock)
    let figures = engine.currentFigures
    let filled = try store.count(in: [.ready, .running])
    print("fill  \(slots) slots, \(latency * 1000) ms per call, \(Int(unclear * 100)) % unclear answers, \(concurrency) submissions at once")
    print(String(format: "fill  %d of %d slots filled in %.1f s over %d cycles (serial would take %.0f s)", filled, slots, seconds, cycles,
                 Double(slots) * latency))
    print("fill  submit calls \(figures.submissions), unclear answers \(figures.unclearAnswers), resent request ids answered \"already have it\" \(figures.repeatedRequests)")
    // The engine started a task for each answer lost on its way back: those stay known under
    // their request ids, and the scheduler sends the same id again instead of a new one.
    print("fill  engine tasks \(figures.distinctRequests) (READY \(filled), answers lost before the scheduler heard \(figures.distinctRequests - filled)), jobs started twice \(figures.duplicateJobs), most calls at once \(figures.peakConcurrentSubmits)")
}

/// The scheduler's cost per cycle with `inFlight` tasks in flight in a store of `images`
/// images (two stages): the poll of every task in flight, admission, promotion and the run
/// state, with an engine that answers at once — so what is timed is the scheduler's.
func runCycleBenchmark(images: Int, inFlight: Int, cycles: Int) async throws {
    let (store, dir, _) = try benchmarkStore(images: images, graph: .local)
    defer { try? FileManager.default.removeItem(at: dir) }
    // Tasks run until the end of the benchmark: each cycle polls all of them.
    let engine = InstantEngine(finishes: false, submissionConcurrency: 64)
    let settings = SchedulerSettings(graph: .local, nbTaskMax: inFlight, refresh: 30, untilDrained: false)
    let scheduler = Scheduler(store: store, engine: engine, settings: settings, logger: quietLogger)
    let fillClock = Date()
    try await scheduler.cycle()
    let fillSeconds = Date().timeIntervalSince(fillClock)
    var times: [Double] = []
    for _ in 0..<cycles {
        let clock = DispatchTime.now().uptimeNanoseconds
        try await scheduler.cycle()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e6)
    }
    times.sort()
    print("cycle  store \(images) images x 2 stages, \(try store.count(in: TaskState.inFlight)) in flight (first cycle submitted them in \(String(format: "%.2f", fillSeconds)) s)")
    print(String(format: "cycle  per cycle: median %.1f ms, best %.1f ms, worst %.1f ms over %d cycles", times[times.count / 2], times[0], times.last!, cycles))
    print(String(format: "cycle  peak RSS %.1f MB", peakResidentMegabytes()))
}
