import TOMLKit
import VerdantCore

/// What a key must hold, said once: the phrase for the error message and the conversion from
/// the TOML value. The conversion fails with what was found, or nil to describe the whole value.
struct ValueKind<Value> {
    struct Mismatch: Error { var found: String? = nil }

    var expected: String
    var convert: (TOMLValueConvertible) -> Result<Value, Mismatch>
}

extension ValueKind where Value == Int {
    static var wholeNumber: Self {
        Self(expected: "a whole number") { v in v.int.map { .success($0) } ?? .failure(.init()) }
    }
}

extension ValueKind where Value == Double {
    /// TOML keeps 30 and 30.0 apart; a person writing `refresh = 30` means 30 seconds all the same.
    /// nan and inf are valid TOML but no parameter has a use for them.
    static var number: Self {
        Self(expected: "a number") { v in
            guard let x = ValueKind.numeric(v), x.isFinite else { return .failure(.init()) }
            return .success(x)
        }
    }
}

extension ValueKind where Value == String {
    static var text: Self {
        Self(expected: "a string") { v in v.string.map { .success($0) } ?? .failure(.init()) }
    }
}

extension ValueKind where Value == Bool {
    static var flag: Self {
        Self(expected: "true or false") { v in v.bool.map { .success($0) } ?? .failure(.init()) }
    }
}

extension ValueKind where Value == CalendarDate {
    /// A quoted "2017-01-01" as in the original, or an unquoted TOML local date 2017-01-01.
    static var date: Self {
        Self(expected: "a real calendar date YYYY-MM-DD") { v in
            if let s = v.string, let d = CalendarDate(iso: s) { return .success(d) }
            if let d = v.date, let day = CalendarDate(year: d.year, month: d.month, day: d.day) { return .success(day) }
            return .failure(.init())
        }
    }
}

extension ValueKind where Value == [String] {
    static var texts: Self {
        Self(expected: "an array of strings") { v in
            guard let array = v.array else { return .failure(.init()) }
            var out: [String] = []
            for (i, element) in array.enumerated() {
                guard let s = element.string else {
                    return .failure(.init(found: "element \(i) = \(ValueKind.describe(element))"))
                }
                out.append(s)
            }
            return .success(out)
        }
    }
}

extension ValueKind where Value == [Int] {
    static var wholeNumbers: Self {
        Self(expected: "an array of whole numbers") { v in
            guard let array = v.array else { return .failure(.init()) }
            var out: [Int] = []
            for (i, element) in array.enumerated() {
                guard let n = element.int else { return .failure(.init(found: "element \(i) = \(ValueKind.describe(element))")) }
                out.append(n)
            }
            return .success(out)
        }
    }
}

extension ValueKind where Value == PolygonCoordinates {
    /// Only the types are checked here; ring closure, winding and ranges are `validate()`'s.
    static var polygon: Self {
        Self(expected: "a polygon [[[lon, lat], ...]]: an array of rings, each an array of [lon, lat] number pairs") { v in
            guard let rings = v.array else { return .failure(.init()) }
            var polygon: PolygonCoordinates = []
            for (r, ring) in rings.enumerated() {
                guard let points = ring.array else {
                    return .failure(.init(found: "ring \(r) = \(ValueKind.describe(ring))"))
                }
                var coordinates: [[Double]] = []
                for (p, point) in points.enumerated() {
                    guard let numbers = point.array else {
                        return .failure(.init(found: "ring \(r) point \(p) = \(ValueKind.describe(point))"))
                    }
                    var pair: [Double] = []
                    for number in numbers {
                        guard let x = ValueKind.numeric(number), x.isFinite else {
                            return .failure(.init(found: "ring \(r) point \(p) = \(ValueKind.describe(point))"))
                        }
                        pair.append(x)
                    }
                    coordinates.append(pair)
                }
                polygon.append(coordinates)
            }
            return .success(polygon)
        }
    }
}

extension ValueKind where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the enumeration's raw values; `expected` overrides the generated list.
    static func oneOf(_ type: Value.Type, expected: String? = nil) -> Self {
        let list = Value.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        return Self(expected: expected ?? "one of \(list)") { v in
            v.string.flatMap(Value.init(rawValue:)).map { .success($0) } ?? .failure(.init())
        }
    }
}

extension ValueKind {
    static func numeric(_ v: TOMLValueConvertible) -> Double? {
        v.double ?? v.int.map(Double.init)
    }

    /// A TOML value as the person wrote it (`TOMLText.describe`).
    static func describe(_ v: TOMLValueConvertible) -> String { TOMLText.describe(v) }
}

/// How error messages quote TOML values; shared by every file verdant reads as TOML
/// (parameters, themes, keys).
public enum TOMLText {
    /// A TOML value as the person wrote it, with its type: `"thirty" (a string)`.
    public static func describe(_ v: TOMLValueConvertible) -> String {
        switch v.type {
        case .string: return "\"\(shortened(v.string ?? ""))\" (a string)"
        case .int: return "\(v.int ?? 0) (an integer)"
        case .double: return "\(v.double ?? 0) (a floating-point number)"
        case .bool: return "\(v.bool ?? false) (a boolean)"
        case .date: return "\(v.debugDescription) (a date)"
        case .time: return "\(v.debugDescription) (a time)"
        case .dateTime: return "\(v.debugDescription) (a date-time)"
        case .array: return "\(shortened(v.debugDescription)) (an array)"
        case .table: return "a table"
        }
    }

    /// Long values (a pasted polygon) would drown the message.
    public static func shortened(_ s: String, limit: Int = 60) -> String {
        s.count <= limit ? s : String(s.prefix(limit)) + "…"
    }
}
