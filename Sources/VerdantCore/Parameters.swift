import Foundation

/// Everything a run needs, as read from parameters.toml (seed-algorithm.md §1 plus verdant's
/// own settings). Defaults are the original's. Paths are kept as written; `resolve(_:)` makes
/// them absolute against the parameters file's folder.
public struct Parameters: Sendable, Equatable {
    public var run = RunSettings()
    public var dates = DateSettings()
    public var area = AreaSettings()
    public var mask = MaskSettings()
    public var gapFill = GapFillSettings()
    public var productivity = ProductivitySettings()
    public var earthEngine = EarthEngineSettings()
    public var dashboard = DashboardSettings()
    /// The folder relative paths are resolved against (the parameters file's).
    public var baseDirectory: String = FileManager.default.currentDirectoryPath

    public init() {}

    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }
}

public enum EngineKind: String, Sendable, CaseIterable {
    case local
    case earthEngine = "earthengine"
}

public struct RunSettings: Sendable, Equatable {
    public var engine: EngineKind = .local
    /// A static STAC catalog (`catalog.json`), an ItemCollection (`.json`/`.geojson`), a STAC
    /// API's root URL (`https://…`, searched for `collections`), or a folder of SAFE products
    /// (or one product, a `.SAFE` folder or `.zip`).
    public var catalog = "samples/series/catalog.json"
    /// The STAC API collections searched (a STAC API catalog only).
    public var collections: [String] = []
    /// Items above this cloud cover (percent, `eo:cloud_cover`) are left out by the STAC API's
    /// search; 100 sends no filter.
    public var maxCloudCover: Double = 100
    public var output = "output"
    public var statusStore = "output/status.sqlite"
    public var logFile = "output/verdant.log"
    /// The original's JSON_FILE: images exported elsewhere; they are not processed again.
    public var exportedJson: String? = nil
    public var refresh: Double = 30
    public var nbTaskMax = 30
    /// Local engine jobs at once; 0 means one per core.
    public var workers = 0
    public var maxAttempts = 3
    public var retryBackoff: Double = 60
    /// The last stage a run goes to: masks alone, up to NDVI, up to the gap-filled series, or
    /// all the way to the productivity maps.
    public var until: LastStage = .productivity
    public init() {}

    /// The catalog is a STAC API (an http(s) URL), not a file.
    public var catalogIsAPI: Bool { catalog.hasPrefix("https://") || catalog.hasPrefix("http://") }
}

/// `run.until`: where the stage graph stops (StageGraph.local(until:)).
public enum LastStage: String, Sendable, CaseIterable {
    case cloudmask, ndvi, gapfill, productivity
}

public struct DateSettings: Sendable, Equatable {
    public var start = CalendarDate(year: 2017, month: 1, day: 1)!
    public var end = CalendarDate(year: 2017, month: 6, day: 30)!
    public var nbDaysBefore = 30
    public var nbDaysAfter = 30
    public init() {}

    /// The range images are listed for: extra days around it feed interpolation (§1).
    public var extendedStart: CalendarDate { start.adding(days: -nbDaysBefore) }
    public var extendedEnd: CalendarDate { end.adding(days: nbDaysAfter) }

    /// True when `date` falls in the extended range, whole days inclusive.
    public func containsExtended(_ date: Date) -> Bool {
        date >= extendedStart.start && date < extendedEnd.adding(days: 1).start
    }
}

/// A polygon in lon/lat (EPSG:4326): rings of [lon, lat] points, outer ring first.
public typealias PolygonCoordinates = [[[Double]]]

public struct AreaSettings: Sendable, Equatable {
    /// Pre-filter of the catalog (the original's `geometry`): a small area in Scotland.
    public var geometry: PolygonCoordinates = [[[-4.0, 56.0], [-3.5, 56.0], [-3.5, 56.3], [-4.0, 56.3], [-4.0, 56.0]]]
    /// Vector file (GeoJSON, GeoPackage, Shapefile) or, for Earth Engine, an asset path.
    public var landGeometry = "samples/land.geojson"
    public var imageToExclude: [String] = []
    /// Metres per output pixel.
    public var scale: Double = 30
    public init() {}
}

public enum MaskMethod: String, Sendable, CaseIterable {
    /// The original's full model (seed-algorithm.md §2–§4): single-image tests, multitemporal
    /// tests against backgrounds of neighbour images, a random forest's P(cloud) > cutoff.
    case seed
    /// Single-image Hollstein tests, tree2 ∨ tree3 (seed-algorithm.md §2).
    case hollstein
    /// Sen2Cor's scene classification: cloud where the SCL class is one of `scl_classes`.
    case scl
    /// A cloud-probability asset (s2cloudless): cloud where it exceeds a threshold.
    case probability
    /// An existing 0/1 cloud-mask asset, taken as it is.
    case mask

    /// Whether the method reads neighbour images (and so needs them recorded with the task).
    public var usesNeighbours: Bool { self == .seed }
}

/// How the −1000 DN radiometric offset of processing baseline 04.00 and later is removed
/// (seed-algorithm.md §1).
public enum RadiometricOffset: String, Sendable, CaseIterable {
    /// From the item: its assets' `raster:bands` offset, else `s2:processing_baseline` ≥ 04.00,
    /// else acquisitions from 2022-01-25 on.
    case auto
    /// Always subtract 1000 DN.
    case remove
    /// Never: the values are taken as they are.
    case keep
}

public struct ClusteringSettings: Sendable, Equatable, Codable {
    public var numPixels = 5000
    public var nClusters = 10
    public var thresholdDifCloud = 0.04
    public var thresholdReflectance = 0.175
    public var bandsThresholds = ["B4", "B3", "B2"]
    public var growingRatio = 2
    public var samplingScale: Double = 30
    /// false: the two scores per pixel instead of per cluster (seed-algorithm.md §3 step 7).
    public var doClustering = true
    public init() {}
}

public struct MaskSettings: Sendable, Equatable {
    public var method: MaskMethod = .seed
    /// The trained forest of method "seed" (a `verdant train` model file).
    public var model = "models/cloud-forest.json"
    public var radiometricOffset: RadiometricOffset = .auto
    /// Method "scl": the asset holding Sen2Cor's classes, and the classes meaning cloud.
    public var sclAsset = "scl"
    public var sclClasses = [3, 8, 9, 10]
    /// Method "probability": the asset and the threshold (cloud where the asset's value, after
    /// its declared scale and offset, exceeds it).
    public var probabilityAsset = "cloud_probability"
    public var probabilityThreshold = 0.4
    /// Method "mask": the 0/1 asset.
    public var maskAsset = "cloud_mask"
    public var coefNormalisation: Double = 10000
    public var numberTrees = 500
    public var cutoff = 0.29
    public var numberOfImages = 20
    public var numberPreselect = 40
    public var allowFuture = true
    public var numberHours: Double = 18
    public var commonArea = 0.95
    public var clustering = ClusteringSettings()
    /// What an image without the bands `method` reads gets instead (a catalog mixing scenes
    /// with bands and NDVI-only items, such as samples/series).
    public var fallback: MaskFallback = .mask
    /// The items' NDVI asset: where an item has it, the NDVI stage takes it (cut by the mask)
    /// instead of computing NDVI from B4 and B8.
    public var ndviAsset = "ndvi"
    public init() {}
}

/// `mask.fallback`.
public enum MaskFallback: String, Sendable, CaseIterable {
    /// The image fails with the missing band's name.
    case none
    /// The image's `mask_asset`, when it has one.
    case mask
}

/// `[gapfill]`: how each pixel's NDVI series is filled (seed-algorithm.md §6, README "Gap filling").
public struct GapFillSettings: Sendable, Equatable, Codable {
    public var method: GapFillMethod = .harmonicResidual
    /// Method "seed" only: lay the fits over the observed values too, as the original did.
    public var seedLiteral = false
    /// Megabytes of series a gap-filling job holds at once; a tile is cut into row windows
    /// that fit.
    public var memoryMB = 1024
    public init() {}
}

public enum GapFillMethod: String, Sendable, CaseIterable, Codable {
    /// The original's 10/5/1-harmonic cascade.
    case seed
    /// Straight lines between a pixel's clear values.
    case linear
    /// The default: a harmonic baseline plus faded, interpolated residuals (VerdantFill.HarmonicResidual).
    case harmonicResidual = "harmonic-residual"
}

/// `[productivity]`: seasons read from each pixel's gap-filled daily curve.
public struct ProductivitySettings: Sendable, Equatable {
    /// Seasons run a year from this month and day ("MM-DD"), clipped to the date range.
    public var seasonStart = "01-01"
    public var startFraction = 0.25
    public var endFraction = 0.15
    public var minAmplitude = 0.05
    public var peakFraction = 0.9
    public init() {}

    /// (month, day) of `seasonStart`, nil when it is not a valid "MM-DD".
    public var seasonStartMonthDay: (month: Int, day: Int)? {
        let parts = seasonStart.split(separator: "-")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let m = Int(parts[0]), let d = Int(parts[1]),
              (1...12).contains(m), d >= 1, d <= [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] else { return nil }
        return (m, d)
    }
}

public struct EarthEngineSettings: Sendable, Equatable {
    /// Google Cloud project billed; "" takes the credentials file's.
    public var project = ""
    /// A service-account key or the file `earthengine authenticate` writes; "" looks for
    /// `$GOOGLE_APPLICATION_CREDENTIALS`, then `~/.config/earthengine/credentials`.
    public var credentials = ""
    /// Where the REST API is (a test server's address in tests).
    public var apiURL = "https://earthengine.googleapis.com"
    public var collection = "COPERNICUS/S2_HARMONIZED"
    /// The original's folder_GEE: ImageCollection receiving the masks, either a full asset name
    /// (`projects/P/assets/a/b`) or a path under the project's root (`a/b`).
    public var destinationFolder = ""
    /// Submissions stop this many assets before the project's asset quota.
    public var assetMargin = 100
    /// Where the masks go: assets (`destination_folder`), Google Drive, or Cloud Storage.
    public var exportTo = ExportTarget.asset
    /// Drive folder receiving the GeoTIFFs with `export_to = "drive"`.
    public var driveFolder = ""
    /// `bucket` or `bucket/prefix` with `export_to = "cloud-storage"`.
    public var bucket = ""
    /// The original's JSON metadata of file exports (footprint, times per image); "" is
    /// `<output>/earthengine-exports.json`.
    public var metadataFile = ""
    public init() {}

    /// What is wrong with `bucket`'s form, or nil (Cloud Storage bucket names: 3 to 63 of
    /// lowercase letters, digits, -, _ and ., starting and ending with a letter or digit).
    public var bucketProblem: String? {
        let name = bucket.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
        guard (3...63).contains(name.count), name.allSatisfy(allowed.contains),
              name.first.map({ $0.isLetter || $0.isNumber }) == true, name.last.map({ $0.isLetter || $0.isNumber }) == true else {
            return "a bucket name (3 to 63 lowercase letters, digits, -, _, .), optionally followed by /PREFIX"
        }
        return nil
    }

    /// The destination as a full asset name under `project`.
    public func destinationName(project: String) -> String {
        destinationFolder.hasPrefix("projects/") ? destinationFolder : "projects/\(project)/assets/\(destinationFolder)"
    }

    /// What is wrong with `destination_folder`'s form, or nil.
    public var destinationProblem: String? {
        var path = Substring(destinationFolder)
        if path.hasPrefix("projects/") {
            let parts = path.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, !parts[1].isEmpty, parts[2] == "assets" else { return "a full name must read projects/PROJECT/assets/PATH" }
            path = parts[3]
        }
        return Self.assetPathProblem(path)
    }

    /// What is wrong with an asset path below a project's root (`a/b/c`), or nil.
    public static func assetPathProblem(_ path: Substring) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, segments.allSatisfy({ !$0.isEmpty && $0.count <= 100 && $0.allSatisfy(allowed.contains) }) else {
            return "path segments of letters, digits, _ and - separated by single slashes"
        }
        return nil
    }
}

/// `earthengine.export_to`.
public enum ExportTarget: String, Sendable, CaseIterable {
    case asset
    case drive
    case cloudStorage = "cloud-storage"
}

/// The Sentinel-2 band names, in L1C order.
public let sentinel2Bands = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]

/// How `verdant dashboard` looks and which keys it answers to.
public struct DashboardSettings: Sendable, Equatable {
    /// A theme of the `themes/` folder beside the parameters (or built in): default, dark,
    /// light, high-contrast, monochrome.
    public var theme = "default"
    /// A TOML file rebinding keys (README, "Dashboard"); nil: the default keys.
    public var keys: String? = nil
    public init() {}
}
