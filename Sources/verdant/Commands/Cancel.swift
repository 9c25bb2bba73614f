import ArgumentParser
import Foundation
import VerdantCore

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel tasks by id, or every waiting, queued and running one.",
        discussion: "An image id cancels every stage of that image; stage/id one stage. Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @Flag(help: "Cancel every waiting, queued and in-flight task.")
    var all = false
    @OptionGroup var targets: TargetsOption

    func validate() throws {
        if all && targets.given { throw ValidationError("give ids (arguments or --from FILE) or --all, not both") }
        if !all && !targets.given { throw ValidationError("give the ids to cancel (arguments or --from FILE), or --all") }
    }

    func run() async throws {
        let workspace = try parameters.workspace(checkFiles: false)
        let ids = try Failure.guarded { try targets.read() }
        try await TaskControl(workspace: workspace).perform(all ? .cancelAll : .cancel, targets: ids) { scheduler in
            // Agree with the engine first, so tasks a crash left behind are cancelled for real.
            try await scheduler.reconcile()
            let count = all ? try await scheduler.cancelAll() : try await scheduler.cancel(targets: ids)
            // Let the engine confirm what it stopped.
            try await scheduler.pollOnce()
            return "cancelled \(count) task(s)"
        }
    }
}

struct Retry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start failed or cancelled tasks again, each with a fresh budget of attempts.",
        discussion: "Give ids (an image id: every stage; stage/id: one stage), or --failed / --cancelled for all of them. A task reading inputs waits for them again. Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @Flag(help: "Every FAILED task.") var failed = false
    @Flag(help: "Every CANCELLED task.") var cancelled = false
    @OptionGroup var targets: TargetsOption

    func validate() throws {
        let modes = [failed, cancelled, targets.given].filter { $0 }.count
        if modes != 1 { throw ValidationError("give ids (arguments or --from FILE), --failed or --cancelled: exactly one") }
    }

    func run() async throws {
        let workspace = try parameters.workspace(checkFiles: false)
        let ids = try Failure.guarded { try targets.read() }
        let command: ControlRequest.Command = failed ? .retryFailed : cancelled ? .requeueCancelled : .retry
        try await TaskControl(workspace: workspace).perform(command, targets: ids) { scheduler in
            let count: Int
            if failed { count = try await scheduler.retryAll(in: .failed) }
            else if cancelled { count = try await scheduler.retryAll(in: .cancelled) }
            else { count = try await scheduler.retry(targets: ids) }
            return "started \(count) task(s) again; `verdant run` processes them"
        }
    }
}

struct Release: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Let waiting tasks go on without their failed or cancelled inputs.",
        discussion: "`verdant status` lists the tasks waiting on failed inputs. A task left with no input to read ends EXCLUDED. Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @OptionGroup var targets: TargetsOption

    func validate() throws {
        if !targets.given { throw ValidationError("give the waiting tasks' ids (arguments or --from FILE)") }
    }

    func run() async throws {
        let workspace = try parameters.workspace(checkFiles: false)
        let ids = try Failure.guarded { try targets.read() }
        try await TaskControl(workspace: workspace).perform(.release, targets: ids) { scheduler in
            let count = try await scheduler.release(targets: ids)
            return "\(count) waiting task(s) go on without their failed or cancelled inputs"
        }
    }
}

struct Pause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the active run to stop submitting; tasks in flight go on.")
    @OptionGroup var parameters: ParametersOption
    func run() async throws { try PauseResume.send(.pause, parameters: parameters) }
}

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask the active run to submit again after a pause.")
    @OptionGroup var parameters: ParametersOption
    func run() async throws { try PauseResume.send(.resume, parameters: parameters) }
}

enum PauseResume {
    static func send(_ command: ControlRequest.Command, parameters: ParametersOption) throws {
        let workspace = try parameters.workspace(checkFiles: false)
        guard RunLock.isHeld(storePath: workspace.storePath) else {
            Failure.printError("no verdant run is active on \(workspace.storePath)")
            throw ExitStatus.tasksFailedOrBusy.exitCode
        }
        let store = try TaskControl(workspace: workspace).existingStore()
        try Failure.guarded { try store.send(ControlRequest(command: command)) }
        print("asked the running verdant (pid \(RunLock.holder(storePath: workspace.storePath))) to \(command.rawValue)")
    }
}
