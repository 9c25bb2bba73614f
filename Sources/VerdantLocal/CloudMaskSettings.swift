import VerdantCore

/// What a cloud-mask job needs from the parameters, and records in each mask's sidecar.
public struct CloudMaskSettings: Sendable, Equatable {
    /// Metres per output pixel (the original exported at 30 m).
    public var scale: Double
    /// COEF_NORMALISATION: recorded only; band assets already carry their scale and offset.
    public var coefNormalisation: Double
    /// `MaskMethod` raw value; "hollstein" is the single-image model (tree2 ∨ tree3).
    public var method: String
    /// The land vector as given (recorded in the sidecar).
    public var landGeometryPath: String
    /// Threads for the Hollstein pass. 1 by default: the local engine already runs one job per
    /// core, and a 30 m tile (13 M pixels) takes about a tenth of a second on one.
    public var workers: Int

    public init(scale: Double = 30, coefNormalisation: Double = 10000, method: String = MaskMethod.hollstein.rawValue,
                landGeometryPath: String, workers: Int = 1) {
        self.scale = scale; self.coefNormalisation = coefNormalisation; self.method = method
        self.landGeometryPath = landGeometryPath; self.workers = workers
    }

    /// The settings a run's parameters give.
    public init(parameters: Parameters) {
        self.init(scale: parameters.area.scale, coefNormalisation: parameters.mask.coefNormalisation,
                  method: parameters.mask.method.rawValue,
                  landGeometryPath: parameters.resolve(parameters.area.landGeometry))
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
    case unknownMethod(item: String, method: String)

    public var description: String {
        switch self {
        case .missingBand(let item, let band): return "\(item): the catalog item has no asset for band \(band)"
        case .unknownMethod(let item, let method): return "\(item): cloud-mask method \"\(method)\" is not implemented"
        }
    }
}
