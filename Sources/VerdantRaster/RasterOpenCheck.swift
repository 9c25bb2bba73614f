/// Whether GDAL can open a raster, without reading its pixels: what "an output that opens"
/// means to `verdant repair`.
public enum RasterOpenCheck {
    /// nil when the file opens as a raster, else why not.
    public static func problem(opening path: String) -> String? {
        do {
            _ = try RasterDataset(openingPath: path)
            return nil
        } catch {
            return String(describing: error)
        }
    }
}
