import ArgumentParser
import Foundation
import VerdantCore

/// Sends pause or resume to the run using the store (through the store's control table).
struct ControlSender {
    static func send(_ command: ControlRequest.Command, parameters: ParametersOption) throws {
        let workspace = try parameters.workspace(checkFiles: false)
        guard RunLock.isHeld(storePath: workspace.storePath) else {
            Failure.printError("no verdant run is active on \(workspace.storePath)")
            throw ExitCode(1)
        }
        try workspace.openStore().send(ControlRequest(command: command))
        print("asked the running verdant (pid \(RunLock.holder(storePath: workspace.storePath))) to \(command.rawValue)")
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the active run to stop submitting; tasks in flight go on.")
    @OptionGroup var parameters: ParametersOption
    func run() throws { try ControlSender.send(.pause, parameters: parameters) }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask the active run to submit again after a pause.")
    @OptionGroup var parameters: ParametersOption
    func run() throws { try ControlSender.send(.resume, parameters: parameters) }
}
