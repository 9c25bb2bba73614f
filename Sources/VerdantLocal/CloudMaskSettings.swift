import VerdantCore
import VerdantMask

/// What a cloud-mask job needs from the parameters, and records in each mask's sidecar. A run
/// writes it once as JSON beside its copy of the land area; every job reads that file.
public struct CloudMaskSettings: Sendable, Equatable, Codable {
    /// Metres per output pixel (the original exported at 30 m).
    public var scale: Double
    /// COEF_NORMALISATION: the scale of band assets that declare none.
    public var coefNormalisation: Double
    /// `MaskMethod` raw value.
    public var method: String
    /// The land vector as given (recorded in the sidecar).
    public var landGeometryPath: String
    /// Threads for the pixel passes. 1 by default: the local engine already runs one job per core.
    public var workers: Int
    public var radiometricOffset: String = RadiometricOffset.auto.rawValue
    /// Method "seed": the model file (the run's fixed copy), cut-off and the percentile tests.
    public var modelPath: String = ""
    public var cutoff: Double = 0.29
    /// `[mask.clustering]` as the parameters give it.
    public var clustering = ClusteringSettings()
    /// Other methods' assets.
    public var sclAsset = "scl"
    public var sclClasses = [3, 8, 9, 10]
    public var probabilityAsset = "cloud_probability"
    public var probabilityThreshold = 0.4
    public var maskAsset = "cloud_mask"
    /// `mask.fallback`: "mask" gives an image without the bands of `method` its `maskAsset`.
    public var fallback = MaskFallback.none.rawValue
    /// `mask.ndvi_asset`, for the NDVI stage (which reads these settings too).
    public var ndviAsset = "ndvi"
    /// Bytes of neighbour values read at once for the backgrounds (a window of rows of one band
    /// of every neighbour).
    public var windowBytes = 256 << 20

    public init(scale: Double = 30, coefNormalisation: Double = 10000, method: String = MaskMethod.hollstein.rawValue,
                landGeometryPath: String, workers: Int = 1) {
        self.scale = scale; self.coefNormalisation = coefNormalisation; self.method = method
        self.landGeometryPath = landGeometryPath; self.workers = workers
    }

    /// The settings a run's parameters give; `modelPath` is the model file to read (the run's copy).
    public init(parameters p: Parameters, modelPath: String? = nil) {
        self.init(scale: p.area.scale, coefNormalisation: p.mask.coefNormalisation, method: p.mask.method.rawValue,
                  landGeometryPath: p.resolve(p.area.landGeometry))
        let m = p.mask
        radiometricOffset = m.radiometricOffset.rawValue
        self.modelPath = modelPath ?? p.resolve(m.model)
        cutoff = m.cutoff
        clustering = m.clustering
        sclAsset = m.sclAsset; sclClasses = m.sclClasses
        probabilityAsset = m.probabilityAsset; probabilityThreshold = m.probabilityThreshold; maskAsset = m.maskAsset
        fallback = m.fallback.rawValue
        ndviAsset = m.ndviAsset
    }

    public var offsetRule: RadiometricOffset { RadiometricOffset(rawValue: radiometricOffset) ?? .auto }

    /// The percentile tests' settings on a grid of `scale` metres.
    public var percentile: PercentileTest.Settings {
        let c = clustering
        var s = PercentileTest.Settings()
        s.numPixels = c.numPixels; s.nClusters = c.nClusters
        s.thresholdDifCloud = Float(c.thresholdDifCloud); s.thresholdReflectance = Float(c.thresholdReflectance)
        s.scoreBands = c.bandsThresholds.compactMap(Sentinel2.index)
        s.growingRatio = c.growingRatio
        s.samplingStep = max(1, Int((c.samplingScale / scale).rounded()))
        s.clustering = c.doClustering
        return s
    }
}

/// What a finished cloud-mask job produced.
public struct CloudMaskResult: Sendable, Equatable {
    public var maskPath: String
    public var sidecarPath: String
    /// Cloud pixels / valid pixels (valid: inside footprint and land, every band present).
    public var cloudFraction: Double
    /// Clear pixels / valid pixels.
    public var clearFraction: Double
    /// Nodata pixels / all pixels of the grid.
    public var nodataFraction: Double

    public init(maskPath: String, sidecarPath: String, cloudFraction: Double, clearFraction: Double,
                nodataFraction: Double) {
        self.maskPath = maskPath; self.sidecarPath = sidecarPath; self.cloudFraction = cloudFraction
        self.clearFraction = clearFraction; self.nodataFraction = nodataFraction
    }
}

/// Errors of a cloud-mask job that are not raster errors.
public enum CloudMaskError: Error, Equatable, CustomStringConvertible {
    case missingBand(item: String, band: String)
    case missingAsset(item: String, asset: String, method: String, key: String)
    case unknownMethod(item: String, method: String)

    public var description: String {
        switch self {
        case .missingBand(let item, let band): return "\(item): the catalog item has no asset for band \(band)"
        case .missingAsset(let item, let asset, let method, let key):
            return "\(item): mask.method \"\(method)\" reads the asset \"\(asset)\" (\(key)), which the catalog item does not have"
        case .unknownMethod(let item, let method): return "\(item): cloud-mask method \"\(method)\" is not implemented"
        }
    }
}
