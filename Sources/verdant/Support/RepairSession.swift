import Foundation
import VerdantCore
import VerdantRepair
import VerdantStore

/// What `repair` and `import-status` share: the run lock, the store, the engine's task list,
/// then the diff, the question, the backup and the one transaction.
final class RepairSession {
    let workspace: Workspace
    let dryRun: Bool
    let store: SQLiteStatusStore
    /// Held while repair reads and writes: no run may start meanwhile. nil on a dry run.
    private let lock: RunLock?
    /// The empty store a dry import inspects against when there is none yet; removed at close.
    private var scratch: URL?
    let engine: (any Engine)?

    /// - Parameter creating: a missing store is created (an import into a new folder);
    ///   otherwise its absence is bad input.
    init(workspace: Workspace, dryRun: Bool, creating: Bool = false) throws {
        self.workspace = workspace
        self.dryRun = dryRun
        let path = workspace.storePath
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !creating {
            Failure.printError("\(path): no status store yet (`verdant run` creates it)")
            throw ExitStatus.badInput.exitCode
        }
        // A dry run only reads: it takes no lock, so a run may start while it looks (and
        // nobody takes the looker for a run).
        let lock = dryRun ? nil : try Failure.guarded { try RunLock(storePath: path) }
        if lock == nil && !dryRun {
            Failure.printError("a verdant run (pid \(RunLock.holder(storePath: path))) holds \(path): nothing can be "
                + "repaired or imported while it runs. Stop it first (it resumes where it was), or look with --dry-run.")
            throw ExitStatus.tasksFailedOrBusy.exitCode
        }
        self.lock = lock
        if !exists {
            // A dry import into a folder with no store yet: against an empty store of its own.
            if dryRun { scratch = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-dry-\(UUID().uuidString)") }
            let target = scratch?.appendingPathComponent("status.sqlite").path ?? path
            store = try Failure.guarded { try SQLiteStatusStore(path: target) }
        } else {
            store = try Failure.guarded { try workspace.openStore(readOnly: dryRun) }
        }
        // While a run holds the store, the engine's tasks are that run's to follow: none asked.
        let running = dryRun ? RunLock.isHeld(storePath: path) : lock == nil
        engine = running ? nil : try Failure.guarded { try workspace.makeEngine() }
    }

    /// The engine's task list (nil without an engine), the fingerprints, the outputs.
    func context(remedy: StoreRemedy?) async throws -> RepairContext {
        var tasks: [EngineTaskStatus]? = nil
        if let engine { tasks = try await engine.listAll() }
        let fingerprints = try Failure.guarded { try workspace.fingerprints() }.mapValues(\.digest)
        let outputs = LocalOutputs(layout: workspace.layout)
        return RepairContext(graph: workspace.graph, fingerprints: fingerprints, engineTasks: tasks,
                             outputs: { outputs.check($0, fingerprint: $1) }, remedy: remedy)
    }

    /// Prints the plan; unless a dry run, asks (or takes `yes`), then writes a backup and
    /// applies it. Returns whether it was applied.
    @discardableResult
    func conclude(_ plan: RepairPlan, yes: Bool, json: Bool, heading: String) async throws -> Bool {
        let report = RepairReport(plan: plan, heading: heading, storePath: workspace.storePath)
        if !json { report.printText() }
        guard !plan.isEmpty else {
            if json { report.printJSON(applied: false, result: nil, dryRun: dryRun) } else { print("nothing to change") }
            return false
        }
        if dryRun {
            if json { report.printJSON(applied: false, result: nil, dryRun: true) } else { print("dry run: nothing written") }
            return false
        }
        if !yes {
            // The question goes to stderr so that --json output stays one document; what it
            // asks about is on stdout before it.
            fflush(nil)
            FileHandle.standardError.write(Data("Apply? y/N ".utf8))
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard answer == "y" || answer == "yes" else {
                if json { report.printJSON(applied: false, result: nil, dryRun: false) } else { print("nothing written") }
                return false
            }
        }
        let backup = Repair.backupPath(for: workspace.storePath)
        let result = try await Failure.guarded {
            try await Repair.apply(plan, store: store, engine: engine, backupTo: backup)
        }
        if json {
            report.printJSON(applied: true, result: result, dryRun: false)
        } else {
            print("backup of the store: \(result.backup ?? "none")")
            print("applied in one transaction: \(result.newTasks) task(s) added, \(result.transitions) journaled change(s), "
                + "\(result.waivers) input(s) let go, \(result.cancelled.count) engine task(s) asked to cancel")
        }
        return true
    }

    func close() async {
        await engine?.shutdown()
        if !dryRun { try? store.finish() }
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
        withExtendedLifetime(lock) {}
    }
}
