import Foundation
import VerdantCore

/// How a local job ended.
public enum JobOutcome: Sendable, Equatable {
    case succeeded
    case cancelled
    case failed(JobFailure)
}

/// Runs one job to its end, writing into `directory`; blocks the calling worker thread.
/// `isCancelled` turns true when the task is cancelled; the launcher must then stop the job:
/// promptly, and surely even when the job ignores being asked.
public protocol JobLauncher: Sendable {
    func run(_ job: Job, requestId: String, into directory: URL, isCancelled: @escaping @Sendable () -> Bool) -> JobOutcome
}

/// Runs jobs on the worker thread itself: for tests and benchmarks, where a crash of the job
/// taking the process down does not matter.
public struct InProcessLauncher: JobLauncher {
    public typealias Body = @Sendable (Job, String, URL, @escaping @Sendable () -> Bool) throws -> Void
    let body: Body

    public init(_ body: @escaping Body) { self.body = body }

    public func run(_ job: Job, requestId: String, into directory: URL, isCancelled: @escaping @Sendable () -> Bool) -> JobOutcome {
        do {
            try body(job, requestId, directory, isCancelled)
            return isCancelled() ? .cancelled : .succeeded
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .failed(JobFailureClassifier(outputFolders: [directory.path]).classify(error))
        }
    }
}

/// Runs each job as a child process (`verdant job …`), so a job that crashes (a GDAL fault, an
/// out-of-memory kill) fails only its own image, and a cancel can always stop it: SIGTERM,
/// then SIGKILL `killAfter` seconds later. The job's output comes through a pipe, so its own
/// last words (`JobExitReport`) reach the record even when no file can be written.
public struct SubprocessLauncher: JobLauncher {
    let executable: URL
    /// Arguments before the job's own (e.g. `["job", "--parameters", path]`).
    let arguments: [String]
    /// The grace a job gets to stop by itself after SIGTERM.
    static let killAfter = 1.0
    /// How often the launcher looks at the job (exit, cancel) when it writes nothing.
    static let tick = 0.02

    public init(executable: URL, arguments: [String]) {
        self.executable = executable; self.arguments = arguments
    }

    public func run(_ job: Job, requestId: String, into directory: URL, isCancelled: @escaping @Sendable () -> Bool) -> JobOutcome {
        let output = JobOutputTail(logPath: directory.appendingPathComponent("job.log").path)
        let child: ChildProcess
        do {
            child = try ChildProcess(
                executable: executable.path,
                arguments: arguments + ["--source", job.source, "--image", job.id, "--stage", job.stage.rawValue,
                                        "--request-id", requestId, "--into", directory.path,
                                        "--parent-pid", String(getpid())]
                    + job.inputs.flatMap { ["--input", "\($0.key)=\($0.output)"] }
                    + Self.neighbourArguments(job.neighbours),
                output: .pipe)
        } catch {
            // No job can start (the executable is gone, no process slot): the machine's fault.
            return .failed(JobFailure(kind: .machine, message: JobFailureClassifier.describe(error)))
        }
        var termSentAt: Double?
        var killSent = false
        while child.exited() == nil {
            let now = ProcessInfo.processInfo.systemUptime
            if termSentAt == nil && isCancelled() {
                child.signalGroup(SIGTERM)
                termSentAt = now
            } else if let sent = termSentAt, !killSent, now - sent >= Self.killAfter {
                child.signalGroup(SIGKILL)
                killSent = true
            }
            child.awaitOutput(upTo: Self.tick)
            output.append(child.readAvailableOutput() ?? [])
        }
        // Exited but not yet reaped, so its process group cannot be anyone else's: what the job
        // left running goes with it, and only then is the job collected.
        child.signalGroup(SIGKILL)
        output.append(child.readAvailableOutput() ?? [])
        let ended = child.reap() ?? child.wait()
        if termSentAt != nil || isCancelled() { return .cancelled }
        return Self.outcome(of: ended, output: output)
    }

    /// `--neighbour percentile1=ID=SOURCE` for each neighbour of each background.
    static func neighbourArguments(_ neighbours: Neighbours?) -> [String] {
        guard let neighbours else { return [] }
        return neighbours.recent.flatMap { ["--neighbour", "percentile1=\($0.id)=\($0.source)"] }
            + neighbours.leastCloudy.flatMap { ["--neighbour", "percentile5=\($0.id)=\($0.source)"] }
    }

    static func outcome(of ended: ChildProcess.Termination, output: JobOutputTail) -> JobOutcome {
        let tail = output.lastLines(5)
        switch ended {
        case .exited(0):
            return .succeeded
        case .exited(let code):
            let message = JobExitReport.message(in: output.text) ?? (tail.isEmpty ? "job exited with code \(code)" : tail)
            return .failed(JobFailure(kind: JobExitReport.kind(forExitCode: code), message: message))
        case .signalled(let signal):
            return .failed(JobFailure(kind: .retryable,
                                      message: "job crashed (signal \(signal))" + (tail.isEmpty ? "" : ": \(tail)")))
        }
    }
}
