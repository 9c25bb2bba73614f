import ArgumentParser
import Foundation
import VerdantCore
import VerdantStore

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the parameters and show what a run would do: images matched, out of area, excluded, and what it would change in the store.",
        discussion: "Reads the store without changing it (it may be read-only). Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption

    func run() async throws {
        let workspace = try parameters.workspace()
        let p = workspace.parameters
        let fingerprints = try Failure.guarded { try workspace.fingerprints() }
        let (discovery, found) = try await Failure.guarded { try await workspace.discover() }
        // Earth Engine: the graphs the run would send are built now (a model they cannot compute
        // is refused here, not at the first export).
        if workspace.usesEarthEngine {
            let engine = try Failure.guarded { try workspace.makeEngine() }
            try Failure.guarded { try workspace.checkExportSize(engine, found: found) }
        }
        let store = FileManager.default.fileExists(atPath: workspace.storePath)
            ? try Failure.guarded { try workspace.openStore(readOnly: true) } : nil
        let plan = try Failure.guarded { try workspace.plan(found, discovery: discovery, store: store, fingerprints: fingerprints) }
        print("parameters: \(workspace.parametersPath) — valid")
        print("dates: \(p.dates.start) … \(p.dates.end); with nb_days_before \(p.dates.nbDaysBefore) and nb_days_after \(p.dates.nbDaysAfter): \(p.dates.extendedStart) … \(p.dates.extendedEnd)")
        print("engine: \(p.run.engine.rawValue); workers \(workspace.workers); nb_task_max \(p.run.nbTaskMax); refresh \(Int(p.run.refresh)) s; scale \(Int(p.area.scale)) m")
        print("stages: \(workspace.graph.stages.map(\.rawValue).joined(separator: " -> "))")
        print("catalog: \(found.source): \(found.images.count + found.failures.count) entr\(found.images.count + found.failures.count == 1 ? "y" : "ies")")
        print("  outside the date range:   \(found.outsideDates)")
        print("  outside area.geometry:    \(found.outsideGeometry)")
        print("  unreadable:               \(found.failures.count)")
        print("  matching:                 \(found.matching)")
        print("    out of area (land):     \(found.outOfArea)")
        print("    excluded:               \(found.excluded)")
        print("    wanted:                 \(found.wanted)")
        for failure in found.failures.prefix(10) { print("  unreadable entry: \(failure)") }
        if let problem = workspace.outputProblem() {
            print("output: \(problem) — a run would stop at once (exit code 3)")
        }
        if let store {
            let counts = try store.counts()
            let done = counts[.cloudMask]?[.completed] ?? 0
            print("store: \(workspace.storePath): \(try store.totalCounts().values.reduce(0, +)) task(s), \(done) mask(s) completed")
        } else {
            print("store: \(workspace.storePath): none yet (a run creates it)")
        }
        print("a run would:")
        for line in PlanReport.lines(plan.summary, graph: workspace.graph) { print(line) }
        // Exactly what the run will process: what the store holds queued or waiting, moved by
        // the plan's transitions, plus the new tasks.
        let stored = try store?.totalCounts() ?? [:]
        var pending = stored[.queued, default: 0] + stored[.waiting, default: 0]
        for t in plan.transitions {
            if TaskState.notStarted.contains(t.from) { pending -= 1 }
            if TaskState.notStarted.contains(t.to) { pending += 1 }
        }
        pending += plan.summary.registered(.queued) + plan.summary.registered(.waiting)
        let blocked = try store.map { try Self.blockedAfter(plan, in: $0) } ?? 0
        pending -= blocked
        // Tasks an earlier run left in flight go back to the engine first; those still wanted
        // are processed (or adopted), the others leave the queue.
        let inFlight = plan.summary.inFlightWanted
        if RunLock.isHeld(storePath: workspace.storePath) {
            print("  (a run is going now: this is what the next run would do once it has ended)")
        }
        if blocked > 0 {
            print("  \(blocked) task(s) stay waiting on failed or cancelled inputs (`verdant status` lists them)")
        }
        print("  then process \(pending + inFlight) task(s)\(inFlight > 0 ? " (\(inFlight) of them left in flight by an earlier run)" : "") — outputs already on disk under the current parameters are adopted, not redone")
    }

    /// Waiting tasks that will still be held by a FAILED or CANCELLED input once the plan is
    /// applied (the plan retries some inputs; the others keep their tasks waiting).
    static func blockedAfter(_ plan: ReconciliationPlan, in store: SQLiteStatusStore) throws -> Int {
        let restarted = Set(plan.transitions.filter { TaskState.notStarted.contains($0.to) }.map(\.key))
        let leaving = Set(plan.transitions.filter { $0.from == .waiting }.map(\.key))
        var blocked = 0
        try store.forEachWaitingChunk { chunk, inputs in
            for key in chunk where !leaving.contains(key) && (inputs[key] ?? []).contains(where: {
                !$0.waived && TaskState.blocking.contains($0.state) && !restarted.contains($0.key)
            }) {
                blocked += 1
            }
        }
        return blocked
    }
}
