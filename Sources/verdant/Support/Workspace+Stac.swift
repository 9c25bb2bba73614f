import Foundation
import VerdantCore
import VerdantLocal
import VerdantStacAPI

extension Workspace {
    /// Where a STAC API's listings and items are recorded (jobs read their items there).
    var stacDirectory: String { layout.root.appendingPathComponent("stac").path }
    /// Where the granules of SAFE products are recorded as STAC items (jobs read them there).
    var safeDirectory: String { layout.root.appendingPathComponent("safe").path }

    /// `run.catalog` as a file, for the commands that read a static catalog whole (train,
    /// evaluate-mask); a STAC API or SAFE products there are refused with what to give instead.
    func staticCatalogPath() throws -> String {
        guard !parameters.run.catalogIsAPI else {
            throw BadInput("\(parametersPath): run.catalog is a STAC API (\(parameters.run.catalog)); this command reads a static catalog: give one with --catalog")
        }
        let path = parameters.resolve(parameters.run.catalog)
        guard !SafeCatalog.isProducts(path) else {
            throw BadInput("\(parametersPath): run.catalog is SAFE products (\(path)); this command reads a static STAC catalog or ItemCollection: give one with --catalog")
        }
        return path
    }
}

/// A STAC API catalog whose failures are sorted for the exit code: an API out of reach or
/// failing (5xx, 429 after the retries) is the machine's (exit 3); a URL that answers 4xx or
/// something that is not a STAC API is the user's input (exit 2). Both name the URL and status.
struct SearchReaching: Catalog {
    let inner: StacAPICatalog
    func list(_ query: CatalogQuery) async throws -> CatalogListing {
        do { return try await inner.list(query) } catch let failure as StacSearch.Failure {
            if failure.isOutage { throw MachineError("run.catalog: \(failure)") }
            throw BadInput("run.catalog: \(failure)")
        } catch let error as StacAPICatalog.RecordError {
            throw MachineError("\(error)")
        }
    }
}

/// SAFE products as a catalog whose failure to record a granule's item (a full or read-only
/// output folder) is the machine's (exit 3), not the input's.
struct RecordingCatalog: Catalog {
    let inner: SafeCatalog
    func list(_ query: CatalogQuery) async throws -> CatalogListing {
        do { return try inner.list(query) } catch let error as StacCatalog.Error {
            throw MachineError("\(error)")
        }
    }
}
