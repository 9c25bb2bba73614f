import Foundation
import VerdantCore

/// The columns of a status file: the original's three first (seed-algorithm.md §5: `Name`,
/// the image id; `Result`, a task state or "Out of area"; `Task_id`), then ours.
enum StatusColumn: String, CaseIterable {
    case name = "Name", result = "Result", taskId = "Task_id"
    case stage = "Stage", state = "State", attempts = "Attempts", submissions = "Submissions"
    case error = "Error", reason = "Reason", output = "Output", updated = "Updated"
    case acquired = "Acquired", tile = "Tile", cloudCover = "Cloud_cover", source = "Source"
    case requestId = "Request_id", paramsHash = "Params_hash", engine = "Engine", notBefore = "Not_before"
    case footprint = "Footprint"

    static let numeric: Set<StatusColumn> = [.attempts, .submissions, .cloudCover]

    /// The original's word for a state, as its Result column held it; our other states by name.
    static func result(_ state: TaskState) -> String {
        state == .outOfArea ? "Out of area" : state.rawValue
    }

    /// A Result value of the original (Earth Engine's task states, "Out of area") or of ours.
    static func state(result text: String) -> TaskState? {
        let word = text.trimmingCharacters(in: .whitespaces)
        switch word.uppercased() {
        case "OUT OF AREA": return .outOfArea
        case "CANCELED": return .cancelled
        case "CANCEL_REQUESTED": return .cancelling
        case "UNSUBMITTED": return .queued
        case "DISCOVERED": return nil
        default: return TaskState(rawValue: word.uppercased())
        }
    }

    static let acceptedResults = "READY, RUNNING, COMPLETED, FAILED, CANCELLED, \"Out of area\" (the original's), "
        + "or a verdant state (QUEUED, WAITING, SUBMITTING, CANCELLING, EXCLUDED, SKIPPED)"

    func value(of r: TaskRecord) -> String {
        switch self {
        case .name: return r.id
        case .result: return Self.result(r.state)
        case .taskId: return r.taskId ?? ""
        case .stage: return r.stage.rawValue
        case .state: return r.state.rawValue
        case .attempts: return String(r.attempts)
        case .submissions: return String(r.submissions)
        case .error: return r.error ?? ""
        case .reason: return r.reason ?? ""
        case .output: return r.output ?? ""
        case .updated: return StatusDates.text(r.updatedAt)
        case .acquired: return StatusDates.text(r.acquired)
        case .tile: return r.tile
        case .cloudCover: return r.cloudCover.map { String($0) } ?? ""
        case .source: return r.source
        case .requestId: return r.requestId ?? ""
        case .paramsHash: return r.paramsHash ?? ""
        case .engine: return r.engine ?? ""
        case .notBefore: return r.notBefore.map(StatusDates.text) ?? ""
        case .footprint: return r.footprint
        }
    }
}

/// Times in a status file: ISO 8601 in UTC with milliseconds (the store keeps milliseconds).
enum StatusDates {
    static func text(_ date: Date) -> String {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return format.string(from: date)
    }

    static func date(_ text: String) -> Date? {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = format.date(from: text) { return date }
        format.formatOptions = [.withInternetDateTime]
        return format.date(from: text)
    }

    /// The acquisition time in a Sentinel-2 id (`20180101T114459_…`), UTC.
    static func acquisition(ofImageId id: String) -> Date? {
        let stamp = id.prefix(15)
        guard stamp.count == 15, stamp.dropFirst(8).first == "T" else { return nil }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss"
        return format.date(from: String(stamp))
    }

    /// The MGRS tile in a Sentinel-2 id (`…_T30VVJ`): "30VVJ".
    static func tile(ofImageId id: String) -> String? {
        let parts: [Substring] = id.split(separator: "_" as Character)
        return parts.last(where: { $0.count == 6 && $0.first == "T" }).map { String($0.dropFirst()) }
    }
}
