import Foundation
import VerdantCore
import VerdantDashboard
import VerdantRepair
import VerdantStore

func makeRepairBackend(workspace: Workspace, readonly: Bool) -> RepairBackend? { DashboardRepair(workspace: workspace, readonly: readonly) }

/// The repair wizard's side of `verdant repair`: the same inspection (engine list, outputs),
/// its plan shown as pages, applied on y with the same backup and single transaction. Looking
/// takes no lock (a run may start meanwhile, and nobody takes the wizard for a run); y takes
/// it, and a task that moved since the inspection makes the whole transaction refuse.
final class DashboardRepair: RepairBackend {
    let workspace: Workspace
    private var plan: RepairPlan?
    /// A run held the store at inspection (or the dashboard is read-only): nothing to apply.
    private var lookOnly = true

    /// A read-only dashboard only ever looks (a dry run).
    let readonly: Bool

    init(workspace: Workspace, readonly: Bool) { self.workspace = workspace; self.readonly = readonly }

    func inspect() throws -> RepairPreview {
        close()
        guard FileManager.default.fileExists(atPath: workspace.storePath) else {
            throw BadInput("\(workspace.storePath): no status store yet: nothing to repair")
        }
        lookOnly = readonly || RunLock.isHeld(storePath: workspace.storePath)
        nonisolated(unsafe) let workspace = self.workspace
        plan = try blockingAwait { () -> Unchecked<RepairPlan> in
            let session = try RepairSession(workspace: workspace, dryRun: true)
            do {
                let plan = try Repair.inspect(store: session.store, context: try await session.context(remedy: nil))
                await session.close()
                return Unchecked(plan)
            } catch {
                await session.close()
                throw error
            }
        }.value
        return preview()
    }

    func choose(finding: Int, option: Int) throws -> RepairPreview {
        guard var plan, plan.findings.indices.contains(finding) else { throw BadInput("nothing inspected to choose from") }
        plan.choose(plan.findings[finding].kind, option: option)
        self.plan = plan
        return preview()
    }

    /// One page per finding (its options, the chosen one marked), then every change.
    private func preview() -> RepairPreview {
        guard let plan else { return RepairPreview(pages: [], changeCount: 0) }
        let running = lookOnly
        var pages = plan.findings.map { finding -> WizardPage in
            var lines = ["\(finding.count) found: \(finding.title)", ""]
            lines += finding.examples.map { "  e.g. \($0)" }
            lines += ["", "Fix (press its number to choose another; the changes page follows the choice):"]
            for (n, option) in finding.options.enumerated() { lines.append("  \(n == finding.chosen ? "*" : " ") \(n + 1). \(option.title)") }
            return WizardPage(title: finding.kind.rawValue, lines: lines)
        }
        let changes = plan.changes()
        var diff = plan.notes.map { "note: \($0)" }
        if readonly { diff.append("read-only dashboard (--readonly): this repair is shown, not applied") }
        else if running { diff.append("a run is active: this is what repair would do; stop the run (it resumes where it was) to apply it") }
        diff.append(changes.isEmpty ? "nothing to change: the store, the engine and the outputs agree" : "\(changes.count) change(s), each journaled; a backup of the store is written first:")
        for change in changes {
            diff.append("- \(change.subject)  \(change.before)")
            diff.append("+ \(change.subject)  \(change.after)\(change.why.isEmpty ? "" : "   [\(change.why)]")")
        }
        pages.append(WizardPage(title: "changes", lines: diff))
        return RepairPreview(pages: pages, changeCount: running ? 0 : changes.count)
    }

    func apply() throws -> String {
        guard let plan, !lookOnly else { throw BadInput("nothing inspected to apply") }
        defer { close() }
        let backup = Repair.backupPath(for: workspace.storePath)
        nonisolated(unsafe) let (workspace, p) = (self.workspace, plan)
        // The lock now: refused (with the reason in the log pane) if a run took the store.
        let result = try blockingAwait { () -> RepairResult in
            let session = try RepairSession(workspace: workspace, dryRun: false)
            do {
                let result = try await Repair.apply(p, store: session.store, engine: session.engine, backupTo: backup)
                await session.close()
                return result
            } catch {
                await session.close()
                throw error
            }
        }
        return "repaired in one transaction: \(result.transitions) journaled change(s), \(result.newTasks) task(s) added, "
            + "\(result.waivers) input(s) let go, \(result.cancelled.count) engine task(s) cancelled. Backup: \(result.backup ?? "none")"
    }

    func close() { plan = nil }

}

/// Carries a value that is used by one thread at a time across a hop to the async world.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
