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
    /// A subtree used in several places (a background, the clusters), held once: the graph is
    /// walked through it once, however often it is used.
    case shared(SharedNode)

    /// The graph as the API takes it: `{"result": "0", "values": {...}}`. A call or array that
    /// occurs more than once (a background read by several features, a cluster image read per
    /// cluster) is written once under a key of its own and named by `valueReference`, as the
    /// client libraries do: inlined, such graphs grow to megabytes. Subtrees reading a lambda's
    /// arguments stay inline, in their lambda's scope. A lambda's body goes under a key of its
    /// own, as `functionDefinitionValue.body` must name one.
    public func expression() -> [String: Any] {
        // One walk: each distinct subtree gets an id, with its shape in terms of its children's
        // ids, the lambda arguments it reads, and how often it occurs.
        enum Shape {
            case constant(JSONValue), argument(String), array([Int]), call(String, [(String, Int)]), function([String], Int)
        }
        var ids: [String: Int] = [:]
        var shapes: [Shape] = []
        var freeArguments: [Set<String>] = []
        var uses: [Int] = []
        var sharedIds: [ObjectIdentifier: Int] = [:]
        func intern(_ node: ExpressionNode) -> Int {
            if case .shared(let box) = node {
                if let id = sharedIds[ObjectIdentifier(box)] {
                    uses[id] += 1
                    return id
                }
                let id = intern(box.node)
                sharedIds[ObjectIdentifier(box)] = id
                return id
            }
            let key: String
            let shape: Shape
            var free = Set<String>()
            switch node {
            case .constant(let value):
                let data = (try? JSONSerialization.data(withJSONObject: [value.foundation], options: .sortedKeys)) ?? Data()
                key = "c" + String(decoding: data, as: UTF8.self)
                shape = .constant(value)
            case .argument(let name):
                key = "a" + name
                shape = .argument(name)
                free = [name]
            case .array(let items):
                let children = items.map(intern)
                for child in children { free.formUnion(freeArguments[child]) }
                key = "r" + children.map(String.init).joined(separator: ",")
                shape = .array(children)
            case .call(let name, let arguments):
                let children = arguments.keys.sorted().map { ($0, intern(arguments[$0]!)) }
                for (_, child) in children { free.formUnion(freeArguments[child]) }
                key = "f" + name + "(" + children.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + ")"
                shape = .call(name, children)
            case .shared: preconditionFailure("handled above")
            case .function(let names, let body):
                let child = intern(body)
                // A lambda reads what its body reads, but its own arguments.
                free = freeArguments[child].subtracting(names)
                key = "l" + names.joined(separator: ",") + ">" + String(child)
                shape = .function(names, child)
            }
            if let id = ids[key] {
                uses[id] += 1
                return id
            }
            ids[key] = shapes.count
            shapes.append(shape)
            freeArguments.append(free)
            uses.append(1)
            return shapes.count - 1
        }
        let root = intern(self)

        // Then each id is encoded once: calls and arrays occurring more than once, reading no
        // lambda argument, under a key of their own.
        var values: [String: Any] = [:]
        var keys: [Int: String] = [:]
        var next = 1
        func encode(_ id: Int, root: Bool = false) -> [String: Any] {
            if let key = keys[id] { return ["valueReference": key] }
            let encoded: [String: Any]
            var shareable = false
            switch shapes[id] {
            case .constant(let value): encoded = ["constantValue": value.foundation]
            case .argument(let name): encoded = ["argumentReference": name]
            case .array(let children):
                encoded = ["arrayValue": ["values": children.map { encode($0) }]]
                shareable = true
            case .call(let name, let children):
                var arguments: [String: Any] = [:]
                for (argument, child) in children { arguments[argument] = encode(child) }
                encoded = ["functionInvocationValue": ["functionName": name, "arguments": arguments]]
                shareable = true
            case .function(let names, let body):
                let key = String(next)
                next += 1
                values[key] = encode(body)
                encoded = ["functionDefinitionValue": ["argumentNames": names, "body": key]]
            }
            guard shareable, !root, uses[id] > 1, freeArguments[id].isEmpty else { return encoded }
            let key = String(next)
            next += 1
            keys[id] = key
            values[key] = encoded
            return ["valueReference": key]
        }
        values["0"] = encode(root, root: true)
        return ["result": "0", "values": values]
    }

    /// Every algorithm called anywhere in the graph, with the argument names it is given.
    public var calls: [(name: String, arguments: Set<String>)] {
        switch self {
        case .constant, .argument: return []
        case .array(let items): return items.flatMap(\.calls)
        case .shared(let box): return box.node.calls
        case .function(_, let body): return body.calls
        case .call(let name, let arguments):
            return [(name, Set(arguments.keys))] + arguments.keys.sorted().flatMap { arguments[$0]!.calls }
        }
    }
}

/// The one copy of a shared subtree (`ExpressionNode.shared`); equal when their subtrees are.
public final class SharedNode: Sendable, Equatable {
    public let node: ExpressionNode
    public init(_ node: ExpressionNode) { self.node = node }
    public static func == (a: SharedNode, b: SharedNode) -> Bool { a === b || a.node == b.node }
}
