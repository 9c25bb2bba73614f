import Foundation
import VerdantCore

/// `verdant run`'s one live line on a terminal: tasks done/total (all stages), counts per
/// state, rate, ETA, and a pause or hold when there is one.
struct ProgressLine {
    let started = Date()
    let initiallyFinished: Int

    func render(_ snap: SchedulerSnapshot, width: Int = 120) -> String {
        let done = snap.finished
        let total = snap.total
        let elapsed = max(0.001, snap.at.timeIntervalSince(started))
        let rate = Double(done - initiallyFinished) / elapsed
        let remaining = total - done
        let eta = rate > 0 ? Self.duration(Double(remaining) / rate) : "--"
        let states = snap.stateSummary(separator: " · ")
        var flags = snap.paused ? " [PAUSED]" : ""
        if let hold = snap.hold { flags += " [HELD: \(hold.cause.rawValue)]" }
        let line = "\(done)/\(total) tasks done\(flags) | \(states) | \(String(format: "%.2f", rate)) tasks/s | ETA \(eta)"
        return String(line.prefix(width))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\((s % 3600) / 60)m"
    }
}
