import VerdantCore
import VerdantStyle
import VerdantTerminal

/// The resolved parameters that matter, then gauges of what the run uses against its limits.
struct ParametersPane {
    var lines: [ParameterLine]
    var run: RunState?
    var glyphs: Glyphs

    func draw(_ frame: inout Frame, in rect: Rect, focused: Bool) {
        let inner = frame.box(rect, title: UIState.Pane.parameters.title, focused: focused)
        guard inner.height > 0 else { return }
        let gauges = self.gauges
        let room = max(0, inner.height - gauges.count)
        var y = inner.y
        for line in lines.prefix(room) {
            let col = frame.put(y, inner.x + 1, line.name.padding(toLength: 10, withPad: " ", startingAt: 0), .dim, width: inner.width - 1)
            frame.put(y, col, line.value, .text, width: inner.x + inner.width - col)
            y += 1
        }
        for gauge in gauges.prefix(inner.height) {
            let col = frame.put(y, inner.x + 1, gauge.name.padding(toLength: 10, withPad: " ", startingAt: 0), .dim, width: inner.width - 1)
            let label = " " + gauge.label
            let barWidth = max(4, min(20, inner.x + inner.width - col - label.count - 1))
            let filled = gauge.limit > 0 ? min(barWidth, Int((Double(gauge.used) / Double(gauge.limit) * Double(barWidth)).rounded())) : 0
            var c = frame.put(y, col, String(repeating: glyphs.gaugeFull, count: filled), gauge.used >= gauge.limit && gauge.limit > 0 ? .warning : .gaugeFilled)
            c = frame.put(y, c, String(repeating: glyphs.gaugeEmpty, count: barWidth - filled), .gaugeEmpty)
            frame.put(y, c, label, .text, width: inner.x + inner.width - c)
            y += 1
        }
    }

    struct Gauge { var name: String; var used: Int; var limit: Int; var label: String }

    /// Tasks in flight against nb_task_max; on Earth Engine also its queue (pending and running
    /// apart, against the 3000 limit), assets and bytes against their quotas.
    var gauges: [Gauge] {
        guard let run else { return [] }
        var out = [Gauge(name: "in flight", used: run.inFlight, limit: run.nbTaskMax, label: "\(Format.count(run.inFlight))/\(Format.count(run.nbTaskMax))")]
        guard let quota = run.quota else { return out }
        if let limit = quota.maxQueuedTasks, quota.pending != nil || quota.running != nil {
            let pending = quota.pending ?? 0, running = quota.running ?? 0
            out.append(Gauge(name: "EE queue", used: pending + running, limit: limit,
                             label: "\(Format.count(pending)) pend \(Format.count(running)) run/\(Format.count(limit))"))
        }
        if let used = quota.assetsUsed, let limit = quota.assetsLimit {
            out.append(Gauge(name: "assets", used: used, limit: limit, label: "\(Format.count(used))/\(Format.count(limit))"))
        }
        if let used = quota.bytesUsed, let limit = quota.bytesLimit, limit > 0 {
            let scale = Double(limit) / 1_000_000
            out.append(Gauge(name: "bytes", used: Int(Double(used) / scale), limit: 1_000_000,
                             label: "\(Format.bytes(used))/\(Format.bytes(limit))"))
        }
        return out
    }
}
