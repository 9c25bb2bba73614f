import ArgumentParser
import Foundation
import VerdantCore

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every stage on the embedded samples (from the repository root) and print where the outputs are.",
        discussion: "Uses parameters.toml with its output, status store and log moved under <output>/demo, which is emptied first so every demo starts from scratch. Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption

    func run() async throws {
        var workspace = try parameters.workspace()
        let demoRoot = workspace.parameters.resolve(workspace.parameters.run.output) + "/demo"
        workspace.parameters.run.output = demoRoot
        workspace.parameters.run.statusStore = demoRoot + "/status.sqlite"
        workspace.parameters.run.logFile = demoRoot + "/verdant.log"
        // Lock first, then empty the folder (keeping the lock file): a second demo started
        // meanwhile must not delete the store of the first.
        let lock = try RunSession.acquireLock(workspace)
        let lockName = (workspace.storePath as NSString).lastPathComponent + ".lock"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: demoRoot)) ?? [] where name != lockName {
            try FileManager.default.removeItem(atPath: demoRoot + "/" + name)
        }
        let outcome = try await RunSession(workspace: workspace, lock: lock).execute()

        let store = try workspace.openStore(readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: nil, limit: nil)
        let byImage = Dictionary(grouping: records, by: \.id)
        print("verdant demo: \(byImage.count) images through \(workspace.graph.stages.map(\.rawValue).joined(separator: " -> ")) — \(outcome.snapshot.stateSummary())")
        for id in byImage.keys.sorted() {
            print("  \(id)")
            for record in byImage[id]!.sorted(by: { workspace.graph.rank($0.stage) < workspace.graph.rank($1.stage) }) {
                var line = "    \(record.stage.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(record.state.rawValue)"
                if let output = record.output {
                    line += "  \(output)"
                    if let summary = Self.summary(sidecar: (output as NSString).deletingPathExtension + ".json") { line += "  \(summary)" }
                }
                if let reason = record.reason, record.state != .completed { line += "  (\(reason))" }
                if let error = record.error, record.state == .failed { line += "  error: \(error)" }
                print(line)
            }
        }
        for stage in workspace.graph.stages {
            print("\(stage.rawValue): \(workspace.layout.stageDirectory(stage).path)  \(Self.describe(stage))")
        }
        print("status store: \(workspace.storePath)   log: \(workspace.logPath)")
        if outcome.status != .done { throw outcome.status.exitCode }
    }

    static func describe(_ stage: Stage) -> String {
        switch stage {
        case .cloudMask: return "(uint8 COG: 0 clear, 1 cloud, 255 nodata; JSON sidecar beside each)"
        case .ndvi: return "(Float32 COG, NaN where cloudy or no data; JSON sidecar beside each)"
        default: return ""
        }
    }

    /// The sidecar's headline figures: cloud share for a mask, valid share and mean for NDVI.
    static func summary(sidecar: String) -> String? {
        guard let data = FileManager.default.contents(atPath: sidecar),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        if let cloud = object["cloud_fraction"] as? Double, let clear = object["clear_fraction"] as? Double,
           let nodata = object["nodata_fraction"] as? Double, object["mean_ndvi"] == nil {
            return String(format: "cloud %.0f%% clear %.0f%% (of valid pixels), nodata %.0f%%", cloud * 100, clear * 100, nodata * 100)
        }
        if let valid = object["valid_fraction"] as? Double {
            let mean = (object["mean_ndvi"] as? Double).map { String(format: ", mean NDVI %.2f", $0) } ?? ""
            return String(format: "valid %.0f%% of pixels", valid * 100) + mean
        }
        return nil
    }
}
