import Foundation
import VerdantCore
import VerdantLocal
import VerdantMask
import VerdantRaster
import VerdantStore

extension Workspace {
    /// The model file of method "seed", checked, with a digest of its bytes: a model retrained
    /// under the same path is a change of parameters (its masks are redone).
    func modelContent() throws -> (path: String, data: Data, digest: String) {
        let path = Self.modelPath(parameters)
        do {
            _ = try CloudModelFile.load(path: path)
        } catch let error as CloudModelError {
            throw BadInput("\(parametersPath): mask.model: \(error)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BadInput("\(parametersPath): mask.model: \(path) cannot be read")
        }
        return (path, data, Fingerprint.digest(String(decoding: data, as: UTF8.self)))
    }

    /// `mask.model` beside the parameters file; the default model, when not there (parameters
    /// written by `verdant init` elsewhere), is the one built into this verdant
    /// (`CloudModelFile.shippedJSON`, the bytes of the repository's models/cloud-forest.json),
    /// written once to a file named by its digest in the temporary folder.
    static func modelPath(_ p: Parameters) -> String {
        let given = p.resolve(p.mask.model)
        guard p.mask.model == MaskSettings().model, !FileManager.default.fileExists(atPath: given) else { return given }
        let data = Data(CloudModelFile.shippedJSON.utf8)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("verdant-\(getuid())-model-\(Fingerprint.digest(CloudModelFile.shippedJSON)).json").path
        if FileManager.default.contents(atPath: path) != data {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        // Only a copy holding exactly the built-in bytes is used (the folder is shared).
        return FileManager.default.contents(atPath: path) == data ? path : given
    }

    /// The run's copies of the model and of the mask settings, named by their digests, which
    /// every job reads: a file edited while the run goes cannot give masks that disagree with
    /// their fingerprint.
    func maskSettingsSnapshot() throws -> String {
        var modelCopy: String?
        if parameters.mask.method == .seed {
            let model = try modelContent()
            modelCopy = try writeInput(name: "model-\(model.digest).json", data: model.data, of: "mask.model")
        }
        var settings = CloudMaskSettings(parameters: parameters, modelPath: modelCopy)
        settings.landGeometryPath = try landSnapshot()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(settings)
        return try writeInput(name: "cloudmask-\(Fingerprint.digest(String(decoding: data, as: UTF8.self))).json", data: data,
                              of: "the cloud-mask settings")
    }

    /// The run's gap-filling and productivity settings for its block jobs, as a file.
    func blockSettingsSnapshot() throws -> String {
        let settings = BlockSettings(parameters: parameters, landGeometryPath: try landSnapshot())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(settings)
        return try writeInput(name: "blocks-\(Fingerprint.digest(String(decoding: data, as: UTF8.self))).json", data: data,
                              of: "the gap-filling settings")
    }

    /// `<output>/.inputs/<name>`, written once (the name carries the content's digest), for the
    /// jobs of a run to read: `what` names it in an error.
    func writeInput(name: String, data: Data, of what: String) throws -> String {
        let folder = layout.root.appendingPathComponent(".inputs", isDirectory: true)
        let path = folder.appendingPathComponent(name)
        guard !FileManager.default.fileExists(atPath: path.path) else { return path.path }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: path, options: .atomic)
        } catch {
            throw MachineError("\(folder.path): cannot write the run's copy of \(what): \(error.localizedDescription)")
        }
        return path.path
    }

    /// Chooses and records the neighbour images of every wanted image that has none recorded
    /// under the current selection parameters (method "seed"); recorded ones are kept, so a
    /// rerun masks against the same images. Returns how many were chosen now.
    /// Also says how many of those have none: their masks will be tree2 ∨ tree3 alone.
    @discardableResult
    func recordNeighbours(_ found: Discovery.Result, store: SQLiteStatusStore) throws -> (chosen: Int, alone: Int) {
        guard parameters.mask.method.usesNeighbours else { return (0, 0) }
        let selection = NeighbourSelection(parameters.mask)
        let wanted = found.images.filter { $0.verdict.isWanted }.map(\.image)
        let stored = try store.neighbours(of: wanted.map(\.id))
        // A finished mask stands by the neighbours it was made with: they are chosen again only
        // for masks still to be made (new, queued, failed, or redone after a parameter change).
        let finished = Set(try store.refs(in: TaskState.final, stage: .cloudMask).map(\.key.id))
        let catalog = found.images.map(\.image)
        let listed = Dictionary(found.images.map { ($0.image.id, $0.image) }, uniquingKeysWith: { a, _ in a })
        var chosen: [String: Neighbours] = [:], refreshed: [String: Neighbours] = [:]
        for image in wanted where !(finished.contains(image.id) && stored[image.id] != nil) {
            // Kept as recorded while every neighbour is still listed: only where the catalog now
            // finds it may change (a moved folder). Chosen (again) when none is recorded, when
            // the selection keys changed, when the list is empty (the catalog may have grown),
            // or when a neighbour left the catalog.
            if let kept = stored[image.id], kept.selection == selection.digest, !kept.recent.isEmpty,
               kept.all.allSatisfy({ listed[$0.id] != nil }) {
                let update = { (refs: [NeighbourRef]) in refs.map { ref -> NeighbourRef in
                    var ref = ref
                    ref.source = listed[ref.id]!.source
                    return ref
                } }
                let moved = Neighbours(recent: update(kept.recent), leastCloudy: update(kept.leastCloudy), selection: kept.selection)
                if moved != kept { refreshed[image.id] = moved }
                continue
            }
            chosen[image.id] = try selection.select(for: image, among: catalog) { candidate in
                try Footprint.coveredFraction(of: image.footprint, by: candidate.footprint)
            }
        }
        try store.saveNeighbours(chosen.merging(refreshed) { a, _ in a })
        return (chosen.count, chosen.values.filter { $0.recent.isEmpty }.count)
    }
}
