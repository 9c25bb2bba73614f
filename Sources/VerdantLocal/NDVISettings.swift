import VerdantCore

/// What an NDVI job records of the parameters. The grid itself is the cloud mask's, so the
/// NDVI lines up with the mask pixel for pixel whatever these say.
public struct NDVISettings: Sendable, Equatable {
    /// Metres per pixel of the run (`area.scale`), recorded for reference.
    public var scale: Double
    /// How B4 and B8 become reflectance, as for the masks (`mask.radiometric_offset`).
    public var radiometricOffset: RadiometricOffset
    /// `mask.ndvi_asset`: an item with this asset gives its NDVI from it, not from B4 and B8.
    public var ndviAsset: String

    public init(scale: Double = 30, radiometricOffset: RadiometricOffset = .auto, ndviAsset: String = "ndvi") {
        self.scale = scale; self.radiometricOffset = radiometricOffset; self.ndviAsset = ndviAsset
    }

    /// The settings a run's parameters give.
    public init(parameters: Parameters) {
        self.init(scale: parameters.area.scale, radiometricOffset: parameters.mask.radiometricOffset,
                  ndviAsset: parameters.mask.ndviAsset)
    }
}

/// What a finished NDVI job produced.
public struct NDVIResult: Sendable, Equatable {
    public var ndviPath: String
    public var sidecarPath: String
    /// Pixels with an NDVI value / all pixels of the grid.
    public var validFraction: Double
    /// Pixels the mask marks as cloud / all pixels.
    public var cloudFraction: Double
    /// The other pixels (mask nodata, missing band data, B8 + B4 ≤ 0) / all pixels.
    public var nodataFraction: Double
    /// Mean NDVI of the valid pixels; nil when there is none.
    public var meanNDVI: Double?

    public init(ndviPath: String, sidecarPath: String, validFraction: Double, cloudFraction: Double,
                nodataFraction: Double, meanNDVI: Double?) {
        self.ndviPath = ndviPath; self.sidecarPath = sidecarPath; self.validFraction = validFraction
        self.cloudFraction = cloudFraction; self.nodataFraction = nodataFraction; self.meanNDVI = meanNDVI
    }
}

/// Errors of an NDVI job about its input mask that are not raster errors (a missing or
/// unreadable mask file is a `RasterError` naming it; a missing band, `CloudMaskError.missingBand`).
public enum NDVIError: Error, Equatable, CustomStringConvertible {
    case unreadableMaskSidecar(path: String, reason: String)
    case maskOfAnotherImage(path: String, expected: String, found: String)

    public var description: String {
        switch self {
        case .unreadableMaskSidecar(let path, let reason):
            return "\(path): the cloud mask's sidecar cannot be used (\(reason))"
        case .maskOfAnotherImage(let path, let expected, let found):
            return "\(path): this cloud mask belongs to image \(found), not \(expected)"
        }
    }
}
