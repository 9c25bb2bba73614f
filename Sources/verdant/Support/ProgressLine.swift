import Foundation
import VerdantCore

/// `verdant run`'s one live line on a terminal: done/total, counts per state, rate, ETA.
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
        let pause = snap.paused ? " [PAUSED]" : ""
        let line = "\(done)/\(total) done\(pause) | \(states) | \(String(format: "%.2f", rate)) img/s | ETA \(eta)"
        return String(line.prefix(width))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\((s % 3600) / 60)m"
    }
}
