import Foundation

/// How the scheduler is configured (from parameters.toml's [run] table).
public struct SchedulerSettings: Sendable, Equatable {
    public var stage: Stage
    /// Tasks in flight at once (SUBMITTING, READY, RUNNING, CANCELLING).
    public var nbTaskMax: Int
    /// Seconds between two polls of the engine when it gives no change hints.
    public var refresh: Double
    /// Submissions per image before a failure is final.
    public var maxAttempts: Int
    /// First retry delay in seconds; doubled at each further attempt, capped at `maxBackoff`.
    public var retryBackoff: Double
    public var maxBackoff: Double
    /// Return when nothing is queued or in flight (`verdant run`); a dashboard keeps going.
    public var untilDrained: Bool

    public init(stage: Stage = .cloudMask, nbTaskMax: Int = 30, refresh: Double = 30, maxAttempts: Int = 3,
                retryBackoff: Double = 60, maxBackoff: Double = 3600, untilDrained: Bool = true) {
        self.stage = stage; self.nbTaskMax = nbTaskMax; self.refresh = refresh
        self.maxAttempts = maxAttempts; self.retryBackoff = retryBackoff
        self.maxBackoff = maxBackoff; self.untilDrained = untilDrained
    }

    /// Delay before the next try of an image that has been tried `attempts` times.
    public func backoff(afterAttempts attempts: Int) -> Double {
        let exponent = Double(max(0, attempts - 1))
        return min(maxBackoff, retryBackoff * pow(2, exponent))
    }
}

/// Counts per state at one moment: what progress lines and panes show.
public struct SchedulerSnapshot: Sendable, Equatable {
    public var counts: [TaskState: Int]
    public var paused: Bool
    public var at: Date

    public init(counts: [TaskState: Int], paused: Bool, at: Date) {
        self.counts = counts; self.paused = paused; self.at = at
    }

    public var total: Int { counts.values.reduce(0, +) }
    public var inFlight: Int { TaskState.inFlight.reduce(0) { $0 + counts[$1, default: 0] } }
    public var queued: Int { counts[.queued, default: 0] }
    /// Images whose work has ended, whatever the outcome.
    public var finished: Int { TaskState.final.reduce(0) { $0 + counts[$1, default: 0] } }
    public var drained: Bool { queued == 0 && inFlight == 0 }

    /// "COMPLETED 10, OUT_OF_AREA 1": the states that have images, in table order.
    public func stateSummary(separator: String = ", ") -> String {
        TaskState.allCases.compactMap { s in
            let n = counts[s, default: 0]
            return n > 0 ? "\(s.rawValue) \(n)" : nil
        }.joined(separator: separator)
    }
}

/// What the scheduler tells its watchers (log, progress line, dashboard).
public enum SchedulerEvent: Sendable, Equatable {
    case transition(imageId: String, from: TaskState, to: TaskState, detail: String?)
    case cycle(SchedulerSnapshot)
    case paused
    case resumed
    case warning(String)
    case finished(SchedulerSnapshot)
}
