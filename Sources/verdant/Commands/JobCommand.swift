import ArgumentParser
import Foundation
import VerdantCore
import VerdantLocal

/// One local job, run by the local engine as a child process (see SubprocessLauncher).
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Run one local job (used by the local engine).", shouldDisplay: false)

    @OptionGroup var parameters: ParametersOption
    @Option(help: "The image's STAC item file.") var source: String
    @Option(help: "The image id.") var image: String
    @Option(help: "The stage.") var stage: String = Stage.cloudMask.rawValue
    @Option(name: .customLong("request-id")) var requestId: String
    @Option(help: "The work folder to write into.") var into: String
    @Option(name: .customLong("parent-pid"), help: "Stop when this process is gone.") var parentPid: Int32?

    func run() throws {
        let workspace = try parameters.workspace(checkFiles: false)
        let p = workspace.parameters
        guard Stage(rawValue: stage) == .cloudMask else { throw BadInput("unknown stage \(stage)") }
        let item = try StacCatalog.loadItem(path: source, coefNormalisation: p.mask.coefNormalisation)
        guard item.id == image else { throw BadInput("\(source) holds \(item.id), not \(image)") }
        let settings = CloudMaskSettings(scale: p.area.scale, coefNormalisation: p.mask.coefNormalisation,
                                         method: p.mask.method.rawValue,
                                         landGeometryPath: p.resolve(p.area.landGeometry))
        let parent = parentPid
        // A job orphaned by a killed `verdant run` stops instead of writing work nobody publishes.
        let result = try CloudMaskJob(item: item, land: try workspace.landArea(), settings: settings)
            .run(into: URL(fileURLWithPath: into), requestId: requestId,
                 isCancelled: { parent.map { getppid() != $0 } ?? false })
        print(String(format: "%@: cloud %.3f clear %.3f nodata %.3f", item.id, result.cloudFraction, result.clearFraction, result.nodataFraction))
    }
}
