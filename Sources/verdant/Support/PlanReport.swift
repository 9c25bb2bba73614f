import VerdantCore

/// Words for what a reconciliation plan changes (the run's log, `verdant check`).
enum PlanReport {
    static func changeSummary(_ s: ReconciliationPlan.Summary) -> String {
        var parts: [String] = []
        for change in ReconciliationPlan.Change.allCases {
            let n = s.changed(change)
            if n > 0 { parts.append("\(n) \(change.rawValue)") }
        }
        if s.outputsUnderOtherParameters > 0 { parts.append("\(s.outputsUnderOtherParameters) output(s) on disk made under other parameters") }
        if s.catalogFailures > 0 { parts.append("\(s.catalogFailures) unreadable catalog entr\(s.catalogFailures == 1 ? "y" : "ies")") }
        return parts.isEmpty ? "no other change" : parts.joined(separator: ", ")
    }

    /// Lines for `verdant check`: per stage, what a run would register and change.
    static func lines(_ s: ReconciliationPlan.Summary, graph: StageGraph) -> [String] {
        var lines: [String] = []
        for stage in graph.stages {
            var parts: [String] = []
            for (state, n) in (s.registered[stage] ?? [:]).sorted(by: { $0.key < $1.key }) where n > 0 {
                parts.append("register \(n) \(state.rawValue)")
            }
            for change in ReconciliationPlan.Change.allCases {
                if let n = s.changes[stage]?[change], n > 0 { parts.append("\(n) \(change.rawValue)") }
            }
            lines.append("  \(stage.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(parts.isEmpty ? "nothing to change" : parts.joined(separator: ", "))")
        }
        for (reason, n) in s.leaveReasons.sorted(by: { $0.key < $1.key }) {
            lines.append("  leaving the queue: \(n) — \(reason)")
        }
        if s.outputsUnderOtherParameters > 0 {
            lines.append("  outputs on disk made under other parameters (redone): \(s.outputsUnderOtherParameters)")
        }
        return lines
    }
}
