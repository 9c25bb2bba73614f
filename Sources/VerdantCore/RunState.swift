import Foundation

/// The state of the run that owns a store, kept current in the store so that other processes
/// (`verdant status`, dashboards over SSH) can watch it without asking it anything.
public struct RunState: Codable, Sendable, Equatable {
    public var active: Bool
    public var pid: Int32
    public var host: String
    public var startedAt: Date
    /// Written every few seconds while the run lives: a stale heartbeat means it died.
    public var heartbeat: Date
    public var engine: String
    public var parametersPath: String?
    public var nbTaskMax: Int
    public var refresh: Double
    /// Paused by a person (`verdant pause`, a dashboard key).
    public var paused: Bool
    /// Submission held back by the engine or the machine, with the reason; lifted by itself.
    public var hold: SubmissionHold?
    public var lastPoll: Date?
    public var nextPoll: Date?
    public var quota: EngineQuota?
    public var inFlight: Int
    public var endedAt: Date?
    /// How the run ended ("drained", "interrupted", the error).
    public var outcome: String?

    public init(active: Bool, pid: Int32, host: String, startedAt: Date, heartbeat: Date, engine: String,
                parametersPath: String?, nbTaskMax: Int, refresh: Double, paused: Bool = false,
                hold: SubmissionHold? = nil, lastPoll: Date? = nil, nextPoll: Date? = nil,
                quota: EngineQuota? = nil, inFlight: Int = 0, endedAt: Date? = nil, outcome: String? = nil) {
        self.active = active; self.pid = pid; self.host = host; self.startedAt = startedAt
        self.heartbeat = heartbeat; self.engine = engine; self.parametersPath = parametersPath
        self.nbTaskMax = nbTaskMax; self.refresh = refresh; self.paused = paused; self.hold = hold
        self.lastPoll = lastPoll; self.nextPoll = nextPoll; self.quota = quota; self.inFlight = inFlight
        self.endedAt = endedAt; self.outcome = outcome
    }

    /// How often a live run writes its heartbeat, and how old one may get before the run is
    /// taken for dead (a busy machine may delay a beat, never by this much).
    public static let heartbeatInterval: Double = 2
    public static let deadAfter: Double = 30

    public enum Liveness: Equatable, Sendable {
        case running
        /// It ended by itself (drained, stopped, failed) at this time.
        case ended(Date?)
        /// It claims to be active but its heartbeat stopped (killed, machine rebooted).
        case dead(lastHeartbeat: Date)
    }

    /// `lockHeld` is the run lock's answer when the caller can ask it (same machine): it
    /// settles the question at once; otherwise the heartbeat's age does.
    public func liveness(now: Date, lockHeld: Bool?) -> Liveness {
        guard active else { return .ended(endedAt) }
        if let lockHeld { return lockHeld ? .running : .dead(lastHeartbeat: heartbeat) }
        return now.timeIntervalSince(heartbeat) > Self.deadAfter ? .dead(lastHeartbeat: heartbeat) : .running
    }
}

/// Submission stopped for every task because of the engine or the machine, not of one image.
public struct SubmissionHold: Codable, Sendable, Equatable {
    public enum Cause: String, Codable, Sendable {
        case authentication, quota, unreachable
        case queueFull = "queue-full"
        /// The destination's storage quota is used up (read from the engine's quotas): lifted
        /// by the quotas, not by a probe, as an accepted export would only fail later.
        case storage
        /// Disk full, output folder not writable, status store not writable.
        case machine
    }
    public var cause: Cause
    public var reason: String
    public var since: Date
    /// When one task is submitted again to see whether the cause is gone.
    public var nextProbe: Date

    public init(cause: Cause, reason: String, since: Date, nextProbe: Date) {
        self.cause = cause; self.reason = reason; self.since = since; self.nextProbe = nextProbe
    }

    public init(_ outage: EngineOutage, reason: String, since: Date, nextProbe: Date) {
        let cause: Cause
        switch outage {
        case .authentication: cause = .authentication
        case .quota: cause = .quota
        case .unreachable: cause = .unreachable
        case .queueFull: cause = .queueFull
        }
        self.init(cause: cause, reason: reason, since: since, nextProbe: nextProbe)
    }
}
