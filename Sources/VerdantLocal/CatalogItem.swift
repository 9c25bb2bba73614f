import Foundation
import VerdantCore

/// One Sentinel-2 image of a local STAC catalog, as the local engine needs it.
public struct CatalogItem: Sendable, Equatable {
    /// Earth Engine style id: `20170216T102101_20170216T102204_T33UUU`.
    public var id: String
    /// `datetime` of the item (`system:time_start`).
    public var datetime: Date
    /// `end_datetime` when given, else `datetime` (`system:time_end`).
    public var endDatetime: Date
    /// The footprint, GeoJSON geometry text in EPSG:4326.
    public var footprint: String
    /// MGRS tile, e.g. `33UUU`.
    public var tile: String
    /// `eo:cloud_cover`, percent.
    public var cloudCover: Double?
    /// Absolute path of the item's JSON file.
    public var itemPath: String
    /// One asset per band, keyed by the names of `sentinel2Bands` (B1 … B12, B8A).
    public var bands: [String: BandAsset]
    /// The item's other raster assets by their key (lower case): `scl`, a cloud probability,
    /// a cloud mask (mask methods other than the models).
    public var otherAssets: [String: BandAsset] = [:]
    /// `s2:processing_baseline`, when the item gives it (04.00 and later add 1000 DN).
    public var processingBaseline: Double?
    /// The band table (`collections/<name>.toml`) the item was read with, nil for the usual names.
    public var bandTable: String?

    public init(id: String, datetime: Date, endDatetime: Date, footprint: String, tile: String,
                cloudCover: Double?, itemPath: String, bands: [String: BandAsset]) {
        self.id = id; self.datetime = datetime; self.endDatetime = endDatetime; self.footprint = footprint
        self.tile = tile; self.cloudCover = cloudCover; self.itemPath = itemPath; self.bands = bands
    }
}

/// A band file and how its values become top-of-atmosphere reflectance.
public struct BandAsset: Sendable, Equatable {
    /// Absolute path (or a GDAL path such as `/vsicurl/...`).
    public var path: String
    /// reflectance = value × scale + offset. From the asset's `raster:bands`; when absent,
    /// scale = 1 / COEF_NORMALISATION and offset = −1000 / COEF_NORMALISATION for processing
    /// baseline 04.00 and later, else 0 (seed-algorithm.md §1).
    public var scale: Double
    public var offset: Double
    /// Whether `raster:bands` declared the offset (else it is 0 and the radiometric rule decides).
    public var offsetDeclared = false
    /// The value meaning "no data" (L1C: 0), when the asset or the file declares one.
    public var nodata: Double?

    public init(path: String, scale: Double, offset: Double, nodata: Double?, offsetDeclared: Bool = false) {
        self.path = path; self.scale = scale; self.offset = offset; self.nodata = nodata; self.offsetDeclared = offsetDeclared
    }

    /// What to add after scaling, under `rule` (seed-algorithm.md §1): baseline 04.00 and later
    /// (from 2022-01-25) add 1000 DN, i.e. an offset of −1000 × scale.
    public func offset(under rule: RadiometricOffset, baseline: Double?, acquired: Date) -> Double {
        switch rule {
        case .keep: return 0
        case .remove: return -1000 * scale
        case .auto:
            if offsetDeclared { return offset }
            if let baseline { return baseline >= 4 ? -1000 * scale : 0 }
            return acquired >= Self.baseline4Start ? -1000 * scale : 0
        }
    }

    /// 2022-01-25T00:00:00Z, the first day of processing baseline 04.00.
    public static let baseline4Start = Date(timeIntervalSince1970: 1_643_068_800)
}
