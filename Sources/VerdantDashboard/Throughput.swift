import Foundation
import VerdantCore

/// Tasks finished per minute over the last hour (from the journal), for the sparkline and ETA.
public struct Throughput: Sendable {
    /// Finishes per minute, oldest first; the last bucket is the current minute.
    public private(set) var buckets: [Int]
    private var newestMinute: Int
    /// The time of the last `advance(to:)`: where the rate's window ends.
    private var now: Date
    /// The earliest finish seen: a window reaching before it is not counted as idle time.
    private var firstFinish: Date?

    public static let minutes = 60

    public init(now: Date) {
        buckets = Array(repeating: 0, count: Self.minutes)
        newestMinute = Self.minute(now)
        self.now = now
    }

    static func minute(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 60).rounded(.down)) }

    /// Counts a journal entry if it finished a task with an output (COMPLETED or SKIPPED).
    public mutating func record(_ entry: JournalEntry) {
        guard TaskState.delivered.contains(entry.to) else { return }
        recordFinish(at: entry.at)
    }

    /// Counts one task finished at `date`.
    public mutating func recordFinish(at date: Date) {
        firstFinish = min(firstFinish ?? date, date)
        let m = Self.minute(date)
        advance(to: max(m, newestMinute))
        let back = newestMinute - m
        guard back >= 0, back < Self.minutes else { return }
        buckets[Self.minutes - 1 - back] += 1
    }

    /// Moves the window to `now`: minutes without finishes count as zero.
    public mutating func advance(to minuteOrDate: Int) {
        let shift = minuteOrDate - newestMinute
        guard shift > 0 else { return }
        if shift >= Self.minutes {
            buckets = Array(repeating: 0, count: Self.minutes)
        } else {
            buckets.removeFirst(shift)
            buckets.append(contentsOf: Array(repeating: 0, count: shift))
        }
        newestMinute = minuteOrDate
    }

    public mutating func advance(to date: Date) {
        advance(to: Self.minute(date))
        now = max(now, date)
    }

    /// Finishes per minute over the last `window` minutes and the current one, divided by the
    /// time they cover: from the window's start, or from the first finish when the work began
    /// later (ten idle minutes before a run started would make it look ten times slower);
    /// 0 when nothing finished.
    public func rate(window: Int = 10) -> Double {
        let total = buckets.suffix(window + 1).reduce(0, +)
        guard total > 0 else { return 0 }
        let windowStart = Double((newestMinute - window) * 60)
        let from = max(windowStart, firstFinish?.timeIntervalSince1970 ?? windowStart)
        // At least ten seconds: the first finishes of a run would otherwise promise wonders.
        let minutes = max(1.0 / 6, (now.timeIntervalSince1970 - from) / 60)
        return Double(total) / minutes
    }

    /// Seconds left for `remaining` tasks at the recent rate; nil when nothing is finishing.
    public func eta(remaining: Int, window: Int = 10) -> Double? {
        let r = rate(window: window)
        guard remaining > 0 else { return 0 }
        return r > 0 ? Double(remaining) / r * 60 : nil
    }

    /// One character per bucket over the last `width` minutes, scaled to the busiest.
    public func sparkline(width: Int, bars: [Character]) -> String {
        let shown = Array(buckets.suffix(max(0, width)))
        let peak = shown.max() ?? 0
        return String(shown.map { n -> Character in
            guard peak > 0, n > 0 else { return bars[0] }
            return bars[min(bars.count - 1, max(1, Int((Double(n) / Double(peak) * Double(bars.count - 1)).rounded(.up))))]
        })
    }
}
