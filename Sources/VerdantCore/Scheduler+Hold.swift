import Foundation

extension Scheduler {
    /// Holds submission for every task: the engine takes no work (refused credentials, quota
    /// used up, unreachable, queue full). Tasks in flight are still polled.
    func holdFor(_ outage: EngineOutage, _ message: String, retryAfter: Double?) {
        let wait = retryAfter ?? probeInterval()
        setHold(SubmissionHold(outage, reason: message, since: hold?.since ?? now(),
                               nextProbe: now().addingTimeInterval(wait)))
    }

    /// Holds submission because a job failed for the machine's sake (disk full, output folder
    /// not writable): failing image after image would only burn their attempts.
    func holdForMachine(_ message: String) {
        setHold(SubmissionHold(cause: .machine, reason: message, since: hold?.since ?? now(),
                               nextProbe: now().addingTimeInterval(probeInterval())))
    }

    func setHold(_ new: SubmissionHold?) {
        let old = hold
        hold = new
        if new == nil { holdProbes = 0 }
        switch (old, new) {
        case (nil, let new?):
            warn("submission held (\(new.cause.rawValue)): \(new.reason); one task will probe again at \(new.nextProbe)")
            hub.publish(.hold(new))
        case (let old?, nil):
            logger.info("submission resumes: \(old.cause.rawValue) hold lifted after \(Int(now().timeIntervalSince(old.since))) s")
            hub.publish(.hold(nil))
        case (let old?, let new?) where old.reason != new.reason || old.cause != new.cause:
            warn("submission still held (\(new.cause.rawValue)): \(new.reason)")
            hub.publish(.hold(new))
        default:
            break
        }
        try? persistRunState()
    }

    /// Reads the engine's quotas: admission control uses them, the run state shows them. A
    /// used-up storage quota holds submission (every export would fail).
    func readQuotas() async {
        do {
            let quota = try await engine.quotas()
            lastQuota = quota
            inFlightAtQuota = try? inFlightCount()
            submittedSinceQuota = 0
            if quota.storageExhausted {
                setHold(SubmissionHold(cause: .storage, reason: "storage quota used up (\(quota.assetsUsed ?? 0) of \(quota.assetsLimit ?? 0) assets, "
                                       + "\(quota.bytesUsed ?? 0) of \(quota.bytesLimit ?? 0) bytes)",
                                       since: hold?.since ?? now(), nextProbe: now().addingTimeInterval(settings.refresh)))
            } else if hold?.cause == .storage {
                setHold(nil)
            }
        } catch EngineError.unavailable(let outage, let message, let after) {
            holdFor(outage, message, retryAfter: after)
        } catch {
            warn("reading the engine's quotas failed (the last ones stay in use): \(error)")
        }
    }
}
