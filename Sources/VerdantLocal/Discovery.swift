import Foundation
import VerdantCore

/// The original's listing step (seed-algorithm.md §5.1–5.3): the catalog's images in the
/// extended date range whose footprint meets `geometry`, each given its first state — EXCLUDED
/// (image_to_exclude, exported JSON), SKIPPED (result already in the output folder),
/// OUT_OF_AREA (footprint misses land_geometry) or QUEUED.
public struct Discovery {
    public var parameters: Parameters
    /// Does the footprint meet `area.geometry`? (GDAL/OGR, wired by the caller.)
    public var meetsGeometry: (CatalogItem) throws -> Bool
    /// Does the footprint meet `land_geometry`?
    public var meetsLand: (CatalogItem) throws -> Bool
    public var isPublished: (String) -> Bool
    /// Ids from the exported-images JSON file (the original's JSON_FILE).
    public var exportedIds: Set<String>

    public init(parameters: Parameters, meetsGeometry: @escaping (CatalogItem) throws -> Bool,
                meetsLand: @escaping (CatalogItem) throws -> Bool, isPublished: @escaping (String) -> Bool,
                exportedIds: Set<String> = []) {
        self.parameters = parameters; self.meetsGeometry = meetsGeometry; self.meetsLand = meetsLand
        self.isPublished = isPublished; self.exportedIds = exportedIds
    }

    public struct Result {
        public var images: [DiscoveredImage]
        public var outsideDates = 0
        public var outsideGeometry = 0
        public init(images: [DiscoveredImage], outsideDates: Int = 0, outsideGeometry: Int = 0) {
            self.images = images; self.outsideDates = outsideDates; self.outsideGeometry = outsideGeometry
        }
        public func count(_ state: TaskState) -> Int { images.filter { $0.record.state == state }.count }
    }

    public func discover(_ items: [CatalogItem]) throws -> Result {
        var result = Result(images: [])
        let excluded = Set(parameters.area.imageToExclude).union(exportedIds)
        for item in items {
            guard parameters.dates.containsExtended(item.datetime) else { result.outsideDates += 1; continue }
            guard try meetsGeometry(item) else { result.outsideGeometry += 1; continue }
            let (state, reason): (TaskState, String)
            if excluded.contains(item.id) {
                (state, reason) = (.excluded, exportedIds.contains(item.id) ? "listed in run.exported_json" : "listed in area.image_to_exclude")
            } else if isPublished(item.id) {
                (state, reason) = (.skipped, "result already in the output folder")
            } else if try !meetsLand(item) {
                (state, reason) = (.outOfArea, "footprint does not meet land_geometry")
            } else {
                (state, reason) = (.queued, "in range and in area")
            }
            let record = ImageRecord(id: item.id, stage: .cloudMask, acquired: item.datetime, tile: item.tile,
                                     footprint: item.footprint, cloudCover: item.cloudCover, source: item.itemPath,
                                     state: state)
            result.images.append(DiscoveredImage(record: record, reason: reason))
        }
        return result
    }
}

extension Discovery.Result {
    /// Images already in the store whose exclusion changed since: QUEUED ones now listed in
    /// image_to_exclude / exported_json become EXCLUDED, EXCLUDED ones no longer listed are
    /// queued again. Other states are left alone (work done or in flight stays as it is).
    public func exclusionChanges(in store: StatusStore) throws -> [Transition] {
        var changes: [Transition] = []
        for image in images {
            let wanted = image.record.state
            guard wanted == .excluded || wanted == .queued,
                  let stored = try store.record(id: image.record.id, stage: image.record.stage) else { continue }
            if stored.state == .queued && wanted == .excluded {
                changes.append(Transition(stored, to: .excluded, detail: image.reason))
            } else if stored.state == .excluded && wanted == .queued {
                changes.append(Transition(stored, to: .queued, detail: "no longer excluded"))
            }
        }
        return changes
    }
}
