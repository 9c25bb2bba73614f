import Foundation

/// A JSON constant of an expression graph.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var foundation: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? Int64(n) as Any : n
        case .string(let s): return s
        case .array(let a): return a.map(\.foundation)
        case .object(let o): return o.mapValues(\.foundation)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A node of an Earth Engine expression graph (earth-engine-rest.md §3.1): a constant, a call
/// of a named algorithm, a lambda, or a reference to a lambda's argument.
public indirect enum ExpressionNode: Sendable, Equatable {
    case constant(JSONValue)
    case call(String, [String: ExpressionNode])
    case function(arguments: [String], body: ExpressionNode)
    case argument(String)
    /// An array whose elements are not all constants.
    case array([ExpressionNode])

    /// The graph as the API takes it: `{"result": "0", "values": {...}}`. Calls are inlined;
    /// a lambda's body goes under a key of its own, as `functionDefinitionValue.body` must name one.
    public func expression() -> [String: Any] {
        var values: [String: Any] = [:]
        var next = 1
        func encode(_ node: ExpressionNode) -> [String: Any] {
            switch node {
            case .constant(let value): return ["constantValue": value.foundation]
            case .argument(let name): return ["argumentReference": name]
            case .array(let items): return ["arrayValue": ["values": items.map(encode)]]
            case .call(let name, let arguments):
                return ["functionInvocationValue": ["functionName": name, "arguments": arguments.mapValues(encode)]]
            case .function(let names, let body):
                let key = String(next)
                next += 1
                values[key] = encode(body)
                return ["functionDefinitionValue": ["argumentNames": names, "body": key]]
            }
        }
        values["0"] = encode(self)
        return ["result": "0", "values": values]
    }

    /// Every algorithm called anywhere in the graph, with the argument names it is given.
    public var calls: [(name: String, arguments: Set<String>)] {
        switch self {
        case .constant, .argument: return []
        case .array(let items): return items.flatMap(\.calls)
        case .function(_, let body): return body.calls
        case .call(let name, let arguments):
            return [(name, Set(arguments.keys))] + arguments.keys.sorted().flatMap { arguments[$0]!.calls }
        }
    }
}
