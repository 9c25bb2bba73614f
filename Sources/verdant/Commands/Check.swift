import ArgumentParser
import Foundation
import VerdantCore

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the parameters and show what a run would do: date range, images matched, out of area, excluded, done.")

    @OptionGroup var parameters: ParametersOption

    func run() async throws {
        let workspace = try parameters.workspace()
        let p = workspace.parameters
        let items = try Failure.exitOnBadInput { try workspace.catalogItems() }
        let found = try Failure.exitOnBadInput { try workspace.discover() }
        var completed = 0
        if FileManager.default.fileExists(atPath: workspace.storePath) {
            let store = try workspace.openStore(readOnly: true)
            completed = try store.counts(stage: .cloudMask)[.completed, default: 0]
        }
        print("parameters: \(workspace.parametersPath) — valid")
        print("dates: \(p.dates.start) … \(p.dates.end); with nb_days_before \(p.dates.nbDaysBefore) and nb_days_after \(p.dates.nbDaysAfter): \(p.dates.extendedStart) … \(p.dates.extendedEnd)")
        print("engine: \(p.run.engine.rawValue); workers \(workspace.workers); nb_task_max \(p.run.nbTaskMax); refresh \(Int(p.run.refresh)) s; scale \(Int(p.area.scale)) m")
        print("catalog: \(p.resolve(p.run.catalog)): \(items.count) image(s)")
        print("  outside the date range:   \(found.outsideDates)")
        print("  outside area.geometry:    \(found.outsideGeometry)")
        print("  matching:                 \(found.images.count)")
        print("    out of area (land):     \(found.count(.outOfArea))")
        print("    excluded:               \(found.count(.excluded))")
        print("    already done (output):  \(found.count(.skipped))")
        print("    completed in the store: \(completed)")
        print("    to process:             \(found.count(.queued))")
    }
}
