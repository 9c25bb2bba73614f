import Foundation
import VerdantCore
import VerdantRaster

/// A folder of Sentinel-2 SAFE products (`.SAFE` folders and `.zip` files of them, Level-1C and
/// Level-2A; or one product) as a `Catalog`: each granule becomes a STAC item, recorded in
/// `directory` (`<output>/safe/items/<id>.json`), which its jobs read like any other item. An
/// item file is written only when its content changes, so a listing never rewrites what a
/// running job reads.
public struct SafeCatalog: Catalog {
    public let path: String
    public let directory: String
    public let coefNormalisation: Double

    public init(path: String, directory: String, coefNormalisation: Double) {
        self.path = path; self.directory = directory; self.coefNormalisation = coefNormalisation
    }

    /// Whether `run.catalog` names SAFE products: a folder (of products, or one `.SAFE`), or a
    /// `.zip`. A folder without any is refused when the parameters are checked (FileChecks).
    public static func isProducts(_ path: String) -> Bool {
        var folder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &folder) else { return false }
        return folder.boolValue || path.lowercased().hasSuffix(".zip")
    }

    public func list(_ query: CatalogQuery) throws -> CatalogListing {
        var images: [CatalogImage] = [], failures: [CatalogFailure] = [], tables: Set<String> = []
        // Granule id → the product that gave it first, readable (products in name order: X.SAFE
        // before X.zip, L1C before L2A, an older processing baseline before a newer one).
        var seen: [String: String] = [:]
        for product in products() {
            do {
                for (granule, result) in try granules(of: product) {
                    let location = "\(product.shown)/GRANULE/\(granule)"
                    switch result {
                    case .success(let object):
                        let id = object["id"] as? String ?? ""
                        if let first = seen[id] {
                            // One item file per id: a second would overwrite what the first's jobs read.
                            failures.append(CatalogFailure(id: nil, acquired: nil, location: location,
                                                           problem: "the same granule (\(id)) as \(first) gives, left out: keep one product per granule in the folder (a zip beside its unzipped folder, or the L1C and L2A of one datatake)"))
                            continue
                        }
                        let file = try record(object)
                        do {
                            // The object in hand, as a job will read it back from `file`.
                            let item = try StacCatalog.item(object, file: file, coefNormalisation: coefNormalisation)
                            // Only a copy that reads counts: a broken first one leaves the id to the next.
                            seen[id] = product.shown
                            images.append(item.catalogImage)
                            if let table = item.bandTable { tables.insert(table) }
                        } catch {
                            let date = ((object["properties"] as? [String: Any])?["datetime"] as? String).flatMap(StacItemParser.parseDate)
                            failures.append(CatalogFailure(id: id.isEmpty ? nil : id, acquired: date, location: location, problem: "\(error)"))
                        }
                    case .failure(let problem):
                        failures.append(CatalogFailure(id: problem.id, acquired: problem.datetime, location: location, problem: problem.text))
                    }
                }
            } catch let failure as SentinelProduct.Failure {
                failures.append(CatalogFailure(id: nil, acquired: nil, location: product.shown, problem: failure.problem))
            }
        }
        images.sort { ($0.acquired, $0.id) < ($1.acquired, $1.id) }
        let what = SafeProducts.isProduct(path) ? "SAFE product" : "folder of SAFE products"
        var listing = CatalogListing(source: "\(what) \(path)", images: images, failures: failures)
        listing.bandTables = tables.sorted()
        return listing
    }

    /// A product: its root as GDAL reads it, and how messages name it.
    struct Product { let root: String; let shown: String }

    /// The products under `path` (itself when it is one), in name order.
    func products() -> [Product] {
        if let product = product(at: path) { return [product] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().compactMap { product(at: (path as NSString).appendingPathComponent($0)) }
    }

    func product(at file: String) -> Product? {
        if file.lowercased().hasSuffix(".zip") {
            // A zip from the Copernicus Browser holds one X.SAFE folder.
            let zip = "/vsizip/" + file
            let inner = SentinelProduct.entries(of: zip).first { $0.lowercased().hasSuffix(".safe") }
            return Product(root: inner.map { zip + "/" + $0 } ?? zip, shown: file)
        }
        var folder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &folder), folder.boolValue,
              SafeProducts.isProduct(file) else { return nil }
        return Product(root: file, shown: file)
    }

    /// The product's granules, each as a STAC item object or why it cannot be one.
    func granules(of product: Product) throws(SentinelProduct.Failure) -> [(String, Result<[String: Any], SafeGranule.Problem>)] {
        let entries = SentinelProduct.entries(of: product.root)
        guard let metadataFile = entries.first(where: { $0.hasPrefix("MTD_MSIL") || $0.contains("_MTD_SAF") }) else {
            throw SentinelProduct.Failure(path: product.shown, problem: "expected a SAFE product with MTD_MSIL1C.xml or MTD_MSIL2A.xml at its root, found \(entries.isEmpty ? "nothing readable" : entries.prefix(8).joined(separator: ", "))")
        }
        let metadata = try SentinelProduct.open(metadataPath: product.root + "/" + metadataFile)
        let type = metadata.metadata["PRODUCT_TYPE"] ?? ""
        guard let table = BandTable.builtIn.first(where: { $0.api.isEmpty && type.contains($0.collection.suffix(3)) }) else {
            throw SentinelProduct.Failure(path: product.shown, problem: "PRODUCT_TYPE: expected a Level-1C (S2MSI1C) or Level-2A (S2MSI2A) product, found \"\(type)\"")
        }
        let names = SentinelProduct.entries(of: product.root + "/GRANULE")
        guard !names.isEmpty else {
            throw SentinelProduct.Failure(path: product.shown, problem: "no granule in GRANULE/")
        }
        var result: [(String, Result<[String: Any], SafeGranule.Problem>)] = []
        for name in names {
            let granule = SafeGranule(product: metadata, table: table, root: product.root, name: name, shared: names.count > 1)
            do throws(SafeGranule.Problem) { result.append((name, .success(try granule.item()))) } catch {
                result.append((name, .failure(error)))
            }
        }
        return result
    }

    /// Writes the item where its jobs read it, unless it is there already with this content.
    func record(_ object: [String: Any]) throws -> String {
        let id = object["id"] as? String ?? "item"
        let folder = (directory as NSString).appendingPathComponent("items")
        let file = (folder as NSString).appendingPathComponent(id + ".json")
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        if FileManager.default.contents(atPath: file) == data { return file }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw StacCatalog.Error(file: file, problem: "cannot record the SAFE granule's item: \(error.localizedDescription)")
        }
        return file
    }
}
