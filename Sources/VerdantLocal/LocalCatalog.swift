import Foundation
import VerdantMask
import VerdantCore
import VerdantRaster

/// A static STAC catalog on disk as a `Catalog`: it lists every item (a static catalog cannot
/// search); discovery filters them.
public struct LocalCatalog: Catalog {
    public let path: String
    public let coefNormalisation: Double

    public init(path: String, coefNormalisation: Double) {
        self.path = path; self.coefNormalisation = coefNormalisation
    }

    public func list(_ query: CatalogQuery) throws -> CatalogListing {
        let listing = try StacCatalog.load(path: path, coefNormalisation: coefNormalisation)
        var result = CatalogListing(source: "static STAC catalog \(path)", images: listing.items.map(\.catalogImage),
                                    failures: listing.failures.map(\.catalogFailure))
        result.bandTables = Set(listing.items.compactMap(\.bandTable)).sorted()
        return result
    }
}

extension CatalogItem {
    /// What discovery and the store keep of an item; the job reads the item file again.
    public var catalogImage: CatalogImage {
        var image = CatalogImage(id: id, acquired: datetime, end: endDatetime, tile: tile, footprint: footprint,
                                 cloudCover: cloudCover, source: itemPath)
        image.spectral = ReflectanceBands.names.allSatisfy { bands[$0] != nil }
        return image
    }
}

extension StacCatalog.ItemFailure {
    /// The failure as discovery records it: the image (when its id was readable) fails alone.
    public var catalogFailure: CatalogFailure {
        var location = file
        if let position { location += linkedFrom.map { " (\(position) of \($0))" } ?? " \(position)" }
        if let field { location += ": \(field)" }
        return CatalogFailure(id: id, acquired: datetime, location: location, source: file, problem: problem)
    }
}

/// Discovery's spatial tests through GDAL/OGR.
public struct GDALAreaTests: AreaTests {
    public let geometry: PolygonCoordinates
    /// nil: no local land test (an Earth Engine table clips the masks on Earth Engine instead).
    public let land: LandArea?

    public init(geometry: PolygonCoordinates, land: LandArea?) {
        self.geometry = geometry; self.land = land
    }

    public func meetsGeometry(_ footprint: String) throws -> Bool {
        try Footprint.intersects(geoJSON: footprint, polygon: geometry)
    }

    public func meetsLand(_ footprint: String) throws -> Bool {
        try land?.intersects(footprintGeoJSON: footprint) ?? true
    }
}
