import Foundation
import VerdantRepair

/// A repair plan for a person (findings, their options, every row that would change) or as JSON.
struct RepairReport {
    let plan: RepairPlan
    let heading: String
    let storePath: String

    func printText() {
        print("\(heading): \(storePath)")
        for note in plan.notes { print("note: \(note)") }
        if plan.findings.isEmpty { return }
        for finding in plan.findings {
            print("\(finding.kind.rawValue): \(finding.title)")
            for example in finding.examples { print("    e.g. \(example)") }
            for (n, option) in finding.options.enumerated() {
                let mark = n == finding.chosen ? "*" : " "
                print("  \(mark) \(n + 1). \(option.title)\(n == 0 ? " (default)" : "")")
            }
        }
        let changes = plan.changes()
        print("changes (\(changes.count)):")
        for change in changes {
            print("  \(change.subject): \(change.before) -> \(change.after)\(change.why.isEmpty ? "" : "  [\(change.why)]")")
        }
    }

    func printJSON(applied: Bool, result: RepairResult?, dryRun: Bool) {
        var object: [String: Any] = [
            "store": storePath,
            "dry_run": dryRun,
            "applied": applied,
            "notes": plan.notes,
            "findings": plan.findings.map { finding -> [String: Any] in
                ["class": finding.kind.rawValue, "title": finding.title, "count": finding.count,
                 "examples": finding.examples, "options": finding.options.map(\.title), "chosen": finding.chosen + 1]
            },
            "changes": plan.changes().map { ["subject": $0.subject, "before": $0.before, "after": $0.after, "why": $0.why] },
        ]
        if let result {
            object["backup"] = result.backup ?? NSNull()
            object["result"] = ["new_tasks": result.newTasks, "transitions": result.transitions,
                                "waivers": result.waivers, "cancelled": result.cancelled] as [String: Any]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        print(String(decoding: data, as: UTF8.self))
    }
}
