import Foundation
import VerdantTerminal

/// The screen's loop: a key is handled and drawn at once; the store and the log are read
/// about once a second; a resize is drawn once, after the burst of resize events ends.
/// Only cells that changed are sent, so an idle screen costs a few bytes a second over SSH.
public struct DashboardLoop {
    public enum Exit: Equatable { case quit, signal(Int32) }

    public var refreshInterval: Double = 1
    /// A resize is drawn this long after the last resize event.
    public var resizeSettle: Double = 0.15

    public init() {}

    public func run(_ app: DashboardApp, on screen: Screen) -> Exit {
        TerminalSignals.install()
        _ = app.tick(refresh: true)
        screen.draw(app.render(rows: screen.rows, cols: screen.cols, glyphs: screen.glyphs))
        var lastRefresh = Date()
        var resizeDue: Date?
        while true {
            if let sig = TerminalSignals.pending { return .signal(sig) }
            let event = screen.readEvent(timeoutMs: resizeDue == nil ? 100 : 30)
            let now = Date()
            var dirty = false
            switch event {
            case .key(let key)?:
                if app.handle(key, now: now) == .quit { return .quit }
                dirty = true
            case .resize?:
                resizeDue = now.addingTimeInterval(resizeSettle)
            case .unknown?, nil:
                break
            }
            let refresh = now.timeIntervalSince(lastRefresh) >= refreshInterval
            if refresh { lastRefresh = now }
            if app.tick(now: now, refresh: refresh) { dirty = true }
            if let due = resizeDue {
                guard now >= due else { continue }
                resizeDue = nil
                screen.invalidate()
                dirty = true
            }
            if app.wantsFullRedraw {
                app.wantsFullRedraw = false
                screen.setTheme(app.theme)
                screen.invalidate()
                dirty = true
            }
            if dirty { screen.draw(app.render(rows: screen.rows, cols: screen.cols, glyphs: screen.glyphs, now: now)) }
        }
    }
}
