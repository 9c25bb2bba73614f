import Foundation

extension Scheduler {
    /// Carries out requests other processes left in the store (`verdant cancel` while a run is
    /// going, dashboard keys). Returns how many were handled.
    @discardableResult
    public func handleControlRequests() async throws -> Int {
        guard let channel = store as? ControlChannel, try channel.hasPendingControlRequests() else { return 0 }
        let requests = try channel.takeControlRequests()
        for request in requests {
            let shown = request.targets.prefix(5).joined(separator: " ") + (request.targets.count > 5 ? " … (\(request.targets.count))" : "")
            logger.info("control request \(request.seq): \(request.command.rawValue) \(shown)")
            do {
                try await carryOut(request)
            } catch {
                // One bad request must not end the run (and with it every job in flight).
                warn("control request \(request.seq) (\(request.command.rawValue)) failed: \(error)")
            }
        }
        return requests.count
    }

    func carryOut(_ request: ControlRequest) async throws {
        switch request.command {
        case .pause: pause()
        case .resume: resume()
        case .cancelAll: try await cancelAll()
        case .cancel: try await cancel(targets: request.targets)
        case .retry: try retry(targets: request.targets)
        case .retryFailed: try retryAll(in: .failed)
        case .requeueCancelled: try retryAll(in: .cancelled)
        case .release: try release(targets: request.targets)
        case .pollNow: wake()
        }
    }

    /// Watches the store for control requests between cycles (a cheap read twice a second),
    /// so a cancel does not wait for the next refresh; writes the run's heartbeat meanwhile.
    func watchControlRequests(heartbeat: Bool) -> Task<Void, Never>? {
        let channel = store as? ControlChannel
        guard channel != nil || heartbeat else { return nil }
        let clock = now
        return Task { [weak self] in
            var lastBeat = Date.distantPast
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 500_000_000)
                guard let self else { return }
                if let channel, (try? channel.hasPendingControlRequests()) == true {
                    do { try await self.handleControlRequests() } catch {
                        await self.warn("control request failed: \(error)")
                    }
                }
                if heartbeat && clock().timeIntervalSince(lastBeat) >= RunState.heartbeatInterval {
                    lastBeat = clock()
                    try? await self.persistRunState()
                }
            }
        }
    }
}
