import FlyingFox
import Foundation

/// One export task of the fake.
struct FakeOperation {
    var name: String
    var description: String
    var requestId: String?
    var destination: String?
    var overwrite = false
    /// A file export's target: `drive:folder/prefix.tif` or `gs://bucket/prefix.tif`.
    var file: String?
    /// Properties the graph sets at its top (`Element.set`), given to the written asset.
    var properties: [String: String] = [:]
    /// The project's assets and Cloud Storage files the graph reads (`Image.load`,
    /// `Image.loadGeoTIFF`): the task fails when one is missing as it ends.
    var reads: [String] = []
    var state = "PENDING"
    var created: Date
    var started: Date?
    var ended: Date?
    var error: String?
}

extension ServerState {
    // MARK: image:export

    func export(project: String, body: Data) -> HTTPResponse {
        guard let request = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return Reply.error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        }
        advance()
        let requestId = request["requestId"] as? String
        if let requestId, !requestId.isEmpty {
            guard requestId.count <= 60, requestId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                return Reply.error(400, "INVALID_ARGUMENT", "Invalid request id '\(requestId)'.")
            }
            if let existing = requestIds[requestId] {
                count("duplicate-request")
                if configuration.duplicateAnswer == .conflict {
                    return Reply.error(409, "ALREADY_EXISTS", "A request with id '\(requestId)' already exists: \(existing).")
                }
                return Reply.json(200, json(operations[existing]!))
            }
        }
        guard let expression = request["expression"] as? [String: Any] else {
            return Reply.error(400, "INVALID_ARGUMENT", "ExportImageRequest.expression is required.")
        }
        if let catalog = configuration.algorithms {
            let problems = catalog.problems(in: expression)
            if !problems.isEmpty {
                count("invalid-expression")
                return Reply.error(400, "INVALID_ARGUMENT", problems.joined(separator: "; "))
            }
        }
        // Cancelling tasks still hold their place in the queue.
        let active = operations.values.filter { ["PENDING", "RUNNING", "CANCELLING"].contains($0.state) }.count
        if active >= configuration.queueLimit {
            count("queue-full")
            return Reply.error(429, "RESOURCE_EXHAUSTED",
                               "Too many tasks already in the queue (\(configuration.queueLimit)). Please wait for some of them to complete.")
        }
        let target = (request["assetExportOptions"] as? [String: Any])?["earthEngineDestination"] as? [String: Any]
        let destination = target?["name"] as? String
        let fileOptions = request["fileExportOptions"] as? [String: Any]
        guard (destination == nil) != (fileOptions == nil) else {
            return Reply.error(400, "INVALID_ARGUMENT", "Exactly one of fileExportOptions and assetExportOptions is required.")
        }
        var file: String?
        if let fileOptions {
            if let drive = fileOptions["driveDestination"] as? [String: Any], let prefix = drive["filenamePrefix"] as? String {
                file = "drive:\(drive["folder"] as? String ?? "")/\(prefix).tif"
            } else if let gcs = fileOptions["cloudStorageDestination"] as? [String: Any], let bucket = gcs["bucket"] as? String,
                      let prefix = gcs["filenamePrefix"] as? String {
                file = "gs://\(bucket)/\(prefix).tif"
            }
            guard file != nil, fileOptions["fileFormat"] as? String == "GEO_TIFF" else {
                return Reply.error(400, "INVALID_ARGUMENT", "fileExportOptions: expected GEO_TIFF to a driveDestination or cloudStorageDestination with a filenamePrefix.")
            }
        }
        issuedOperations += 1
        // 24 characters of [A-Z0-9], as task ids look (earth-engine-rest.md §2.8).
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var n = issuedOperations &* 2_654_435_761
        let id = String((0..<24).map { _ in defer { n /= 32 }; return alphabet[n % 32] })
        let name = "projects/\(project)/operations/\(id)"
        operations[name] = FakeOperation(name: name, description: request["description"] as? String ?? "", requestId: requestId,
                                         destination: destination, overwrite: target?["overwrite"] as? Bool ?? false, file: file,
                                         properties: Self.topProperties(expression), reads: Self.privateReads(expression), created: Date())
        order.append(name)
        if let requestId, !requestId.isEmpty { requestIds[requestId] = name }
        count("export")
        if configuration.faults.lostExports.contains(issuedOperations) || Double.random(in: 0..<1, using: &random) < configuration.faults.lostAnswer {
            count("lost-answer")
            return Reply.error(503, "UNAVAILABLE", "The service is currently unavailable.")
        }
        return Reply.json(200, json(operations[name]!))
    }

    /// `Element.set(object, key, value)` calls at the top of a graph, outermost last.
    static func topProperties(_ expression: [String: Any]) -> [String: String] {
        guard let values = expression["values"] as? [String: Any], let result = expression["result"] as? String else { return [:] }
        var found: [String: String] = [:]
        var node = values[result] as? [String: Any]
        func resolve(_ n: [String: Any]?) -> [String: Any]? {
            if let ref = n?["valueReference"] as? String { return values[ref] as? [String: Any] }
            return n
        }
        while let call = resolve(node)?["functionInvocationValue"] as? [String: Any], call["functionName"] as? String == "Element.set" {
            let args = call["arguments"] as? [String: Any] ?? [:]
            if let key = (resolve(args["key"] as? [String: Any])?["constantValue"]) as? String,
               let value = (resolve(args["value"] as? [String: Any])?["constantValue"]) as? String, found[key] == nil {
                found[key] = value
            }
            node = args["object"] as? [String: Any]
        }
        return found
    }

    /// The ids of `Image.load` that name a project's asset and the URIs of `Image.loadGeoTIFF`.
    static func privateReads(_ expression: [String: Any]) -> [String] {
        guard let values = expression["values"] as? [String: Any] else { return [] }
        func constant(_ n: Any?) -> String? {
            guard let n = n as? [String: Any] else { return nil }
            if let ref = n["valueReference"] as? String { return constant(values[ref]) }
            return n["constantValue"] as? String
        }
        var found: Set<String> = []
        func walk(_ n: Any?) {
            if let list = n as? [Any] { list.forEach(walk); return }
            guard let n = n as? [String: Any] else { return }
            if let call = n["functionInvocationValue"] as? [String: Any] {
                let args = call["arguments"] as? [String: Any] ?? [:]
                switch call["functionName"] as? String {
                case "Image.load": if let id = constant(args["id"]), id.hasPrefix("projects/") || id.hasPrefix("users/") { found.insert(id) }
                case "Image.loadGeoTIFF": if let uri = constant(args["uri"]) { found.insert(uri) }
                default: break
                }
            }
            n.values.forEach(walk)
        }
        values.values.forEach(walk)
        return found.sorted()
    }

    // MARK: operations

    func listOperations(project: String, query: [String: String]) -> HTTPResponse {
        advance()
        count("list")
        let mine = order.reversed().filter { $0.hasPrefix("projects/\(project)/") } // newest first
        return Reply.page(mine, key: "operations", query: query, maxSize: 500) { json(operations[$0]!) }
    }

    func getOperation(_ name: String) -> HTTPResponse {
        advance()
        count("get-operation")
        guard let operation = operations[name] else { return Reply.error(404, "NOT_FOUND", "Operation \(name) not found.") }
        return Reply.json(200, json(operation))
    }

    func cancel(_ name: String) -> HTTPResponse {
        advance()
        guard var operation = operations[name] else { return Reply.error(404, "NOT_FOUND", "Operation \(name) not found.") }
        if operation.state == "PENDING" || operation.state == "RUNNING" {
            operation.state = "CANCELLING"
            operations[name] = operation
            count("cancel")
        } else if operation.state != "CANCELLING" {
            // UNCONFIRMED upstream: a finished task cannot be cancelled.
            return Reply.error(400, "FAILED_PRECONDITION", "Operation \(name) has already finished.")
        }
        return Reply.json(200, [:])
    }

    /// Moves tasks on: CANCELLING ends CANCELLED, running tasks finish after `taskDuration`
    /// (SUCCEEDED, their asset written, or FAILED when the asset quota is full), pending tasks
    /// start while fewer than `maxRunning` run.
    func advance(now: Date = Date()) {
        for name in order {
            guard var op = operations[name] else { continue }
            switch op.state {
            case "CANCELLING":
                op.state = "CANCELLED"; op.ended = now; op.error = "Cancelled."
            case "RUNNING" where now.timeIntervalSince(op.started!) >= configuration.taskDuration:
                op.ended = now
                if let missing = op.reads.first(where: { assets[$0] == nil && files[$0] == nil }) {
                    op.state = "FAILED"
                    op.error = "Image.load: Image asset '\(missing)' not found (does not exist or caller does not have access)."
                } else if let destination = op.destination {
                    let parent = destination.split(separator: "/").dropLast().joined(separator: "/")
                    if assets[destination] == nil && imageCount >= configuration.maxAssets {
                        op.state = "FAILED"; op.error = "Asset quota exceeded: \(configuration.maxAssets) assets."
                    } else if assets[destination] != nil && !op.overwrite {
                        op.state = "FAILED"; op.error = "Cannot overwrite asset '\(destination)'."
                    } else if assets[parent] == nil && parent != destination.split(separator: "/").prefix(3).joined(separator: "/") {
                        op.state = "FAILED"; op.error = "Parent folder of '\(destination)' does not exist."
                    } else {
                        assets[destination] = "IMAGE"; op.state = "SUCCEEDED"
                        properties[destination] = op.properties
                        writes[destination, default: 0] += 1
                    }
                } else {
                    if let file = op.file { files[file, default: 0] += 1 }
                    op.state = "SUCCEEDED"
                }
            default: break
            }
            operations[name] = op
        }
        var running = operations.values.filter { $0.state == "RUNNING" }.count
        for name in order where running < configuration.maxRunning {
            guard var op = operations[name], op.state == "PENDING" else { continue }
            op.state = "RUNNING"; op.started = now
            operations[name] = op
            running += 1
        }
    }

    func json(_ op: FakeOperation) -> [String: Any] {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var metadata: [String: Any] = [
            "@type": "type.googleapis.com/google.earthengine.v1.OperationMetadata", "state": op.state,
            "description": op.description, "type": "EXPORT_IMAGE", "createTime": format.string(from: op.created),
            "updateTime": format.string(from: op.ended ?? op.started ?? op.created), "attempt": 1,
        ]
        if let started = op.started { metadata["startTime"] = format.string(from: started) }
        if let ended = op.ended { metadata["endTime"] = format.string(from: ended) }
        if op.state == "SUCCEEDED" { metadata["progress"] = 1 }
        if let destination = op.destination, op.state == "SUCCEEDED" {
            metadata["destinationUris"] = ["https://code.earthengine.google.com/?asset=\(destination)"]
        }
        var object: [String: Any] = ["name": op.name, "metadata": metadata]
        // proto3: false and empty fields are left out.
        if ["SUCCEEDED", "FAILED", "CANCELLED"].contains(op.state) { object["done"] = true }
        if op.state == "FAILED" { object["error"] = ["code": 9, "message": op.error ?? "failed"] }
        if op.state == "CANCELLED" { object["error"] = ["code": 1, "message": "Cancelled."] }
        return object
    }
}
