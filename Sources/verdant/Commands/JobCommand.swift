import ArgumentParser
import Foundation
import VerdantCore
import VerdantLocal
import VerdantRaster

/// One local job, run by the local engine as a child process (see SubprocessLauncher). Its
/// settings come on the command line, fixed when the run started: editing parameters.toml
/// during a run does not change the jobs of that run.
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Run one local job (used by the local engine).", shouldDisplay: false)

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
