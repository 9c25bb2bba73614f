import Foundation

/// The algorithms the API knows (the shape of `GET /v1/projects/p/algorithms`), for checking
/// expression graphs the way the server's synchronous validation does: unknown algorithms,
/// unknown arguments, missing required arguments and dangling references are refused.
public struct AlgorithmCatalog: Sendable {
    public struct Signature: Sendable {
        public var arguments: Set<String>
        public var required: Set<String>
    }
    public let signatures: [String: Signature]

    /// From `algorithms.json` or `samples/earthengine/signatures.json` (same shape).
    public init(contentsOf path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = root["algorithms"] as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        var signatures: [String: Signature] = [:]
        for entry in list {
            guard let name = entry["name"] as? String else { continue }
            let arguments = entry["arguments"] as? [[String: Any]] ?? []
            let names = arguments.compactMap { $0["argumentName"] as? String }
            let required = arguments.filter { ($0["optional"] as? Bool) != true }.compactMap { $0["argumentName"] as? String }
            signatures[name.replacingOccurrences(of: "algorithms/", with: "")] = Signature(arguments: Set(names), required: Set(required))
        }
        self.signatures = signatures
    }

    /// What is wrong with an `Expression` object, as messages; empty when it is valid.
    public func problems(in expression: [String: Any]) -> [String] {
        guard let values = expression["values"] as? [String: Any], let result = expression["result"] as? String else {
            return ["expression: expected {\"result\": key, \"values\": {...}}"]
        }
        var problems: [String] = []
        if values[result] == nil { problems.append("result: no value under key \"\(result)\"") }
        func check(_ node: Any, at path: String) {
            guard let node = node as? [String: Any], node.count == 1, let (kind, content) = node.first else {
                problems.append("\(path): expected exactly one of constantValue, functionInvocationValue, ...")
                return
            }
            switch kind {
            case "constantValue", "integerValue", "bytesValue", "argumentReference": break
            case "valueReference":
                if values[content as? String ?? ""] == nil { problems.append("\(path): valueReference to a missing key") }
            case "arrayValue":
                for (i, item) in ((content as? [String: Any])?["values"] as? [Any] ?? []).enumerated() { check(item, at: "\(path)[\(i)]") }
            case "dictionaryValue":
                for (k, item) in (content as? [String: Any])?["values"] as? [String: Any] ?? [:] { check(item, at: "\(path).\(k)") }
            case "functionDefinitionValue":
                if values[(content as? [String: Any])?["body"] as? String ?? ""] == nil { problems.append("\(path): function body is not a key of values") }
            case "functionInvocationValue":
                let call = content as? [String: Any] ?? [:]
                let arguments = call["arguments"] as? [String: Any] ?? [:]
                if let name = call["functionName"] as? String {
                    if let signature = signatures[name] {
                        for argument in arguments.keys.sorted() where !signature.arguments.contains(argument) {
                            problems.append("\(path): \(name): unknown argument '\(argument)'")
                        }
                        for argument in signature.required.sorted() where arguments[argument] == nil {
                            problems.append("\(path): \(name): missing required argument '\(argument)'")
                        }
                    } else {
                        problems.append("\(path): unknown algorithm '\(name)'")
                    }
                } else if values[call["functionReference"] as? String ?? ""] == nil {
                    problems.append("\(path): neither a functionName nor a functionReference to a key")
                }
                for (argument, value) in arguments { check(value, at: "\(path).\(argument)") }
            default:
                problems.append("\(path): unknown value kind '\(kind)'")
            }
        }
        for key in values.keys.sorted() { check(values[key]!, at: "values.\(key)") }
        return problems
    }
}
