import Foundation
import VerdantCore
import VerdantLocal
import VerdantMask

/// What a "seed" cloud-mask job loads besides its image: the model and the neighbour items.
enum JobModel {
    static func load(_ settings: CloudMaskSettings) throws -> CloudModel {
        do {
            return try CloudModel(file: try CloudModelFile.load(path: settings.modelPath), cutoff: Float(settings.cutoff),
                                  percentile: settings.percentile)
        } catch let error as CloudModelError {
            throw BadInput("mask.model: \(error)")
        }
    }

    /// `percentile1=ID=ITEM` arguments → the items of each background. A neighbour whose item
    /// cannot be read fails the job at once (waiting will not bring it back within this run; the
    /// next run refreshes where neighbours are, or chooses others when one left the catalog, and
    /// tries the image again) rather than masking against a thinner background.
    static func neighbours(_ arguments: [String], coefNormalisation: Double) throws -> [NeighbourSet: [CatalogItem]] {
        var result: [NeighbourSet: [CatalogItem]] = [:]
        var loaded: [String: CatalogItem] = [:]
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 2).map(String.init)
            guard parts.count == 3, let set = NeighbourSet(rawValue: parts[0]) else {
                throw BadInput("--neighbour \(argument): expected percentile1|percentile5=ID=ITEM")
            }
            let item: CatalogItem
            if let known = loaded[parts[1]] {
                item = known
            } else {
                do {
                    item = try StacCatalog.loadItem(path: parts[2], id: parts[1], coefNormalisation: coefNormalisation)
                } catch {
                    throw BadInput("neighbour image \(parts[1]) cannot be read (\(error)); "
                        + "the next `verdant run` looks for it in the catalog again")
                }
                loaded[parts[1]] = item
            }
            result[set, default: []].append(item)
        }
        return result
    }
}
