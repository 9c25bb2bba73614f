import Foundation

/// The cloud mask an NDVI raster was made from, as its sidecar records it, so gap filling can
/// tell which mask (and which run of the mask job) every NDVI value went through.
struct MaskProvenance: Equatable {
    var maskPath: String
    var requestId: String

    /// `<mask>.json` beside `<mask>.tif`, as CloudMaskJob writes them.
    static func sidecarPath(ofMask maskPath: String) -> String {
        URL(fileURLWithPath: maskPath).deletingPathExtension().appendingPathExtension("json").path
    }

    /// Reads the mask's sidecar and checks that the mask is `imageId`'s: a mask of another image
    /// on the same tile would have the same grid and go unnoticed otherwise.
    static func read(maskPath: String, imageId: String) throws -> MaskProvenance {
        let path = sidecarPath(ofMask: maskPath)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "not JSON" : "no such file"
            throw NDVIError.unreadableMaskSidecar(path: path, reason: reason)
        }
        guard let fields = object as? [String: Any] else {
            throw NDVIError.unreadableMaskSidecar(path: path, reason: "not a JSON object")
        }
        guard let requestId = fields["request_id"] as? String else {
            throw NDVIError.unreadableMaskSidecar(path: path, reason: "no \"request_id\" string")
        }
        guard let id = fields["id"] as? String else {
            throw NDVIError.unreadableMaskSidecar(path: path, reason: "no \"id\" string")
        }
        guard id == imageId else { throw NDVIError.maskOfAnotherImage(path: maskPath, expected: imageId, found: id) }
        return MaskProvenance(maskPath: maskPath, requestId: requestId)
    }
}
