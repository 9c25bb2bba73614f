import Foundation

extension Scheduler {
    func startRunState(_ identity: RunIdentity) throws {
        let at = now()
        runState = RunState(active: true, pid: identity.pid, host: identity.host, startedAt: at, heartbeat: at,
                            engine: engine.name, parametersPath: identity.parametersPath,
                            nbTaskMax: settings.nbTaskMax, refresh: settings.refresh)
        try persistRunState()
    }

    /// Writes the run's state (no-op for schedulers without an identity: tests, one-shot commands).
    func persistRunState() throws {
        guard var state = runState else { return }
        state.heartbeat = now()
        state.paused = paused
        state.hold = hold
        state.lastPoll = lastPoll
        state.nextPoll = nextPoll
        state.quota = lastQuota
        state.inFlight = (try? inFlightCount()) ?? state.inFlight
        runState = state
        try store.saveRunState(state)
    }

    func endRunState(outcome: String) throws {
        guard var state = runState else { return }
        state.active = false
        state.endedAt = now()
        state.outcome = outcome
        state.heartbeat = now()
        state.inFlight = (try? inFlightCount()) ?? state.inFlight
        runState = state
        try store.saveRunState(state)
    }
}
