import Foundation

/// How the scheduler is configured (from parameters.toml's [run] table and the stage graph).
public struct SchedulerSettings: Sendable, Equatable {
    public var graph: StageGraph
    /// Each stage's parameter fingerprint (`StageFingerprint`): salts request ids, and tells
    /// work done under other parameters from current work.
    public var fingerprints: [Stage: String]
    /// Tasks in flight at once, all stages together (SUBMITTING, READY, RUNNING, CANCELLING).
    public var nbTaskMax: Int
    /// Seconds between two polls of the engine when it gives no change hints.
    public var refresh: Double
    /// Submissions per task before a failure is final.
    public var maxAttempts: Int
    /// First retry delay in seconds after a failed task; doubled at each further attempt,
    /// capped at `maxBackoff`.
    public var retryBackoff: Double
    public var maxBackoff: Double
    /// Delay before a submission whose outcome was unclear is sent again (same request id),
    /// when the engine did not say how long to wait.
    public var unclearRetry: Double
    /// Return when nothing is queued or in flight (`verdant run`); a dashboard keeps going.
    public var untilDrained: Bool
    /// Cloud-mask jobs carry their recorded neighbour images (the multitemporal model).
    public var neighbours = false

    public init(graph: StageGraph = .local, fingerprints: [Stage: String] = [:], nbTaskMax: Int = 30,
                refresh: Double = 30, maxAttempts: Int = 3, retryBackoff: Double = 60,
                maxBackoff: Double = SchedulerSettings.backoffCap, unclearRetry: Double = 5,
                untilDrained: Bool = true) {
        self.graph = graph; self.fingerprints = fingerprints; self.nbTaskMax = nbTaskMax
        self.refresh = refresh; self.maxAttempts = maxAttempts; self.retryBackoff = retryBackoff
        self.maxBackoff = maxBackoff; self.unclearRetry = unclearRetry; self.untilDrained = untilDrained
    }

    /// The longest wait between two attempts of a task, whatever `retry_backoff` and the
    /// attempt number say (documented with `run.retry_backoff`).
    public static let backoffCap: Double = 3600

    /// Delay before the next try of a task that has been tried `attempts` times.
    public func backoff(afterAttempts attempts: Int) -> Double {
        let exponent = Double(max(0, attempts - 1))
        return min(maxBackoff, retryBackoff * pow(2, exponent))
    }

    public func fingerprint(_ stage: Stage) -> String { fingerprints[stage] ?? "" }
}
