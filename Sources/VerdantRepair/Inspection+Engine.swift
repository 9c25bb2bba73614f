import Foundation
import VerdantCore

extension Inspection {
    /// Two engine tasks of ours for one task still open: keep the one that succeeded, else
    /// the one the row follows, else the newest; cancel the others.
    mutating func duplicates(_ engine: EngineView) {
        var fixes: [Transition] = [], cancels: [EngineTaskStatus] = [], examples: [String] = []
        var count = 0
        for key in engine.groups.keys.sorted() {
            guard let group = engine.groups[key], group.count > 1, let row = view[key] else { continue }
            let open = group.filter { !$0.state.isTerminal }
            let keep: EngineTaskStatus?
            if TaskState.delivered.contains(row.state) {
                keep = nil  // the work is done: every open one is extra
            } else {
                keep = group.last { $0.state == .succeeded }
                    ?? open.last { EngineView.names(row, $0) } ?? open.last
            }
            let extra = open.filter { $0.id != keep?.id }
            guard !extra.isEmpty else { continue }
            count += 1
            cancels += extra
            handled.formUnion(group.map(\.id))
            claimed.insert(key)
            examples.append("\(key): \(group.count) engine tasks (\(group.map { "\($0.id) \($0.state.rawValue)" }.joined(separator: ", ")))")
            if let keep, !(EngineView.names(row, keep) && row.state == keep.state.taskState),
               let fix = try? follow(row, keep, .duplicate, why: "follows engine task \(keep.id); \(extra.map(\.id).joined(separator: ", ")) cancelled") {
                fixes.append(fix)
            }
        }
        add(.duplicate, count: count, examples: examples,
            options: [RepairOption(title: "keep one task (the succeeded, else the followed, else the newest), cancel the others",
                                   fixes: fixes, cancels: cancels)])
    }

    /// Open engine tasks of ours that no row follows: cancelled (the row, if any, is settled
    /// by the other classes and submitted again by the next run).
    mutating func orphans(_ engine: EngineView) {
        var cancels: [EngineTaskStatus] = []
        for task in engine.unplaced where !task.state.isTerminal { cancels.append(task) }
        for key in engine.groups.keys.sorted() {
            for task in engine.groups[key]! where !task.state.isTerminal && !handled.contains(task.id) {
                if let row = view[key], EngineView.names(row, task) { continue }
                cancels.append(task)
            }
        }
        handled.formUnion(cancels.map(\.id))
        add(.orphan, count: cancels.count, examples: cancels.map { "\($0.id) \($0.description) \($0.state.rawValue)" },
            options: [RepairOption(title: "cancel them on the engine", cancels: cancels)])
    }

    /// Rows in flight the engine does not know (after a crash of a local run: all of them).
    mutating func unknownInFlight(_ engine: EngineView) throws {
        var stuck: [Transition] = [], unknown: [Transition] = []
        for row in rows where row.state.isInFlight && !claimed.contains(row.key) && engine.task(for: row) == nil {
            claimed.insert(row.key)
            if row.state == .submitting {
                stuck.append(try settle(row, .stuckSubmitting, why: "the engine has no task for this submission"))
            } else {
                unknown.append(try settle(row, .inFlightUnknown, why: "the engine does not know this task"))
            }
        }
        add(.stuckSubmitting, count: stuck.count, examples: stuck.map(Self.example),
            options: [RepairOption(title: "back to QUEUED keeping the request id (COMPLETED where a valid output is there)", fixes: stuck)])
        add(.inFlightUnknown, count: unknown.count, examples: unknown.map(Self.example),
            options: [RepairOption(title: "requeue (COMPLETED where a valid output is there; CANCELLED where a cancel was asked)", fixes: unknown)])
    }

    static func example(_ t: Transition) -> String { "\(t.key) \(t.from.rawValue) -> \(t.to.rawValue)" }

    /// The original's manual remedies over every task in flight and every engine task of ours.
    mutating func remedyFinding(_ remedy: StoreRemedy, engine: EngineView) throws {
        let inFlight = rows.filter { $0.state.isInFlight }
        claimed.formUnion(inFlight.map(\.key))
        var fixes: [Transition] = [], cancels: [EngineTaskStatus] = []
        switch remedy {
        case .cancelAllThenRequeue:
            let context = self.context
            cancels = engine.tasks.filter { context.isOurs($0) && !$0.state.isTerminal }
            for row in inFlight {
                var t = Transition(key: row.key, from: row.state, to: .queued,
                                   detail: detail(.remedy, "\(remedy.rawValue): its engine task cancelled; requeued as new work"))
                t.taskId = .clear
                t.requestId = .clear
                t.notBefore = .clear
                fixes.append(t)
            }
        case .waitThenComplete:
            var running = 0
            for row in inFlight {
                if let task = engine.task(for: row) {
                    guard task.state.isTerminal else { running += 1; continue }
                    if let fix = try? follow(row, task, .remedy, why: "\(remedy.rawValue): engine task \(task.id) ended \(task.state.rawValue)"),
                       fix.to != row.state {
                        fixes.append(fix)
                    }
                } else {
                    fixes.append(try settle(row, .remedy, why: "\(remedy.rawValue): the engine does not know this task"))
                }
            }
            if running > 0 { notes.append("\(running) task(s) still running on the engine were left as they are; repair again once they end") }
        }
        let count = fixes.count + cancels.count
        guard count > 0 else { return }
        findings.append(RepairFinding(kind: .remedy, title: "\(remedy.title): \(fixes.count) task(s), \(cancels.count) engine task(s) to cancel",
                                      count: count, examples: Array(fixes.prefix(5).map(Self.example)),
                                      options: [RepairOption(title: remedy.title, fixes: fixes, cancels: cancels), .leave]))
    }

}
