import ArgumentParser
import Foundation
import VerdantCore

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole job on the embedded samples (from the repository root) and print where the outputs are.",
        discussion: "Uses parameters.toml with its output, status store and log moved under <output>/demo, which is emptied first so every demo starts from scratch.")

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
        let last = try await RunSession(workspace: workspace, lock: lock).execute()

        let store = try workspace.openStore(readOnly: true)
        let records = try store.records(in: Set(TaskState.allCases), stage: .cloudMask, limit: nil)
        print("verdant demo: \(records.count) images — \(last.stateSummary())")
        for record in records {
            var line = "  \(record.id)  \(record.state.rawValue)"
            if let output = record.output {
                line += "  \(output)"
                if let fractions = Self.fractions(sidecar: (output as NSString).deletingPathExtension + ".json") {
                    line += String(format: "  cloud %.0f%% clear %.0f%% (of valid pixels), nodata %.0f%%", fractions.0 * 100, fractions.1 * 100, fractions.2 * 100)
                }
            }
            if let error = record.error, record.state == .failed { line += "  error: \(error)" }
            print(line)
        }
        print("masks: \(workspace.layout.stageDirectory(.cloudMask).path)  (uint8 COG: 0 clear, 1 cloud, 255 nodata; JSON sidecar beside each)")
        print("status store: \(workspace.storePath)   log: \(workspace.logPath)")
        if last.counts[.failed, default: 0] > 0 { throw ExitCode(1) }
    }

    static func fractions(sidecar: String) -> (Double, Double, Double)? {
        guard let data = FileManager.default.contents(atPath: sidecar),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cloud = object["cloud_fraction"] as? Double, let clear = object["clear_fraction"] as? Double,
              let nodata = object["nodata_fraction"] as? Double else { return nil }
        return (cloud, clear, nodata)
    }
}
