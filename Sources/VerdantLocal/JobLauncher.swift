import Foundation
import VerdantCore

/// How a local job ended.
public enum JobOutcome: Sendable, Equatable {
    case succeeded
    case cancelled
    case failed(String)
}

/// Runs one job to its end, writing into `directory`; blocks the calling worker thread.
/// `isCancelled` turns true when the task is cancelled; the launcher must then stop the job
/// within 2 seconds.
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
            return .failed(String(describing: error))
        }
    }
}

/// Runs each job as a child process (`verdant job …`), so a job that crashes (a GDAL fault, an
/// out-of-memory kill) fails only its own image, and a cancel can always stop it: SIGTERM,
/// then SIGKILL one second later.
public struct SubprocessLauncher: JobLauncher {
    let executable: URL
    /// Arguments before the job's own (e.g. `["job", "--parameters", path]`).
    let arguments: [String]

    public init(executable: URL, arguments: [String]) {
        self.executable = executable; self.arguments = arguments
    }

    public func run(_ job: Job, requestId: String, into directory: URL, isCancelled: @escaping @Sendable () -> Bool) -> JobOutcome {
        let logURL = directory.appendingPathComponent("job.log")
        let child: ChildProcess
        do {
            child = try ChildProcess(
                executable: executable.path,
                arguments: arguments + ["--source", job.source, "--image", job.id, "--stage", job.stage.rawValue,
                                        "--request-id", requestId, "--into", directory.path,
                                        "--parent-pid", String(getpid())]
                    + job.inputs.flatMap { ["--input", "\($0.key)=\($0.output)"] },
                output: logURL.path)
        } catch {
            return .failed(String(describing: error))
        }
        var termAt: Date?
        var ended = child.poll()
        while ended == nil {
            if isCancelled() {
                if termAt == nil {
                    termAt = Date()
                    child.signal(SIGTERM)
                } else if Date().timeIntervalSince(termAt!) > 1 {
                    child.signal(SIGKILL)
                }
            }
            usleep(20_000)
            ended = child.poll()
        }
        // The job's own children (if any) go with it.
        kill(-child.pid, SIGKILL)
        if termAt != nil || isCancelled() { return .cancelled }
        let tail = Self.lastLines(of: logURL, count: 5)
        switch ended! {
        case .exited(0):
            return .succeeded
        case .exited(let code):
            return .failed(tail.isEmpty ? "job exited with code \(code)" : tail)
        case .signalled(let signal):
            return .failed("job crashed (signal \(signal))" + (tail.isEmpty ? "" : ": \(tail)"))
        }
    }

    static func lastLines(of url: URL, count: Int) -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else { return "" }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(count)
        return lines.joined(separator: " | ")
    }
}
