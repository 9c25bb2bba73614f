import ArgumentParser
import Foundation
import VerdantCore
import VerdantLocal
import VerdantRaster

/// One local job, run by the local engine as a child process (see SubprocessLauncher). Its
/// settings come on the command line, fixed when the run started: editing parameters.toml
/// during a run does not change the jobs of that run.
///
/// Exit codes, which the engine records as the failure's kind (`JobExitReport`): 0 done;
/// 2 permanent, the input cannot heal by waiting (missing or unreadable source, missing band,
/// invalid STAC item, unusable land file); 3 machine, the disk or the output folder is at fault
/// (no space, quota, read-only, not writable, I/O error); 1 anything else, worth a retry.
/// On failure the last stderr line is `verdant-job: <kind>: <message>`.
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Run one local job (used by the local engine).",
        discussion: """
            Exit codes: 0 done; 2 permanent (the input cannot heal by waiting); 3 machine (disk \
            full, output folder read-only or not writable, I/O error); 1 any other failure \
            (retryable). On failure the last line on stderr is `verdant-job: <kind>: <message>`.
            """,
        shouldDisplay: false)

    @Option var scale: Double
    @Option(name: .customLong("coef-normalisation")) var coefNormalisation: Double
    @Option var method: String
    @Option(help: "The land vector file.") var land: String
    @Option(help: "The image's STAC item file.") var source: String
    @Option(help: "The image id.") var image: String
    @Option(help: "The stage.") var stage: String = Stage.cloudMask.rawValue
    @Option(name: .customLong("request-id")) var requestId: String
    @Option(help: "The work folder to write into.") var into: String
    @Option(name: .customLong("parent-pid"), help: "Stop when this process is gone.") var parentPid: Int32?
    @Option(name: .customLong("input"), help: "An input's output: stage/id=path (repeated).") var inputs: [String] = []
    @Option(name: .customLong("mask-settings"), help: "The run's cloud-mask settings (JSON).") var maskSettings: String?
    @Option(name: .customLong("neighbour"), help: "A neighbour image: percentile1|percentile5=ID=ITEM (repeated).")
    var neighbours: [String] = []
    @Option(name: .customLong("block-settings"), help: "The run's gap-filling and productivity settings (JSON).")
    var blockSettings: String?

    /// The arguments that carry a run's settings to its jobs; `land` is the run's fixed copy
    /// of the land area (Workspace.landSnapshot).
    static func settingsArguments(_ p: Parameters, land: String, maskSettings: String? = nil, blockSettings: String? = nil) -> [String] {
        ["job", "--scale", String(p.area.scale), "--coef-normalisation", String(p.mask.coefNormalisation),
         "--method", p.mask.method.rawValue, "--land", land] + (maskSettings.map { ["--mask-settings", $0] } ?? [])
            + (blockSettings.map { ["--block-settings", $0] } ?? [])
    }

    func run() throws {
        do {
            try runJob()
        } catch {
            // The engine's folder of work folders is the job's output side too: the job creates
            // its own work folder there when it is missing.
            let outputSide = URL(fileURLWithPath: into).deletingLastPathComponent().path
            let failure = error is BadInput
                ? JobFailure(kind: .permanent, message: String(describing: error))
                : JobFailureClassifier(outputFolders: [outputSide]).classify(error)
            FileHandle.standardError.write(Data((JobExitReport.line(for: failure) + "\n").utf8))
            throw ExitCode(JobExitReport.exitCode(for: failure.kind))
        }
    }

    private func runJob() throws {
        let parent = parentPid
        // A job orphaned by a killed `verdant run` stops instead of writing work nobody publishes.
        let orphaned: @Sendable () -> Bool = { parent.map { getppid() != $0 } ?? false }
        let directory = URL(fileURLWithPath: into)
        switch Stage(rawValue: stage) {
        case .gapFill:
            let job = GapFillJob(block: image, inputs: try blockInputs(.ndvi).map { GapFillJob.Input(imageId: $0.id, ndviPath: $0.path) },
                                 settings: try loadBlockSettings())
            let result = try job.run(into: directory, requestId: requestId, isCancelled: orphaned)
            print("\(image): \(result.dates) dates, \(result.written) written; \(result.filled) values filled, \(result.unfilled) left unfilled")
            return
        case .productivity:
            guard let gapFill = try blockInputs(.gapFill).first(where: { $0.id == image }) else {
                throw BadInput("stage productivity of \(image) needs --input gapfill/\(image)=PATH")
            }
            let job = ProductivityJob(block: image, gapFillMain: gapFill.path, settings: try loadBlockSettings())
            let result = try job.run(into: directory, requestId: requestId, isCancelled: orphaned)
            print("\(image): \(result.seasons) season(s), \(result.pixelsWithSeason) pixel-seasons with a season")
            return
        default: break
        }
        let item = try StacCatalog.loadItem(path: source, id: image, coefNormalisation: coefNormalisation)
        guard item.id == image else { throw BadInput("\(source) holds \(item.id), not \(image)") }
        switch Stage(rawValue: stage) {
        case .cloudMask:
            let settings = try cloudMaskSettings()
            var job = CloudMaskJob(item: item, land: try LandArea.load(path: land), settings: settings)
            if settings.method == MaskMethod.seed.rawValue {
                job.model = try JobModel.load(settings)
                job.neighbours = try JobModel.neighbours(neighbours, coefNormalisation: coefNormalisation)
            }
            let result = try job.run(into: directory, requestId: requestId, isCancelled: orphaned)
            print(String(format: "%@: cloud %.3f clear %.3f nodata %.3f", item.id, result.cloudFraction, result.clearFraction, result.nodataFraction))
        case .ndvi:
            let maskSettings = try cloudMaskSettings()
            let result = try NDVIJob(item: item, maskPath: try input(.cloudMask),
                                      settings: NDVISettings(scale: scale, radiometricOffset: maskSettings.offsetRule,
                                                             ndviAsset: maskSettings.ndviAsset))
                .run(into: directory, requestId: requestId, isCancelled: orphaned)
            print(String(format: "%@: valid %.3f cloud %.3f nodata %.3f", item.id, result.validFraction, result.cloudFraction, result.nodataFraction))
        default:
            throw BadInput("unknown stage \(stage) (this verdant runs \(StageGraph.pipeline(until: .productivity).stages.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func cloudMaskSettings() throws -> CloudMaskSettings {
        guard let maskSettings else {
            return CloudMaskSettings(scale: scale, coefNormalisation: coefNormalisation, method: method, landGeometryPath: land)
        }
        guard let data = FileManager.default.contents(atPath: maskSettings),
              let settings = try? JSONDecoder().decode(CloudMaskSettings.self, from: data) else {
            throw BadInput("\(maskSettings): expected the run's cloud-mask settings (JSON); start the run again")
        }
        return settings
    }

    func loadBlockSettings() throws -> BlockSettings {
        guard let blockSettings else { throw BadInput("stage \(stage) needs --block-settings (the run writes it); start the run again") }
        do { return try BlockSettings.load(path: blockSettings) } catch { throw BadInput(String(describing: error)) }
    }

    /// Every `--input stage/id=path` of `stage`: a block's inputs.
    func blockInputs(_ stage: Stage) throws -> [(id: String, path: String)] {
        var result: [(id: String, path: String)] = []
        for entry in inputs {
            guard let equals = entry.firstIndex(of: "="), let key = TaskKey(text: String(entry[..<equals])) else {
                throw BadInput("--input \(entry): expected stage/id=path")
            }
            guard key.stage == stage else { continue }
            let path = String(entry[entry.index(after: equals)...])
            guard !path.isEmpty else {
                throw BadInput("the input \(key) has no output recorded; `verdant run` again finds it in the output folder")
            }
            result.append((key.id, path))
        }
        return result
    }

    /// The output path of this image's task at `stage`, given with `--input stage/id=path`.
    func input(_ stage: Stage) throws -> String {
        for entry in inputs {
            guard let equals = entry.firstIndex(of: "="), let key = TaskKey(text: String(entry[..<equals])) else {
                throw BadInput("--input \(entry): expected stage/id=path")
            }
            guard key.stage == stage && key.id == image else { continue }
            let path = String(entry[entry.index(after: equals)...])
            guard !path.isEmpty else {
                throw BadInput("the input \(key) has no output recorded; `verdant run` again finds it in the output folder")
            }
            return path
        }
        throw BadInput("stage \(self.stage) of \(image) needs --input \(stage.rawValue)/\(image)=PATH (the \(stage.rawValue) output)")
    }
}
