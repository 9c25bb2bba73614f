import VerdantCore

/// Why a job failed, as the engine records it: the kind decides what the scheduler does with
/// the image (retry it, fail it at once, or hold the run because the machine is at fault), the
/// message is what a person reads in the record.
public struct JobFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var kind: FailureKind
    public var message: String

    public init(kind: FailureKind, message: String) {
        self.kind = kind; self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// How `verdant job` tells the engine that started it why it failed: the exit code carries the
/// kind, and the last line it writes to stderr, `verdant-job: <kind>: <message>`, the words.
public enum JobExitReport {
    public static let linePrefix = "verdant-job: "

    /// 2 permanent, 3 machine, 1 retryable (any other failure: a crash, a flaky read).
    public static func exitCode(for kind: FailureKind) -> Int32 {
        switch kind {
        case .retryable: return 1
        case .permanent: return 2
        case .machine: return 3
        }
    }

    /// The kind of a non-zero exit code; codes other than 2 and 3 are retryable.
    public static func kind(forExitCode code: Int32) -> FailureKind {
        switch code {
        case 2: return .permanent
        case 3: return .machine
        default: return .retryable
        }
    }

    public static func line(for failure: JobFailure) -> String {
        // One line, so the engine finds it whole as the last line of the output.
        let oneLine = failure.message.split(whereSeparator: \.isNewline).joined(separator: " | ")
        return "\(linePrefix)\(failure.kind.rawValue): \(oneLine)"
    }

    /// The message of the last report line in a job's output, if it wrote one.
    public static func message(in output: String) -> String? {
        guard let line = output.split(whereSeparator: \.isNewline).last(where: { $0.hasPrefix(linePrefix) }) else {
            return nil
        }
        let report = line.dropFirst(linePrefix.count)
        for kind in [FailureKind.retryable, .permanent, .machine] where report.hasPrefix("\(kind.rawValue): ") {
            return String(report.dropFirst(kind.rawValue.count + 2))
        }
        return String(report)
    }
}
