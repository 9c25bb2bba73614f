import Foundation

extension Scheduler {
    /// Carries out requests other processes left in the store (`verdant cancel` while a run is
    /// going). Returns how many were handled.
    @discardableResult
    public func handleControlRequests() async throws -> Int {
        guard let channel = store as? ControlChannel, try channel.hasPendingControlRequests() else { return 0 }
        let requests = try channel.takeControlRequests()
        for request in requests {
            logger.info("control request \(request.seq): \(request.command.rawValue) \(request.imageIds.joined(separator: " "))")
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
        case .cancel:
            // Unknown ids were refused by the sender; ids gone since are skipped here.
            let known = try request.imageIds.filter { try store.record(id: $0, stage: settings.stage) != nil }
            try await cancel(imageIds: known)
        }
    }

    /// Watches the store for control requests between cycles (a cheap read twice a second),
    /// so a cancel does not wait for the next refresh.
    func watchControlRequests() -> Task<Void, Never>? {
        guard let channel = store as? ControlChannel else { return nil }
        return Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 500_000_000)
                if (try? channel.hasPendingControlRequests()) == true {
                    do { try await self?.handleControlRequests() } catch {
                        await self?.warn("control request failed: \(error)")
                    }
                }
            }
        }
    }
}
