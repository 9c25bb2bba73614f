import ArgumentParser
import Foundation
import VerdantCore
import VerdantLocal
import VerdantMask

/// `verdant evaluate-mask`: how the masks of a method agree with reference masks, per image and
/// pooled (README, "Cloud model").
struct EvaluateMask: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-mask",
        abstract: "Score cloud masks against reference masks: overall and balanced accuracy, omission and commission.",
        discussion: """
            Every image of the catalog with a reference mask (matched by the date in the file name) is \
            masked as a run would mask it (mask.method, mask.model, area.scale, the land area) and \
            compared pixel by pixel on the mask's grid. With --leave-one-date-out each date is scored \
            by a forest trained, as the model file was, on the other dates only. Exit codes: \(ExitStatus.table).
            """)

    @OptionGroup var parameters: ParametersOption
    @OptionGroup var references: ReferenceOptions
    @Option(help: "Override mask.method (seed, hollstein, scl, probability, mask).") var method: String?
    @Option(help: "Override mask.model.") var model: String?
    @Flag(name: .customLong("leave-one-date-out"), help: "Score each date with a model trained without it (method seed).")
    var leaveOneDateOut = false
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let workspace = try parameters.workspace()
        var p = workspace.parameters
        if let method {
            guard let chosen = MaskMethod(rawValue: method) else {
                throw Failure.badInput("--method \(method): expected one of \(MaskMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            p.mask.method = chosen
        }
        if let model { p.mask.model = model }
        guard !references.reference.isEmpty else { throw Failure.badInput("give --reference: a reference mask, or a folder of them") }
        let masks = try Failure.guarded { try references.masks() }
        // --model is relative to the working directory, like every command-line path.
        let settings = CloudMaskSettings(parameters: p, modelPath: model.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Workspace.modelPath(p))
        let rows: [Row]
        if p.mask.method == .seed {
            rows = try Failure.guarded { try seedRows(workspace: workspace, settings: settings, masks: masks) }
        } else {
            guard !leaveOneDateOut else { throw Failure.badInput("--leave-one-date-out trains forests: it needs --method seed") }
            rows = try Failure.guarded { try otherRows(workspace: workspace, settings: settings, masks: masks) }
        }
        guard !rows.isEmpty else { throw Failure.badInput("no image of the catalog has a reference mask (matched by the date in the file name)") }
        let pooled = rows.map(\.agreement).reduce(MaskAgreement(), +)
        let label = leaveOneDateOut ? "\(p.mask.method.rawValue), leave one date out" : p.mask.method.rawValue
        if json {
            print(try Self.json(rows: rows, pooled: pooled, method: label, settings: settings))
        } else {
            for line in Self.table(rows: rows, pooled: pooled, method: label) { print(line) }
        }
    }

    struct Row {
        var date: String
        var id: String
        var agreement: MaskAgreement
    }

    private func seedRows(workspace: Workspace, settings: CloudMaskSettings, masks: ReferenceMasks) throws -> [Row] {
        let file = try CloudModelFile.load(path: settings.modelPath)
        let model = try CloudModel(file: file, cutoff: Float(settings.cutoff), percentile: settings.percentile)
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let scenes = try LabelledScenes.load(workspace: workspace, catalogPath: references.catalog, references: masks,
                                             features: model.features, settings: settings, useLand: !references.noLand, log: log).scenes
        var rows: [Row] = []
        var withoutDate: [String: CloudModel] = [:]   // one forest per left-out date, whatever its images
        for scene in scenes {
            var forest = model
            if leaveOneDateOut, let trained = withoutDate[scene.date] {
                forest = trained
            } else if leaveOneDateOut {
                let others = scenes.filter { $0.date != scene.date }
                let (columns, labels) = LabelledScenes.samples(others)
                guard Set(labels).count == 2 else { throw BadInput("leaving out \(scene.date) leaves no cloud or no clear sample") }
                let trees = ForestTraining(settings: file.training.settings)
                    .train(columns: columns, labels: labels, workers: max(1, ProcessInfo.processInfo.activeProcessorCount))
                var retrained = file
                retrained.trees = trees
                forest = try CloudModel(file: retrained, cutoff: model.cutoff, percentile: model.percentile)
                withoutDate[scene.date] = forest
                log("\(scene.date): forest trained on \(labels.count) samples of \(Set(others.map(\.date)).count) other dates")
            }
            // As a run: without its backgrounds an image is masked by tree2 ∨ tree3.
            let mask = scene.features.fallback ?? forest.decide(columns: scene.features.columns, eligible: scene.features.eligible).mask
            rows.append(Row(date: scene.date, id: scene.item.id, agreement: MaskAgreement(mask: mask, reference: scene.labels)))
        }
        return rows
    }

    private func otherRows(workspace: Workspace, settings: CloudMaskSettings, masks: ReferenceMasks) throws -> [Row] {
        let p = workspace.parameters
        let listing = try StacCatalog.load(path: try references.catalog ?? workspace.staticCatalogPath(), coefNormalisation: p.mask.coefNormalisation)
        let land = references.noLand ? nil : try workspace.landArea()
        let cache = GridBandCache(limitBytes: 256 << 20)
        var rows: [Row] = []
        for item in listing.items {
            guard !masks.candidates(for: item).isEmpty else { continue }
            let job = CloudMaskJob(item: item, land: land, settings: settings)
            let (mask, grid, _) = try job.mask(cache: cache, checking: { false })
            guard let (_, labels) = try masks.reference(for: item, on: grid) else {
                FileHandle.standardError.write(Data("\(item.id): no reference named by its date covers it; left out\n".utf8))
                continue
            }
            rows.append(Row(date: LabelledScenes.Scene.date(of: item), id: item.id, agreement: MaskAgreement(mask: mask, reference: labels)))
        }
        return rows
    }

    static func percent(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "  -  " }

    static func table(rows: [Row], pooled: MaskAgreement, method: String) -> [String] {
        var lines = ["method: \(method)",
                     "date        image                                     pixels  ref cloud  mask cloud  overall  balanced  cloud PA  cloud UA  clear PA  clear UA"]
        func line(_ date: String, _ id: String, _ a: MaskAgreement) -> String {
            let refCloud = a.pixels > 0 ? Double(a.referenceCloud) / Double(a.pixels) : 0
            let maskCloud = a.pixels > 0 ? Double(a.cloudAsCloud + a.clearAsCloud) / Double(a.pixels) : 0
            return date.padding(toLength: 12, withPad: " ", startingAt: 0) + id.padding(toLength: 40, withPad: " ", startingAt: 0)
                + String(format: "%8d  %8.1f%%  %9.1f%%", a.pixels, refCloud * 100, maskCloud * 100)
                + "    " + [a.overallAccuracy, a.balancedAccuracy, a.cloudProducers, a.cloudUsers, a.clearProducers, a.clearUsers]
                    .map { percent($0).padding(toLength: 8, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        lines += rows.map { line($0.date, $0.id, $0.agreement) }
        lines.append(line("pooled", "\(rows.count) image(s)", pooled))
        lines.append("PA: producer's accuracy (1 - omission); UA: user's accuracy (1 - commission); balanced: mean of the two PAs")
        return lines
    }

    static func json(rows: [Row], pooled: MaskAgreement, method: String, settings: CloudMaskSettings) throws -> String {
        func object(_ a: MaskAgreement) -> [String: Any] {
            var o: [String: Any] = ["pixels": a.pixels, "cloud_as_cloud": a.cloudAsCloud, "cloud_as_clear": a.cloudAsClear,
                                    "clear_as_cloud": a.clearAsCloud, "clear_as_clear": a.clearAsClear]
            let metrics: [(String, Double?)] = [("overall_accuracy", a.overallAccuracy), ("balanced_accuracy", a.balancedAccuracy),
                                                ("cloud_producers_accuracy", a.cloudProducers), ("cloud_users_accuracy", a.cloudUsers),
                                                ("clear_producers_accuracy", a.clearProducers), ("clear_users_accuracy", a.clearUsers)]
            for (key, value) in metrics { o[key] = value ?? NSNull() }
            return o
        }
        let document: [String: Any] = [
            "method": method, "scale": settings.scale,
            "images": rows.map { object($0.agreement).merging(["date": $0.date, "id": $0.id]) { a, _ in a } },
            "pooled": object(pooled),
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
