import ArgumentParser
import Foundation
import Logging
import VerdantCore
import VerdantStore

/// What `cancel`, `retry`, `release`, `pause` and `resume` share: while a run is going the
/// request goes to it through the store (it acts within a second); otherwise the command takes
/// the store's lock and acts itself, through a scheduler of its own.
struct TaskControl {
    let workspace: Workspace

    func existingStore() throws -> SQLiteStatusStore {
        guard FileManager.default.fileExists(atPath: workspace.storePath) else {
            Failure.printError("\(workspace.storePath): no status store yet (`verdant run` creates it)")
            throw ExitStatus.badInput.exitCode
        }
        return try Failure.guarded { try workspace.openStore() }
    }

    /// Refuses targets the store does not know, naming them (exit 2).
    func checkKnown(_ targets: [String], in store: SQLiteStatusStore) throws {
        var unknown: [String] = []
        for target in targets {
            let known = try TaskKey(text: target).map { try store.record($0) != nil } ?? !store.records(id: target).isEmpty
            if !known { unknown.append(target) }
        }
        guard unknown.isEmpty else {
            let shown = unknown.prefix(10).joined(separator: ", ") + (unknown.count > 10 ? " … (\(unknown.count) in all)" : "")
            Failure.printError("no task \(shown) in \(workspace.storePath); ids are image ids or stage/id (see `verdant status`)")
            throw ExitStatus.badInput.exitCode
        }
    }

    /// Sends the request to the active run, or carries it out here when none is active.
    /// `act` returns a sentence saying what was done.
    func perform(_ command: ControlRequest.Command, targets: [String],
                 act: @escaping (Scheduler) async throws -> String) async throws {
        let store = try existingStore()
        try Failure.guarded { try checkKnown(targets, in: store) }
        guard let lock = try Failure.guarded({ try RunLock(storePath: workspace.storePath) }) else {
            try Failure.guarded { try store.send(ControlRequest(command: command, targets: targets)) }
            let what = targets.isEmpty ? "" : " (\(targets.count) id\(targets.count == 1 ? "" : "s"))"
            print("asked the running verdant (pid \(RunLock.holder(storePath: workspace.storePath))) to \(command.rawValue)\(what); it acts within a second — `verdant status` shows the result")
            return
        }
        defer { withExtendedLifetime(lock) {} }
        let fingerprints = try Failure.guarded { try workspace.fingerprints() }
        let engine = try Failure.guarded { try workspace.makeEngine() }
        var logger = Logger(label: "verdant.\(command.rawValue)")
        logger.logLevel = .warning
        let scheduler = Scheduler(store: store, engine: engine, settings: workspace.schedulerSettings(fingerprints: fingerprints),
                                  logger: logger)
        let said: String
        do {
            said = try await Failure.guarded { try await act(scheduler) }
        } catch {
            await engine.shutdown()
            throw error
        }
        await engine.shutdown()
        try Failure.guarded { try store.finish() }
        print(said)
    }
}
