import Foundation
import VerdantRaster
import ZIPFoundation

/// A SAFE-shaped Sentinel-2 product built from one of the samples: the real folder layout,
/// `MTD_MSIL1C.xml` / `MTD_MSIL2A.xml` with its granule list, the granule's `MTD_TL.xml`, a
/// `manifest.safe`, and the bands as JPEG 2000 written losslessly by GDAL's JP2OpenJPEG — what
/// GDAL's SENTINEL2 driver opens in a product from the Copernicus hub.
struct SafeProductBuilder: Sendable {
    enum Level { case l1c, l2a }

    /// The sample item (samples/catalog/<id>).
    var id: String
    var level: Level = .l1c
    /// "04.00" and later: every DN gets 1000 added and the metadata declares −1000 offsets.
    var baseline = "02.04"
    /// L2A: the scene class of a pixel (row, column, rows) of the granule's 10 m grid.
    var sceneClass: @Sendable (Int, Int, Int) -> UInt8 = { _, _, _ in 4 }
    /// L2A: Sen2Cor's cloud probability (0–100) of a pixel, written as QI_DATA/MSK_CLDPRB_20m.jp2.
    var cloudProbability: @Sendable (Int, Int, Int) -> UInt8 = { _, _, _ in 0 }

    /// Bands at their native resolution (the samples' bands are all on one grid; the names are
    /// the products').
    static let l1cCodes = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
    static let l2aCodes = ["B01_60m", "B02_10m", "B03_10m", "B04_10m", "B05_20m", "B06_20m", "B07_20m", "B08_10m",
                           "B8A_20m", "B09_60m", "B11_20m", "B12_20m"]

    var times: (start: String, granule: String, tile: String) {
        let parts = id.split(separator: "_").map(String.init)
        return (parts[0], parts[1], parts[2])
    }

    var productName: String {
        let (start, granule, tile) = times
        return "S2A_MSI\(level == .l1c ? "L1C" : "L2A")_\(start)_N\(baseline.replacingOccurrences(of: ".", with: ""))_R122_\(tile)_\(granule).SAFE"
    }

    var granuleName: String {
        let (_, granule, tile) = times
        return "\(level == .l1c ? "L1C" : "L2A")_\(tile)_A000463_\(granule)"
    }

    /// Writes the product into `folder`; returns the `.SAFE` folder.
    func build(in folder: URL) throws -> URL {
        let (start, _, tile) = times
        let product = folder.appendingPathComponent(productName)
        let granule = product.appendingPathComponent("GRANULE").appendingPathComponent(granuleName)
        let images = granule.appendingPathComponent("IMG_DATA")
        let fm = FileManager.default
        try fm.createDirectory(at: images, withIntermediateDirectories: true)
        try fm.createDirectory(at: granule.appendingPathComponent("QI_DATA"), withIntermediateDirectories: true)
        let shift: Float = baseline >= "04.00" ? 1000 : 0
        var imageFiles: [String] = []
        let codes = level == .l1c ? Self.l1cCodes : Self.l2aCodes
        for code in codes {
            let band = String(code.prefix(3))
            let source = SampleCatalog.bandPath(id, band)
            let info = try RasterInfo.read(path: source)
            let values = info.values.map { $0 > 0 ? $0 + shift : 0 }
            let subfolder = level == .l1c ? "" : "R\(code.suffix(3))/"
            let stem = "\(tile)_\(start)_\(code)"
            try fm.createDirectory(at: images.appendingPathComponent(subfolder), withIntermediateDirectories: true)
            try Self.writeJP2(values: values, grid: info.grid, to: images.appendingPathComponent(subfolder + stem + ".jp2").path)
            imageFiles.append("GRANULE/\(granuleName)/IMG_DATA/\(subfolder)\(stem)")
        }
        let reference = try RasterInfo.read(path: SampleCatalog.bandPath(id, "B02"))
        if level == .l2a {
            let rows = reference.height, columns = reference.width
            let classes = (0..<rows * columns).map { sceneClass($0 / columns, $0 % columns, rows) }
            let stem = "\(tile)_\(start)_SCL_20m"
            try Self.writeJP2(bytes: classes, grid: reference.grid, to: images.appendingPathComponent("R20m/\(stem).jp2").path)
            imageFiles.append("GRANULE/\(granuleName)/IMG_DATA/R20m/\(stem)")
            let probabilities = (0..<rows * columns).map { cloudProbability($0 / columns, $0 % columns, rows) }
            try fm.createDirectory(at: granule.appendingPathComponent("QI_DATA"), withIntermediateDirectories: true)
            try Self.writeJP2(bytes: probabilities, grid: reference.grid, to: granule.appendingPathComponent("QI_DATA/MSK_CLDPRB_20m.jp2").path)
        }
        try metadata(imageFiles: imageFiles).write(to: product.appendingPathComponent(level == .l1c ? "MTD_MSIL1C.xml" : "MTD_MSIL2A.xml"),
                                                  atomically: true, encoding: .utf8)
        try tileMetadata(grid: reference).write(to: granule.appendingPathComponent("MTD_TL.xml"), atomically: true, encoding: .utf8)
        try "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xfdu:XFDU xmlns:xfdu=\"urn:ccsds:schema:xfdu:1\" version=\"esa/safe/sentinel/1.1/sentinel-2/msi/archive_l1c_user_product\"/>\n"
            .write(to: product.appendingPathComponent("manifest.safe"), atomically: true, encoding: .utf8)
        return product
    }

    /// `product` zipped as the Copernicus hub delivers it (`X.zip` holding `X.SAFE/`).
    static func zip(_ product: URL) throws -> URL {
        let zip = product.deletingPathExtension().appendingPathExtension("zip")
        try FileManager.default.zipItem(at: product, to: zip, shouldKeepParent: true)
        try FileManager.default.removeItem(at: product)
        return zip
    }

    /// UInt16 JPEG 2000, lossless, no side-car file: values pass through a Float32 GeoTIFF and
    /// gdal_translate (the JP2OpenJPEG driver writes only by copying).
    static func writeJP2(values: [Float], grid: RasterGrid, to path: String) throws {
        let tiff = path + ".tif"
        try writeCOG(path: tiff, grid: grid, values: values)
        try translate(tiff, to: path, type: "UInt16")
    }

    static func writeJP2(bytes: [UInt8], grid: RasterGrid, to path: String) throws {
        let tiff = path + ".tif"
        try writeCOG(path: tiff, grid: grid, values: bytes, nodata: 0)
        try translate(tiff, to: path, type: "Byte")
    }

    private static func translate(_ tiff: String, to path: String, type: String) throws {
        defer { try? FileManager.default.removeItem(atPath: tiff) }
        let status = try VerdantProcess.shell(
            "gdal_translate -q --config GDAL_PAM_ENABLED NO -a_nodata none -ot \(type) -of JP2OpenJPEG -co REVERSIBLE=YES -co QUALITY=100 '\(tiff)' '\(path)'")
        guard status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }

    func metadata(imageFiles: [String]) throws -> String {
        let (start, _, _) = times
        let object = try SampleCatalog.json(id)
        let ring = ((object["geometry"] as! [String: Any])["coordinates"] as! [[[Double]]])[0]
        let positions = ring.map { "\($0[1]) \($0[0])" }.joined(separator: " ")
        let time = "\(start.prefix(4))-\(start.dropFirst(4).prefix(2))-\(start.dropFirst(6).prefix(2))T\(start.dropFirst(9).prefix(2)):\(start.dropFirst(11).prefix(2)):\(start.dropFirst(13).prefix(2)).024Z"
        let l1c = level == .l1c
        let files = imageFiles.map { "<IMAGE_FILE>\($0)</IMAGE_FILE>" }.joined()
        let bandNames = (l1c ? Self.l1cCodes : Self.l2aCodes).map { "<BAND_NAME>B\(Int($0.dropFirst().prefix(2)).map(String.init) ?? "8A")</BAND_NAME>" }.joined()
        let offsetTag = l1c ? "RADIO_ADD_OFFSET" : "BOA_ADD_OFFSET"
        let offsets = baseline >= "04.00"
            ? (0..<13).map { "<\(offsetTag) band_id=\"\($0)\">-1000</\(offsetTag)>" }.joined() : ""
        let quantification = l1c
            ? "<QUANTIFICATION_VALUE unit=\"none\">10000</QUANTIFICATION_VALUE>" + (offsets.isEmpty ? "" : "<Radiometric_Offset_List>\(offsets)</Radiometric_Offset_List>")
            : "<QUANTIFICATION_VALUES_LIST><BOA_QUANTIFICATION_VALUE unit=\"none\">10000</BOA_QUANTIFICATION_VALUE><AOT_QUANTIFICATION_VALUE unit=\"none\">1000.0</AOT_QUANTIFICATION_VALUE><WVP_QUANTIFICATION_VALUE unit=\"cm\">1000.0</WVP_QUANTIFICATION_VALUE></QUANTIFICATION_VALUES_LIST>"
                + (offsets.isEmpty ? "" : "<BOA_ADD_OFFSET_VALUES_LIST>\(offsets)</BOA_ADD_OFFSET_VALUES_LIST>")
        let root = l1c ? "Level-1C_User_Product" : "Level-2A_User_Product"
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <n1:\(root) xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_\(l1c ? "Level-1C" : "Level-2A").xsd">
        <n1:General_Info>
        <Product_Info>
        <PRODUCT_START_TIME>\(time)</PRODUCT_START_TIME>
        <PRODUCT_STOP_TIME>\(time)</PRODUCT_STOP_TIME>
        <PRODUCT_URI>\(productName)</PRODUCT_URI>
        <PROCESSING_LEVEL>Level-\(l1c ? "1C" : "2A")</PROCESSING_LEVEL>
        <PRODUCT_TYPE>S2MSI\(l1c ? "1C" : "2A")</PRODUCT_TYPE>
        <PROCESSING_BASELINE>\(baseline)</PROCESSING_BASELINE>
        <Datatake datatakeIdentifier="GS2A_\(start)_000463_N\(baseline)">
        <SPACECRAFT_NAME>Sentinel-2A</SPACECRAFT_NAME>
        <DATATAKE_SENSING_START>\(time)</DATATAKE_SENSING_START>
        </Datatake>
        <Query_Options completeSingleTile="true">
        <PRODUCT_FORMAT>SAFE_COMPACT</PRODUCT_FORMAT>
        <Band_List>\(bandNames)</Band_List>
        </Query_Options>
        <Product_Organisation><Granule_List>
        <Granule datastripIdentifier="S2A_OPER_MSI_L\(l1c ? "1C" : "2A")_DS_SGS__\(start)_S\(start)_N\(baseline)" granuleIdentifier="\(granuleName)" imageFormat="JPEG2000">\(files)</Granule>
        </Granule_List></Product_Organisation>
        </Product_Info>
        <Product_Image_Characteristics>
        <Special_Values><SPECIAL_VALUE_TEXT>NODATA</SPECIAL_VALUE_TEXT><SPECIAL_VALUE_INDEX>0</SPECIAL_VALUE_INDEX></Special_Values>
        \(quantification)
        </Product_Image_Characteristics>
        </n1:General_Info>
        <n1:Geometric_Info>
        <Product_Footprint><Product_Footprint><Global_Footprint><EXT_POS_LIST>\(positions)</EXT_POS_LIST></Global_Footprint></Product_Footprint></Product_Footprint>
        </n1:Geometric_Info>
        <n1:Quality_Indicators_Info><Cloud_Coverage_Assessment>\((object["properties"] as! [String: Any])["eo:cloud_cover"] as? Double ?? 0)</Cloud_Coverage_Assessment></n1:Quality_Indicators_Info>
        </n1:\(root)>

        """
    }

    func tileMetadata(grid info: RasterInfo) -> String {
        let (start, _, tile) = times
        let t = info.grid.geoTransform
        let l1c = level == .l1c
        let sizes = [10, 20, 60].map { resolution in
            "<Size resolution=\"\(resolution)\"><NROWS>\(info.height * 10 / resolution)</NROWS><NCOLS>\(info.width * 10 / resolution)</NCOLS></Size>"
        }.joined()
        let positions = [10, 20, 60].map { resolution in
            "<Geoposition resolution=\"\(resolution)\"><ULX>\(Int(t[0]))</ULX><ULY>\(Int(t[3]))</ULY><XDIM>\(resolution)</XDIM><YDIM>-\(resolution)</YDIM></Geoposition>"
        }.joined()
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <n1:Level-\(l1c ? "1C" : "2A")_Tile_ID xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/S2_PDI_Level-\(l1c ? "1C" : "2A")_Tile_Metadata.xsd">
        <n1:General_Info><TILE_ID>S2A_OPER_MSI_L\(l1c ? "1C" : "2A")_TL_SGS__\(start)_A000463_\(tile)_N\(baseline)</TILE_ID></n1:General_Info>
        <n1:Geometric_Info><Tile_Geocoding>
        <HORIZONTAL_CS_NAME>WGS84 / UTM zone 33N</HORIZONTAL_CS_NAME><HORIZONTAL_CS_CODE>EPSG:32633</HORIZONTAL_CS_CODE>
        \(sizes)\(positions)
        </Tile_Geocoding></n1:Geometric_Info>
        </n1:Level-\(l1c ? "1C" : "2A")_Tile_ID>

        """
    }
}
