import Foundation
import TOMLKit
import VerdantCore

/// How one collection names its assets (a file of `collections/`, format in its README): which
/// asset holds each Sentinel-2 band, which holds the scene classification or a cloud
/// probability, and whether its reflectance is top of atmosphere (L1C) or surface (L2A).
public struct BandTable: Sendable, Equatable {
    public enum Level: String, Sendable { case l1c = "L1C", l2a = "L2A" }

    public var name: String
    /// The STAC API root that serves the collection; empty for SAFE products.
    public var api: String
    /// The collection's id (SAFE: the product type, `S2MSI1C`).
    public var collection: String
    public var level: Level
    /// Sentinel-2 band (`B1` … `B12`, `B8A`) → asset key.
    public var bands: [String: String]
    /// verdant's name of another asset (`scl`, `cloud_probability`) → asset key.
    public var assets: [String: String]

    public struct Error: Swift.Error, CustomStringConvertible {
        public let file: String
        public let problem: String
        public var description: String { "\(file): \(problem)" }
    }

    /// The tables compiled into verdant, from `collections/*.toml`.
    public static let builtIn: [BandTable] = BuiltInBandTables.texts.map { entry in
        do { return try parse(entry.toml, file: entry.file) } catch {
            fatalError("the compiled-in \(entry.file) is malformed: \(error)")
        }
    }

    public static func parse(_ toml: String, file: String) throws(Error) -> BandTable {
        let table: TOMLTable
        do { table = try TOMLTable(string: toml) } catch {
            throw Error(file: file, problem: "expected TOML: \(error)")
        }
        func text(_ key: String) throws(Error) -> String {
            guard let value = table[key]?.string else { throw Error(file: file, problem: "\(key): expected a string") }
            return value
        }
        func map(_ key: String) throws(Error) -> [String: String] {
            guard let inner = table[key]?.table else { throw Error(file: file, problem: "[\(key)]: expected a table") }
            var result: [String: String] = [:]
            for (name, value) in inner {
                guard let string = value.string else { throw Error(file: file, problem: "\(key).\(name): expected a string") }
                result[name] = string
            }
            return result
        }
        let levelText = try text("level")
        guard let level = Level(rawValue: levelText) else {
            throw Error(file: file, problem: "level: expected \"L1C\" or \"L2A\", found \"\(levelText)\"")
        }
        let bands = try map("bands")
        if let unknown = bands.keys.sorted().first(where: { !sentinel2Bands.contains($0) }) {
            throw Error(file: file, problem: "bands.\(unknown): expected a Sentinel-2 band (\(sentinel2Bands.joined(separator: ", ")))")
        }
        return BandTable(name: try text("name"), api: try text("api"), collection: try text("collection"), level: level,
                         bands: bands, assets: try map("assets"))
    }

    /// The item property naming the table an item is read by (SAFE granules' items carry it).
    public static let itemProperty = "verdant:band_table"

    /// The table an item names (`itemProperty`), else the table of `collection` whose band keys
    /// `assetKeys` all has (several APIs name their collections alike but not their assets), or
    /// nil: the item is read by the usual names.
    public static func matching(named name: String? = nil, collection: String?, assetKeys: Set<String>) -> BandTable? {
        if let name, let table = builtIn.first(where: { $0.name == name }) { return table }
        guard let collection else { return nil }
        return builtIn.first { $0.collection == collection && !$0.bands.isEmpty && $0.bands.values.allSatisfy(assetKeys.contains) }
    }

    /// The table of `collection` on the STAC API at `root`, or nil when verdant has none.
    public static func forAPI(root: String, collection: String) -> BandTable? {
        func normal(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }
        return builtIn.first { !$0.api.isEmpty && normal($0.api) == normal(root) && $0.collection == collection }
    }

    /// Whether `method` can run on images of this table, and if not, why (for `check`).
    public func refusal(of method: MaskMethod, sclAsset: String, probabilityAsset: String) -> String? {
        // As jobs find them: verdant's name or the collection's key, in any case.
        func has(_ asset: String) -> Bool {
            let wanted = asset.lowercased()
            return assets.contains { $0.key.lowercased() == wanted || $0.value.lowercased() == wanted }
        }
        switch method {
        case .seed where level == .l2a, .hollstein where level == .l2a:
            return "the \(method.rawValue) model reads top-of-atmosphere reflectance (Level-1C) and \(name) is Level-2A; use \"scl\"\(has(probabilityAsset) ? " or \"probability\"" : "") with it, or a Level-1C collection"
        case .scl where !has(sclAsset):
            return "\(name) has no asset \"\(sclAsset)\" (mask.scl_asset); its other assets: \(assets.keys.sorted().joined(separator: ", ").ifEmpty("none"))"
        case .probability where !has(probabilityAsset):
            return "\(name) has no asset \"\(probabilityAsset)\" (mask.probability_asset); its other assets: \(assets.keys.sorted().joined(separator: ", ").ifEmpty("none"))"
        default:
            return nil
        }
    }
}

extension String {
    fileprivate func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
