import Foundation
import VerdantCore

/// The Sentinel-2 collection on Earth Engine as a catalog: `:listAssets` of the collection
/// with the documented filter (extended dates, `area.geometry`), every page.
public struct EarthEngineCatalog: Catalog {
    let api: EarthEngineAPI
    /// `COPERNICUS/S2_HARMONIZED`, or a full asset name.
    public let collection: String

    public init(api: EarthEngineAPI, collection: String) { self.api = api; self.collection = collection }

    /// Public collections live in the `earthengine-public` project.
    public var collectionName: String {
        collection.hasPrefix("projects/") ? collection : "projects/earthengine-public/assets/\(collection)"
    }

    /// earth-engine-rest.md §2.1: times as RFC 3339 in double quotes, the region as GeoJSON
    /// with single quotes inside `intersects("…")`, clauses joined by AND. The end is exclusive:
    /// the day after the last one.
    public static func filter(_ query: CatalogQuery) -> String {
        let start = "\(query.start)T00:00:00Z"
        let end = "\(query.end.adding(days: 1))T00:00:00Z"
        let ring = query.geometry.map { ring in "[" + ring.map { "[\(number($0[0])), \(number($0[1]))]" }.joined(separator: ", ") + "]" }
        let region = "{'type': 'Polygon', 'coordinates': [\(ring.joined(separator: ", "))]}"
        return "startTime >= \"\(start)\" AND endTime < \"\(end)\" AND intersects(\"\(region)\")"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    public func list(_ query: CatalogQuery) async throws -> CatalogListing {
        let assets = try await api.listAssets(collectionName, filter: Self.filter(query))
        var images: [CatalogImage] = []
        var failures: [CatalogFailure] = []
        for (n, asset) in assets.enumerated() where asset.type == "IMAGE" {
            let location = "\(collectionName):listAssets assets[\(n)] \(asset.name)"
            guard let start = asset.startTime else {
                failures.append(CatalogFailure(id: asset.index, acquired: nil, location: location, source: asset.name, problem: "no startTime"))
                continue
            }
            guard let footprint = asset.geometry else {
                failures.append(CatalogFailure(id: asset.index, acquired: start, location: location, source: asset.name, problem: "no geometry"))
                continue
            }
            let tile = asset.properties["MGRS_TILE"] as? String ?? String(asset.index.split(separator: "_").last?.dropFirst() ?? "")
            let cloud = (asset.properties["CLOUDY_PIXEL_PERCENTAGE"] as? NSNumber)?.doubleValue
            images.append(CatalogImage(id: asset.index, acquired: start, end: asset.endTime ?? start, tile: tile,
                                       footprint: footprint, cloudCover: cloud, source: asset.name))
        }
        images.sort { ($0.acquired, $0.id) < ($1.acquired, $1.id) }
        return CatalogListing(source: "Earth Engine collection \(collection)", images: images, failures: failures)
    }

    /// What the destination holds: for each image id, the fingerprint its mask was made under
    /// ("" for an asset verdant did not make, such as the original's). Empty when the
    /// destination does not exist yet.
    public static func published(in destination: String, api: EarthEngineAPI) async throws -> [String: String] {
        guard try await api.assetExists(destination) else { return [:] }
        var found: [String: String] = [:]
        for asset in try await api.listAssets(destination) where asset.type == "IMAGE" {
            found[asset.index] = asset.properties[EarthEngineEngine.fingerprintProperty] as? String ?? ""
        }
        return found
    }
}
