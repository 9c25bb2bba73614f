import Foundation
import VerdantCore

/// The files the parameters name, checked before a run starts rather than hours into it.
/// Paths are resolved against the parameters file's folder, and the message shows the resolved
/// path because that is the one that was looked for.
enum FileChecks {
    static func issues(_ p: Parameters, skipping reported: Set<String>, engineKnown: Bool) -> [ParameterIssue] {
        var issues: [ParameterIssue] = []

        // Earth Engine lists its images itself; the catalog is the local engine's listing.
        // A STAC API is searched, not opened.
        if engineKnown, p.run.engine == .local, !p.run.catalogIsAPI, !reported.contains("run.catalog"),
           let problem = missingCatalog(p.resolve(p.run.catalog)) {
            issues.append(ParameterIssue(key: "run.catalog", expected: "an existing STAC catalog.json or ItemCollection file, a folder of SAFE products (or one .SAFE folder or .zip), or a STAC API URL (https://…)", found: problem))
        }

        // An engine value that could not be read says nothing about where the land geometry
        // should be looked for.
        if engineKnown, !reported.contains("area.land_geometry") {
            let land = p.area.landGeometry
            let asAsset = isEarthEngineAsset(land)
            if !(p.run.engine == .earthEngine && asAsset), let problem = missingFile(p.resolve(land)) {
                let expected = p.run.engine == .local && asAsset
                    ? "an existing vector file (GeoJSON, GeoPackage, Shapefile); an Earth Engine asset path needs engine = \"earthengine\""
                    : p.run.engine == .local
                    ? "an existing vector file (GeoJSON, GeoPackage, Shapefile)"
                    : "an existing vector file or an Earth Engine asset path (users/... or projects/...)"
                issues.append(ParameterIssue(key: "area.land_geometry", expected: expected, found: problem))
            }
        }

        if let exported = p.run.exportedJson, !reported.contains("run.exported_json"),
           let problem = notJSONObject(p.resolve(exported)) {
            issues.append(ParameterIssue(key: "run.exported_json", expected: "a JSON file holding an object (the original's JSON_FILE)", found: problem))
        }
        return issues
    }

    /// Earth Engine asset ids live under a user's or a Cloud project's root.
    static func isEarthEngineAsset(_ path: String) -> Bool {
        path.hasPrefix("users/") || path.hasPrefix("projects/")
    }

    /// nil when `path` is an existing regular file, else what is there instead.
    static func missingFile(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return "no file at \(path)" }
        return isFolder.boolValue ? "a folder at \(path)" : nil
    }

    /// nil when `path` is a file, a SAFE product's folder or a folder holding `.SAFE` folders or
    /// `.zip` files, else what is there instead (a STAC catalog's folder, a wrong parent folder:
    /// listing it would list nothing, and a run would take every image it knows as gone).
    static func missingCatalog(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return "nothing at \(path)" }
        guard isFolder.boolValue, !SafeProducts.isProduct(path), !SafeProducts.folderHoldsProducts(path) else { return nil }
        let stac = FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("catalog.json"))
        let hint = stac ? " (a static STAC catalog is given by its catalog.json)" : ""
        return "a folder holding no SAFE products (.SAFE folders, .zip files, folders with GRANULE/) at \(path)\(hint)"
    }

    static func notJSONObject(_ path: String) -> String? {
        if let problem = missingFile(path) { return problem }
        guard let data = FileManager.default.contents(atPath: path) else { return "an unreadable file at \(path)" }
        guard let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return "a file that is not valid JSON at \(path)"
        }
        guard json is [String: Any] else {
            return json is [Any] ? "a JSON array at \(path)" : "a JSON value that is not an object at \(path)"
        }
        return nil
    }
}
