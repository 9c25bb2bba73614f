import Foundation
import VerdantCore
import VerdantDashboard
import VerdantRepair
import VerdantStore

func makeRepairBackend(workspace: Workspace, readonly: Bool) -> RepairBackend? { DashboardRepair(workspace: workspace, readonly: readonly) }

/// The repair wizard's side of `verdant repair`: the same session (lock, engine list, outputs),
/// its plan shown as pages, applied on y with the same backup and single transaction. The
/// session keeps the store's lock from inspection to answer, so no run starts in between.
final class DashboardRepair: RepairBackend {
    let workspace: Workspace
    private var session: RepairSession?
    private var plan: RepairPlan?

    /// A read-only dashboard only ever looks (a dry run).
    let readonly: Bool

    init(workspace: Workspace, readonly: Bool) { self.workspace = workspace; self.readonly = readonly }

    func inspect() throws -> RepairPreview {
        close()
        guard FileManager.default.fileExists(atPath: workspace.storePath) else {
            throw BadInput("\(workspace.storePath): no status store yet: nothing to repair")
        }
        let running = readonly || RunLock.isHeld(storePath: workspace.storePath)
        nonisolated(unsafe) let workspace = self.workspace
        let (session, plan) = try blockingAwait { () -> Unchecked<(RepairSession, RepairPlan)> in
            let session = try RepairSession(workspace: workspace, dryRun: running)
            let context = try await session.context(remedy: nil)
            return Unchecked((session, try Repair.inspect(store: session.store, context: context)))
        }.value
        self.session = session
        self.plan = plan
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
        guard let plan, let session else { return RepairPreview(pages: [], changeCount: 0) }
        let running = session.dryRun
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
        guard let session, let plan, !session.dryRun else { throw BadInput("nothing inspected to apply") }
        defer { close() }
        let backup = Repair.backupPath(for: workspace.storePath)
        nonisolated(unsafe) let (s, p) = (session, plan)
        let result = try blockingAwait { try await Repair.apply(p, store: s.store, engine: s.engine, backupTo: backup) }
        return "repaired in one transaction: \(result.transitions) journaled change(s), \(result.newTasks) task(s) added, "
            + "\(result.waivers) input(s) let go, \(result.cancelled.count) engine task(s) cancelled. Backup: \(result.backup ?? "none")"
    }

    func close() {
        guard let session else { return }
        nonisolated(unsafe) let s = session
        try? blockingAwait { await s.close() }
        self.session = nil
        plan = nil
    }

}

/// Carries a value that is used by one thread at a time across a hop to the async world.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
