import Foundation
import XMLCoder

// The parts of a SpreadsheetML workbook (ECMA-376 Part 1, §18) that a status file uses, as
// XMLCoder models: attributes through DynamicNode(En|De)coding, element text through the
// empty coding key.

let spreadsheetNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

struct XLWorksheet: Codable {
    var sheetData: XLSheetData
}

struct XLSheetData: Codable {
    var row: [XLRow]
    init(row: [XLRow]) { self.row = row }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        row = try c.decodeIfPresent([XLRow].self, forKey: .row) ?? []
    }
}

struct XLRow: Codable, DynamicNodeEncoding, DynamicNodeDecoding {
    var r: Int?
    var c: [XLCell]
    init(r: Int?, c: [XLCell]) { self.r = r; self.c = c }
    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        r = try container.decodeIfPresent(Int.self, forKey: .r)
        c = try container.decodeIfPresent([XLCell].self, forKey: .c) ?? []
    }
    static func nodeEncoding(for key: CodingKey) -> XMLEncoder.NodeEncoding { key.stringValue == "r" ? .attribute : .element }
    static func nodeDecoding(for key: CodingKey) -> XMLDecoder.NodeDecoding { key.stringValue == "r" ? .attribute : .element }
}

struct XLCell: Codable, DynamicNodeEncoding, DynamicNodeDecoding {
    /// Reference ("B7"), type ("s" shared string, "inlineStr", "str", "b", "n", "e"), style.
    var r: String?
    var t: String?
    var s: Int?
    var f: String?
    var v: String?
    var inline: XLRichText?

    enum CodingKeys: String, CodingKey { case r, t, s, f, v, inline = "is" }

    init(r: String?, t: String? = nil, s: Int? = nil, v: String? = nil) { self.r = r; self.t = t; self.s = s; self.v = v }

    static let attributes: Set<String> = ["r", "t", "s"]
    static func nodeEncoding(for key: CodingKey) -> XMLEncoder.NodeEncoding { attributes.contains(key.stringValue) ? .attribute : .element }
    static func nodeDecoding(for key: CodingKey) -> XMLDecoder.NodeDecoding { attributes.contains(key.stringValue) ? .attribute : .element }
}

/// A string item: plain (`<t>`) or rich text (runs `<r><t>…</t></r>`); used by shared
/// strings (`<si>`) and inline strings (`<is>`).
struct XLRichText: Codable {
    var t: XLText?
    var r: [XLRun]?
    init(_ text: String) { t = XLText(text); r = nil }
    var text: String { (t?.value ?? "") + (r ?? []).map { $0.t?.value ?? "" }.joined() }
}

struct XLRun: Codable { var t: XLText? }

struct XLText: Codable, DynamicNodeEncoding, DynamicNodeDecoding {
    var space: String?
    var value: String
    enum CodingKeys: String, CodingKey { case space = "xml:space", value = "" }
    init(_ value: String) { self.value = value; space = "preserve" }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        space = try c.decodeIfPresent(String.self, forKey: .space)
        value = (try? c.decodeIfPresent(String.self, forKey: .value)) ?? ""
    }
    static func nodeEncoding(for key: CodingKey) -> XMLEncoder.NodeEncoding { key.stringValue == "xml:space" ? .attribute : .element }
    static func nodeDecoding(for key: CodingKey) -> XMLDecoder.NodeDecoding { key.stringValue == "xml:space" ? .attribute : .element }
}

struct XLSharedStrings: Codable, DynamicNodeEncoding {
    var count: Int?
    var uniqueCount: Int?
    var si: [XLRichText]
    init(_ strings: [String]) { si = strings.map(XLRichText.init); count = strings.count; uniqueCount = strings.count }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = nil; uniqueCount = nil
        si = try c.decodeIfPresent([XLRichText].self, forKey: .si) ?? []
    }
    static func nodeEncoding(for key: CodingKey) -> XMLEncoder.NodeEncoding { key.stringValue == "si" ? .element : .attribute }
}

struct XLWorkbook: Codable {
    var sheets: XLSheets
}

struct XLSheets: Codable { var sheet: [XLSheet] }

struct XLSheet: Codable, DynamicNodeEncoding, DynamicNodeDecoding {
    var name: String
    var sheetId: Int
    var relationship: String?
    enum CodingKeys: String, CodingKey { case name, sheetId, relationship = "r:id" }
    static func nodeEncoding(for key: CodingKey) -> XMLEncoder.NodeEncoding { .attribute }
    static func nodeDecoding(for key: CodingKey) -> XMLDecoder.NodeDecoding { .attribute }
}

struct XLRelationships: Codable {
    var relationship: [XLRelationship]
    enum CodingKeys: String, CodingKey { case relationship = "Relationship" }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        relationship = try c.decodeIfPresent([XLRelationship].self, forKey: .relationship) ?? []
    }
}

struct XLRelationship: Codable, DynamicNodeDecoding {
    var id: String
    var target: String
    enum CodingKeys: String, CodingKey { case id = "Id", target = "Target" }
    static func nodeDecoding(for key: CodingKey) -> XMLDecoder.NodeDecoding { .attribute }
}
