import CGDAL
import Foundation

/// A Sentinel-2 SAFE product as GDAL's SENTINEL2 driver reads its metadata file
/// (`MTD_MSIL1C.xml`, `MTD_MSIL2A.xml`, or the older `S2A_OPER_MTD_SAFL1C_….xml`), in a folder or,
/// through `/vsizip/`, in a zip. Paths are GDAL paths.
public struct SentinelProduct: Sendable {
    /// The product's metadata file.
    public let metadataPath: String
    /// The driver's product metadata: PRODUCT_TYPE, PRODUCT_START_TIME, PROCESSING_BASELINE,
    /// CLOUD_COVERAGE_ASSESSMENT, FOOTPRINT (WKT, lon/lat), QUANTIFICATION_VALUE (L1C) or
    /// BOA_QUANTIFICATION_VALUE (L2A), …
    public let metadata: [String: String]
    /// The radiometric offset of each band (`band_id` 0…12: B1…B8, B8A, B9…B12) from the
    /// product XML (`RADIO_ADD_OFFSET`, L2A `BOA_ADD_OFFSET`): baseline 04.00 and later; empty
    /// before.
    public let offsets: [Int: Double]

    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "\(path): \(problem)" }
        public init(path: String, problem: String) { self.path = path; self.problem = problem }
    }

    public static func open(metadataPath path: String) throws(Failure) -> SentinelProduct {
        GDALRuntime.ensureRegistered()
        CPLErrorReset()
        let drivers = CStringList(["SENTINEL2"])
        let allowed = UnsafeRawPointer(drivers.pointer).map { $0.assumingMemoryBound(to: UnsafePointer<CChar>?.self) }
        guard let handle = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), allowed, nil, nil) else {
            throw Failure(path: path, problem: "GDAL's SENTINEL2 driver cannot read it: \(GDALRuntime.lastError("not a Sentinel-2 product metadata file"))")
        }
        defer { GDALClose(handle) }
        var metadata: [String: String] = [:]
        if var entry = GDALGetMetadata(handle, nil) {
            while let pointer = entry.pointee {
                let text = String(cString: pointer)
                if let equals = text.firstIndex(of: "=") {
                    metadata[String(text[..<equals])] = String(text[text.index(after: equals)...])
                }
                entry += 1
            }
        }
        // The driver keeps the product XML as it read it; the offsets are not among its items.
        var offsets: [Int: Double] = [:]
        if let xmlList = GDALGetMetadata(handle, "xml:SENTINEL2"), let first = xmlList.pointee,
           let root = CPLParseXMLString(first) {
            defer { CPLDestroyXMLNode(root) }
            CPLStripXMLNamespace(root, nil, 1)
            collectOffsets(root, into: &offsets)
        }
        return SentinelProduct(metadataPath: path, metadata: metadata, offsets: offsets)
    }

    /// Walks the XML tree for `RADIO_ADD_OFFSET` / `BOA_ADD_OFFSET` elements with a `band_id`.
    private static func collectOffsets(_ node: UnsafeMutablePointer<CPLXMLNode>, into offsets: inout [Int: Double]) {
        var current: UnsafeMutablePointer<CPLXMLNode>? = node
        while let element = current {
            if element.pointee.eType == CXT_Element, let name = element.pointee.pszValue {
                let tag = String(cString: name)
                if tag == "RADIO_ADD_OFFSET" || tag == "BOA_ADD_OFFSET",
                   let band = Int(String(cString: CPLGetXMLValue(element, "band_id", ""))),
                   let value = Double(String(cString: CPLGetXMLValue(element, nil, "")).trimmingCharacters(in: .whitespaces)) {
                    offsets[band] = value
                } else if let child = element.pointee.psChild {
                    collectOffsets(child, into: &offsets)
                }
            }
            current = element.pointee.psNext
        }
    }

    /// A value of a small XML file (a granule's `MTD_TL.xml`), by GDAL path such as
    /// `Level-1C_Tile_ID.General_Info.SENSING_TIME` (namespaces stripped); nil when unreadable.
    public static func xmlValue(file: String, path: String) -> String? {
        GDALRuntime.ensureRegistered()
        guard let root = CPLParseXMLFile(file) else { return nil }
        defer { CPLDestroyXMLNode(root) }
        CPLStripXMLNamespace(root, nil, 1)
        guard let value = CPLGetXMLValue(root, "=" + path, nil) else { return nil }
        return String(cString: value)
    }

    /// The entries of a folder (also inside a zip through `/vsizip/`), sorted; empty when it
    /// cannot be read.
    public static func entries(of folder: String) -> [String] {
        GDALRuntime.ensureRegistered()
        guard let list = VSIReadDir(folder) else { return [] }
        defer { CSLDestroy(list) }
        var names: [String] = []
        var entry = list
        while let pointer = entry.pointee {
            let name = String(cString: pointer)
            if name != "." && name != ".." { names.append(name) }
            entry += 1
        }
        return names.sorted()
    }

    /// Every file below a folder, as paths relative to it (also inside a zip).
    public static func files(under folder: String) -> [String] {
        GDALRuntime.ensureRegistered()
        guard let list = VSIReadDirRecursive(folder) else { return [] }
        defer { CSLDestroy(list) }
        var names: [String] = []
        var entry = list
        while let pointer = entry.pointee {
            let name = String(cString: pointer)
            if !name.hasSuffix("/") { names.append(name) }
            entry += 1
        }
        return names.sorted()
    }

    /// The footprint (FOOTPRINT, WKT in lon/lat) as GeoJSON, cut to the extent of a raster of
    /// the granule when `raster` is given (products of several granules share one footprint).
    public func footprintGeoJSON(within raster: String?) throws(Failure) -> String {
        guard let wkt = metadata["FOOTPRINT"], !wkt.isEmpty else {
            throw Failure(path: metadataPath, problem: "no footprint (Product_Footprint) in the product metadata")
        }
        do {
            let footprint = try Geometry(wkt: wkt, source: metadataPath)
            guard let raster else { return footprint.geoJSON }
            let extent = try Geometry(geoJSON: try Footprint.ofRaster(path: raster), source: raster)
            guard let common = footprint.intersection(extent), !common.isEmpty else {
                throw Failure(path: raster, problem: "the granule lies outside the product's footprint")
            }
            return common.geoJSON
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(path: metadataPath, problem: "footprint: \(error)")
        }
    }
}
