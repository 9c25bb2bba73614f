import Foundation

/// One image as any catalog lists it (a local STAC catalog, a STAC API, SAFE products, the
/// Earth Engine listing): what discovery and the store need, nothing engine-specific.
public struct CatalogImage: Sendable, Equatable {
    /// Earth Engine style id: `20170216T102101_20170216T102204_T33UUU`.
    public var id: String
    /// `system:time_start`.
    public var acquired: Date
    /// `system:time_end` (the start when the catalog gives none).
    public var end: Date
    /// MGRS tile, e.g. `33UUU`.
    public var tile: String
    /// GeoJSON geometry text in EPSG:4326.
    public var footprint: String
    /// Percent, when the catalog tells.
    public var cloudCover: Double?
    /// Where an engine finds it: an item file, an asset id.
    public var source: String
    /// Whether it carries the reflectance bands (false for an NDVI-only item): only such
    /// images serve as the cloud model's neighbours.
    public var spectral = true

    public init(id: String, acquired: Date, end: Date, tile: String, footprint: String, cloudCover: Double?, source: String) {
        self.id = id; self.acquired = acquired; self.end = end; self.tile = tile
        self.footprint = footprint; self.cloudCover = cloudCover; self.source = source
    }
}

/// An entry of a catalog that could not be read as an image: it fails alone.
public struct CatalogFailure: Sendable, Equatable, CustomStringConvertible {
    /// The image id, when the entry had a readable one (then its task is recorded FAILED).
    public var id: String?
    public var acquired: Date?
    /// File and position in it, e.g. `catalog.json links[3] -> item.json: properties.datetime`.
    public var location: String
    /// Where an engine would read the entry once it is fixed (the item's file), when known.
    public var source: String?
    public var problem: String

    public init(id: String?, acquired: Date?, location: String, source: String? = nil, problem: String) {
        self.id = id; self.acquired = acquired; self.location = location; self.source = source; self.problem = problem
    }
    public var description: String { "\(location): \(problem)" }
}

public struct CatalogListing: Sendable {
    /// What was read ("static STAC catalog samples/catalog/catalog.json").
    public var source: String
    public var images: [CatalogImage]
    public var failures: [CatalogFailure]
    /// The band tables (`collections/<name>.toml`) the images were read with, sorted; empty
    /// when every image was read by the usual names.
    public var bandTables: [String] = []
    public init(source: String, images: [CatalogImage], failures: [CatalogFailure] = []) {
        self.source = source; self.images = images; self.failures = failures
    }
}

/// Where images come from. A catalog may use the query to list less (a STAC API searches by
/// date and area); discovery applies the same filters to whatever it returns. Asynchronous:
/// a remote catalog (Earth Engine, a STAC API) lists over the network.
public protocol Catalog: Sendable {
    func list(_ query: CatalogQuery) async throws -> CatalogListing
}

public struct CatalogQuery: Sendable, Equatable {
    /// The extended date range, whole days inclusive.
    public var start: CalendarDate
    public var end: CalendarDate
    public var geometry: PolygonCoordinates
    public init(start: CalendarDate, end: CalendarDate, geometry: PolygonCoordinates) {
        self.start = start; self.end = end; self.geometry = geometry
    }
    public init(_ p: Parameters) {
        self.init(start: p.dates.extendedStart, end: p.dates.extendedEnd, geometry: p.area.geometry)
    }
}

/// The spatial tests of discovery, done by a geometry library outside Core (GDAL/OGR).
public protocol AreaTests: Sendable {
    /// Does the footprint meet `area.geometry`?
    func meetsGeometry(_ footprint: String) throws -> Bool
    /// Does the footprint meet `land_geometry`?
    func meetsLand(_ footprint: String) throws -> Bool
}
