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

    /// The arguments that carry a run's settings to its jobs.
    static func settingsArguments(_ p: Parameters) -> [String] {
        ["job", "--scale", String(p.area.scale), "--coef-normalisation", String(p.mask.coefNormalisation),
         "--method", p.mask.method.rawValue, "--land", p.resolve(p.area.landGeometry)]
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
        guard Stage(rawValue: stage) == .cloudMask else { throw BadInput("unknown stage \(stage)") }
        let item = try StacCatalog.loadItem(path: source, coefNormalisation: coefNormalisation)
        guard item.id == image else { throw BadInput("\(source) holds \(item.id), not \(image)") }
        let settings = CloudMaskSettings(scale: scale, coefNormalisation: coefNormalisation, method: method,
                                         landGeometryPath: land)
        let parent = parentPid
        // A job orphaned by a killed `verdant run` stops instead of writing work nobody publishes.
        let result = try CloudMaskJob(item: item, land: try LandArea.load(path: land), settings: settings)
            .run(into: URL(fileURLWithPath: into), requestId: requestId,
                 isCancelled: { parent.map { getppid() != $0 } ?? false })
        print(String(format: "%@: cloud %.3f clear %.3f nodata %.3f", item.id, result.cloudFraction, result.clearFraction, result.nodataFraction))
    }
}
