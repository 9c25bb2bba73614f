import ArgumentParser

/// Every command's exit codes, one table (printed by `--help` and in the README).
enum ExitStatus: Int32, CaseIterable {
    /// Everything asked was done.
    case done = 0
    /// Some tasks failed (or wait on failed inputs), or another run holds the store.
    case tasksFailedOrBusy = 1
    /// Bad input: the message names the file, line or field and what was expected.
    case badInput = 2
    /// The status store or the machine failed: disk full, read-only folder, I/O error.
    case machine = 3
    /// Stopped by SIGINT (Ctrl-C) with work left; `verdant run` again goes on.
    /// The dashboard's terminal hung up (SSH lost); the run it watched goes on.
    case hangup = 129
    case interrupted = 130
    /// Stopped by SIGTERM with work left.
    case terminated = 143

    var exitCode: ExitCode { ExitCode(rawValue) }

    var meaning: String {
        switch self {
        case .done: return "done"
        case .tasksFailedOrBusy: return "some tasks failed or wait on failed inputs, another run holds the store, or (pause, resume) no run is active"
        case .badInput: return "bad input, usage errors included (the message names the file, line or field)"
        case .machine: return "the status store or the machine failed (disk full, read-only, I/O error)"
        case .hangup: return "the dashboard's terminal hung up (the run goes on)"
        case .interrupted: return "interrupted by SIGINT with work left"
        case .terminated: return "stopped by SIGTERM with work left"
        }
    }

    static var table: String {
        allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: "; ")
    }
}
