import Foundation
import VerdantCore
import VerdantStyle
import VerdantTerminal

/// Counts per stage and state, throughput, ETA, pause and hold, engine polls.
struct StatesPane {
    var data: DashboardData
    var now: Date

    /// Columns: a heading and the states it adds up.
    static let columns: [(String, Set<TaskState>, TaskState)] = [
        ("wait", [.waiting], .waiting), ("queued", [.queued], .queued), ("sent", [.submitting, .ready], .ready),
        ("run", [.running, .cancelling], .running), ("done", [.completed, .skipped], .completed),
        ("fail", [.failed], .failed), ("canc", [.cancelled], .cancelled), ("out", [.outOfArea, .excluded], .outOfArea),
    ]

    /// Six columns where eight do not fit: in flight together, failed with cancelled.
    static let compactColumns: [(String, Set<TaskState>, TaskState)] = [
        ("wait", [.waiting], .waiting), ("que", [.queued], .queued),
        ("run", [.submitting, .ready, .running, .cancelling], .running), ("done", [.completed, .skipped], .completed),
        ("fail", [.failed, .cancelled], .failed), ("out", [.outOfArea, .excluded], .outOfArea),
    ]

    func draw(_ frame: inout Frame, in rect: Rect, focused: Bool) {
        let inner = frame.box(rect, title: UIState.Pane.states.title, focused: focused,
                              info: "\(Format.count(data.total)) tasks")
        guard inner.height > 0 else { return }
        let stageWidth = 10
        let columns = (inner.width - stageWidth - 1) / Self.columns.count >= 7 ? Self.columns : Self.compactColumns
        let columnWidth = max(5, min(9, (inner.width - stageWidth - 1) / columns.count))
        var y = inner.y
        var x = frame.put(y, inner.x + 1, "stage".padding(toLength: stageWidth, withPad: " ", startingAt: 0), .header)
        for (name, _, _) in columns {
            frame.field(y, x, name, width: columnWidth, .header, alignRight: true)
            x += columnWidth
        }
        y += 1
        // Stages first, then throughput and submission; the poll line only where it fits
        // (the header shows the poll too).
        let stageRows = max(0, inner.height - 3)
        for stage in data.stages.prefix(stageRows) {
            x = frame.put(y, inner.x + 1, stage.rawValue.padding(toLength: stageWidth, withPad: " ", startingAt: 0), .text)
            for (_, states, colour) in columns {
                let n = data.count(states, stage: stage)
                let before = states.reduce(0) { $0 + (data.countsBeforePoll[stage]?[$1] ?? 0) }
                let role: Role = n != before ? .changed : n == 0 ? .dim : .state(colour)
                frame.field(y, x, n == 0 ? "–" : Format.count(n), width: columnWidth, role, alignRight: true)
                x += columnWidth
            }
            y += 1
        }
        guard y < inner.y + inner.height else { return }
        // Throughput: a sparkline of the last minutes, the rate, the ETA.
        let rate = data.throughput.rate()
        var tail = String(format: "  %.0f /min", rate)
        if data.remaining == 0 {
            tail += "  all final"
        } else if !data.isRunning {
            // Nothing is working on what is left: no time to promise.
            tail += "  \(Format.count(data.remaining)) left, no run"
        } else if let eta = data.throughput.eta(remaining: data.remaining) {
            tail += "  ETA \(Format.duration(eta))"
        } else {
            tail += "  ETA –"
        }
        let sparkWidth = max(0, min(30, inner.width - tail.count - 2))
        x = frame.put(y, inner.x + 1, data.throughput.sparkline(width: sparkWidth, bars: frame.glyphs.bars), .sparkline)
        frame.put(y, x, tail, .text, width: inner.x + inner.width - x)
        y += 1
        guard y < inner.y + inner.height else { return }
        frame.put(y, inner.x + 1, submissionLine.text, submissionLine.role, width: inner.width - 1)
        y += 1
        guard y < inner.y + inner.height else { return }
        frame.put(y, inner.x + 1, pollLine, .text, width: inner.width - 1)
    }

    var submissionLine: (text: String, role: Role) {
        guard let run = data.runState, data.isRunning else {
            return ("submission: no run active", .dim)
        }
        if run.paused { return ("submission: PAUSED by a person (p resumes)", .warning) }
        if let hold = run.hold { return ("submission held (\(hold.cause.rawValue)): \(hold.reason)", .warning) }
        return ("submission: going, \(Format.count(run.inFlight)) in flight", .ok)
    }

    var pollLine: String {
        guard let run = data.runState else { return "engine poll: none yet" }
        var s = "last poll " + (run.lastPoll.map(Format.clock) ?? "–")
        if data.isRunning, let next = run.nextPoll {
            s += ", next in \(Format.duration(max(0, next.timeIntervalSince(now)))) (r: now)"
        } else if let outcome = run.outcome {
            s += ", run \(outcome)"
        }
        return s
    }
}
