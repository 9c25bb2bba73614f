import Foundation

/// What verdant takes for a Sentinel-2 SAFE product on disk: one rule for the parameters'
/// check (a folder holding none is refused) and the listing (which reads them).
public enum SafeProducts {
    /// A name ending `.SAFE` or `.zip` in any case, or a folder with `GRANULE/` in it.
    public static func isProduct(_ path: String) -> Bool {
        let name = path.lowercased()
        return name.hasSuffix(".safe") || name.hasSuffix(".zip")
            || FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("GRANULE"))
    }

    /// Whether `folder` holds at least one product.
    public static func folderHoldsProducts(_ folder: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.contains { isProduct((folder as NSString).appendingPathComponent($0)) }
    }
}
