import ArgumentParser
import Foundation
import VerdantCore
import VerdantRepair

struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Find where the status store, the engine's tasks and the outputs disagree, show every change, and apply it after a backup.",
        discussion: """
            Classes: \(RepairClass.inconsistencies.map(\.rawValue).joined(separator: ", ")). A backup \
            (<store>.backup-<UTC time>.sqlite) is written first; the changes land in one transaction, each with a \
            journal entry naming the repair. Refused while a run holds the store, except --dry-run. \
            Exit codes: \(ExitStatus.table).
            """)

    @OptionGroup var parameters: ParametersOption
    @Flag(help: "Show what would change; write nothing (works while a run is going).")
    var dryRun = false
    @Flag(name: .shortAndLong, help: "Apply without asking.")
    var yes = false
    @Flag(help: "Print the findings, the changes and the result as JSON.")
    var json = false
    @Option(help: "One of the original tool's remedies for every task in flight: \(StoreRemedy.allCases.map(\.rawValue).joined(separator: " or ")).")
    var remedy: StoreRemedy?
    @Option(help: "How long the wait-then-complete remedy waits for the engine's tasks, in seconds (default: until they end).")
    var waitTimeout: Double?
    @Option(name: .customLong("choose"), help: "CLASS=N: take option N (1 is the default) for a class, e.g. waiting-on-failed=2 (release). Repeatable.")
    var choices: [String] = []

    func validate() throws {
        _ = try RepairChoices.parse(choices)
    }

    func run() async throws {
        let workspace = try parameters.workspace(checkFiles: false)
        let session = try RepairSession(workspace: workspace, dryRun: dryRun)
        do {
            try await repair(session)
        } catch {
            await session.close()
            throw error
        }
        await session.close()
    }

    func repair(_ session: RepairSession) async throws {
        if remedy == .waitThenComplete, !dryRun, let engine = session.engine {
            let open = Repair.openTasksOfOurs(try await engine.listAll(), graph: session.workspace.graph)
            if !open.isEmpty {
                if !json { print("waiting for \(open.count) engine task(s) to end…") }
                let left = try await Repair.waitForEngineTasks(open.map(\.id), engine: engine,
                                                               interval: session.workspace.parameters.run.refresh,
                                                               timeout: waitTimeout)
                if left > 0 && !json { print("\(left) engine task(s) still running after \(Int(waitTimeout ?? 0)) s") }
            }
        }
        let context = try await session.context(remedy: remedy)
        var plan = try Failure.guarded { try Repair.inspect(store: session.store, context: context) }
        for (kind, n) in try RepairChoices.parse(choices) { try RepairChoices.apply(kind, n, to: &plan) }
        try await session.conclude(plan, yes: yes, json: json, heading: "repair")
    }
}

extension StoreRemedy: ExpressibleByArgument {}

/// `--choose CLASS=N`, shared by repair and import-status.
enum RepairChoices {
    static func parse(_ choices: [String]) throws -> [(RepairClass, Int)] {
        try choices.map { text in
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = RepairClass(rawValue: parts[0]), let n = Int(parts[1]), n >= 1 else {
                throw ValidationError("--choose \(text): expected CLASS=N with CLASS one of \(RepairClass.allCases.map(\.rawValue).joined(separator: ", ")) and N ≥ 1")
            }
            return (kind, n - 1)
        }
    }

    static func apply(_ kind: RepairClass, _ n: Int, to plan: inout RepairPlan) throws {
        guard let finding = plan.finding(kind) else { return }
        guard finding.options.indices.contains(n) else {
            Failure.printError("--choose \(kind.rawValue)=\(n + 1): that class has \(finding.options.count) option(s)")
            throw ExitStatus.badInput.exitCode
        }
        plan.choose(kind, option: n)
    }
}
