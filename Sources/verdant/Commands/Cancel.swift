import ArgumentParser
import Foundation
import Logging
import VerdantCore

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel images by id, or all queued and running ones.")

    @OptionGroup var parameters: ParametersOption
    @Flag(help: "Cancel every queued and in-flight image.")
    var all = false
    @Argument(help: "Image ids to cancel.")
    var ids: [String] = []

    func validate() throws {
        if all == !ids.isEmpty { throw ValidationError("give image ids or --all (not both)") }
    }

    func run() async throws {
        let workspace = try parameters.workspace(checkFiles: false)
        if !FileManager.default.fileExists(atPath: workspace.storePath) {
            Failure.printError("\(workspace.storePath): no status store yet, nothing to cancel")
            throw ExitCode(2)
        }
        guard let lock = try RunLock(storePath: workspace.storePath) else {
            // A run is going: ask it through the store; it acts within a second.
            let store = try workspace.openStore()
            for id in ids where try store.record(id: id, stage: .cloudMask) == nil {
                Failure.printError("no image \(id) in \(workspace.storePath)")
                throw ExitCode(2)
            }
            try store.send(ControlRequest(command: all ? .cancelAll : .cancel, imageIds: ids))
            print("asked the running verdant (pid \(RunLock.holder(storePath: workspace.storePath))) to cancel \(all ? "everything queued or running" : ids.joined(separator: " "))")
            return
        }
        defer { withExtendedLifetime(lock) {} }
        let store = try workspace.openStore()
        let engine = try Failure.exitOnBadInput { try workspace.makeEngine() }
        defer { engine.shutdown() }
        let scheduler = Scheduler(store: store, engine: engine, settings: workspace.schedulerSettings,
                                  logger: Logger(label: "verdant.cancel"))
        // Agree with the engine first, so tasks a crash left behind are cancelled for real.
        try await scheduler.reconcile()
        let count: Int
        if all {
            count = try await scheduler.cancelAll()
        } else {
            for id in ids where try store.record(id: id, stage: .cloudMask) == nil {
                Failure.printError("no image \(id) in \(workspace.storePath)")
                throw ExitCode(2)
            }
            count = try await scheduler.cancel(imageIds: ids)
        }
        // Let the engine confirm what it stopped.
        try await scheduler.pollOnce()
        print("cancelled \(count) image(s)")
    }
}
