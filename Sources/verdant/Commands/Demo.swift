import ArgumentParser
import Foundation
import VerdantConfig
import VerdantCore
import VerdantTerminal

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every stage on the embedded samples (from the repository root) and print where the outputs are.",
        discussion: "Uses the default parameters (`verdant init`'s, which name samples/) with the run settings of parameters.toml (engine, workers, nb_task_max…), and outputs, status store and log under <output>/demo, which is emptied first so every demo starts from scratch. Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @Flag(help: "Print the listing even on a terminal (no dashboard).")
    var noDashboard = false
    /// The detached run the demo's dashboard starts: the folder is already prepared.
    @Flag(help: .hidden) var headless = false

    /// The demo's workspace: the samples, the user's run settings, everything under <output>/demo.
    static func workspace(_ parameters: ParametersOption) throws -> Workspace {
        // Only the run settings of the user's file count: its catalog and land need not exist.
        var workspace = try parameters.workspace(checkFiles: false)
        try Failure.guarded { workspace.parameters = try Self.sampleParameters(keepingRunOf: workspace.parameters) }
        let demoRoot = workspace.parameters.resolve(workspace.parameters.run.output) + "/demo"
        workspace.parameters.run.output = demoRoot
        workspace.parameters.run.statusStore = demoRoot + "/status.sqlite"
        workspace.parameters.run.logFile = demoRoot + "/verdant.log"
        // The demo shows every stage, whatever `run.until` the user's file keeps.
        workspace.parameters.run.until = .productivity
        return workspace
    }

    func run() async throws {
        let workspace = try Self.workspace(parameters)
        let demoRoot = workspace.parameters.run.output
        // Lock first, then empty the folder (keeping the lock file): a second demo started
        // meanwhile must not delete the store of the first.
        var lock: RunLock? = try RunSession.acquireLock(workspace)
        if !headless {
            let lockName = (workspace.storePath as NSString).lastPathComponent + ".lock"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: demoRoot)) ?? [] where name != lockName {
                try FileManager.default.removeItem(atPath: demoRoot + "/" + name)
            }
        }
        let environment = ProcessInfo.processInfo.environment
        if !headless && !noDashboard && Screen.fullScreenProblem(environment: environment, isTerminal: isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1) == nil {
            // The product, not a listing: the run goes on detached and the dashboard watches it.
            // The detached run takes the lock: this process lets it go.
            lock = nil
            let session = DashboardSession(workspace: workspace, runArguments: DemoFallback.runArguments(parameters),
                                           title: "demo (samples/)", startAtOnce: true)
            let status = try session.run()
            if status != .done { throw status.exitCode }
            return
        }
        let outcome = try await RunSession(workspace: workspace, lock: lock).execute()
        if headless { return }

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

    /// The default parameters (what `verdant init` writes: the embedded samples), resolved from
    /// the same folder as the user's file, with the user's run settings.
    static func sampleParameters(keepingRunOf user: Parameters) throws -> Parameters {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-demo-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("parameters.toml")
        try DefaultParameters.toml.write(to: file, atomically: true, encoding: .utf8)
        var samples = try ParametersFile.load(path: file.path, checkFiles: false)
        samples.baseDirectory = user.baseDirectory
        samples.run = user.run
        samples.run.catalog = RunSettings().catalog
        samples.run.exportedJson = nil
        for path in [samples.run.catalog, samples.area.landGeometry] where !FileManager.default.fileExists(atPath: samples.resolve(path)) {
            throw BadInput("\(samples.resolve(path)): the demo's sample data is not there; run `verdant demo` from the repository root (beside samples/)")
        }
        return samples
    }

    static func describe(_ stage: Stage) -> String {
        switch stage {
        case .cloudMask: return "(uint8 COG: 0 clear, 1 cloud, 255 nodata; JSON sidecar beside each)"
        case .ndvi: return "(Float32 COG, NaN where cloudy or no data; JSON sidecar beside each)"
        case .gapFill: return "(per block: <image>.tif for each date of the range, bands NDVI, NDVI_final, quality, interval90; <block>.json lists them)"
        case .productivity: return "(per block: <season>.tif, one band per metric; <block>.tif their mean over seasons)"
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

/// After `make demo`, `verdant status` and `verdant dashboard` from the repository root see the
/// demo's run: when the parameters file was not named, its store does not exist and the
/// demo's does, the demo's workspace is used (and said).
enum DemoFallback {
    struct Choice {
        var workspace: Workspace
        var runArguments: [String]
        var title: String
        var isDemo: Bool
    }

    static func runArguments(_ parameters: ParametersOption) -> [String] {
        ["demo", "--headless", "-p", URL(fileURLWithPath: parameters.path).standardizedFileURL.path]
    }

    static func workspace(for parameters: ParametersOption) throws -> Choice {
        let workspace = try parameters.workspace(checkFiles: false)
        let named = CommandLine.arguments.contains { $0 == "-p" || $0 == "--parameters" || $0.hasPrefix("--parameters=") }
        if !named, !FileManager.default.fileExists(atPath: workspace.storePath),
           let demo = try? Demo.workspace(parameters), FileManager.default.fileExists(atPath: demo.storePath) {
            return Choice(workspace: demo, runArguments: runArguments(parameters), title: "demo (samples/)", isDemo: true)
        }
        return Choice(workspace: workspace, runArguments: ["run", "-p", workspace.parametersPath],
                      title: (workspace.parametersPath as NSString).lastPathComponent, isDemo: false)
    }
}
