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

    /// The graph as the API takes it: `{"result": "0", "values": {...}}`. A call or array that
    /// occurs more than once (a background read by several features, a cluster image read per
    /// cluster) is written once under a key of its own and named by `valueReference`, as the
    /// client libraries do: inlined, such graphs grow to megabytes. Subtrees reading a lambda's
    /// arguments stay inline, in their lambda's scope. A lambda's body goes under a key of its
    /// own, as `functionDefinitionValue.body` must name one.
    public func expression() -> [String: Any] {
        // Hash-consing: each distinct subtree gets an id; count its occurrences.
        var ids: [String: Int] = [:]
        var uses: [Int] = []
        var free: [Bool] = []
        func intern(_ node: ExpressionNode) -> (id: Int, free: Bool) {
            let key: String
            var usesArgument = false
            switch node {
            case .constant(let value):
                let data = (try? JSONSerialization.data(withJSONObject: [value.foundation], options: .sortedKeys)) ?? Data()
                key = "c" + String(decoding: data, as: UTF8.self)
            case .argument(let name):
                key = "a" + name
                usesArgument = true
            case .array(let items):
                let parts = items.map(intern)
                usesArgument = parts.contains { $0.free }
                key = "r" + parts.map { String($0.id) }.joined(separator: ",")
            case .call(let name, let arguments):
                let parts = arguments.keys.sorted().map { ($0, intern(arguments[$0]!)) }
                usesArgument = parts.contains { $0.1.free }
                key = "f" + name + "(" + parts.map { "\($0.0)=\($0.1.id)" }.joined(separator: ",") + ")"
            case .function(let names, let body):
                let inner = intern(body)
                key = "l" + names.joined(separator: ",") + ">" + String(inner.id)
            }
            if let id = ids[key] {
                uses[id] += 1
                return (id, free[id])
            }
            let id = uses.count
            ids[key] = id
            uses.append(1)
            free.append(usesArgument)
            return (id, usesArgument)
        }
        _ = intern(self)
        // Occurrences in the inlined tree; the encoding pass below interns again (finding ids),
        // which no longer changes these.
        let counts = uses

        var values: [String: Any] = [:]
        var keys: [Int: String] = [:]
        var next = 1
        func encode(_ node: ExpressionNode, root: Bool = false) -> [String: Any] {
            let (id, usesArgument) = intern(node)
            let shared = !root && !usesArgument && {
                if case .call = node { return true }
                if case .array = node { return true }
                return false
            }()
            if shared, let key = keys[id] { return ["valueReference": key] }
            let encoded: [String: Any]
            switch node {
            case .constant(let value): encoded = ["constantValue": value.foundation]
            case .argument(let name): encoded = ["argumentReference": name]
            case .array(let items): encoded = ["arrayValue": ["values": items.map { encode($0) }]]
            case .call(let name, let arguments):
                encoded = ["functionInvocationValue": ["functionName": name, "arguments": arguments.mapValues { encode($0) }]]
            case .function(let names, let body):
                let key = String(next)
                next += 1
                values[key] = encode(body)
                encoded = ["functionDefinitionValue": ["argumentNames": names, "body": key]]
            }
            guard shared, counts[id] > 1 else { return encoded }
            let key = String(next)
            next += 1
            keys[id] = key
            values[key] = encoded
            return ["valueReference": key]
        }
        values["0"] = encode(self, root: true)
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
