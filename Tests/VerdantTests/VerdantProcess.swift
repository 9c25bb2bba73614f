import Foundation
import VerdantLocal

/// Runs the real `verdant` executable (built beside the test bundle) as a person would.
struct VerdantProcess {
    static var executable: URL {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("verdant")
    }

    struct Result: Sendable { var status: Int32; var stdout: String; var stderr: String }

    /// Runs blocking work on a thread of its own. Swift's cooperative pool has one thread per
    /// core (two here): a test blocking one in waitpid or usleep starves every async test
    /// running beside it, and their deadlines trip on a machine that is merely busy.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try work() })
            }
        }
    }

    /// Waits for a started child without holding a cooperative thread.
    /// How long any verdant a test starts may take: a hung one is killed and the test fails
    /// (its status reads 128 + SIGKILL) instead of hanging the suite.
    static let deadline: Double = 300

    /// Waits for a started child without holding a cooperative thread, killing its process
    /// group after `deadline` seconds.
    @discardableResult
    static func wait(_ child: ChildProcess, deadline: Double = deadline) async -> ChildProcess.Termination {
        (try? await offload { waitBlocking(child, deadline: deadline) }) ?? .signalled(0)
    }

    @discardableResult
    static func waitBlocking(_ child: ChildProcess, deadline: Double) -> ChildProcess.Termination {
        let end = Date().addingTimeInterval(deadline)
        while child.exited() == nil {
            if Date() >= end {
                FileHandle.standardError.write(Data("test: killed pid \(child.pid) after its \(Int(deadline)) s deadline\n".utf8))
                child.signalGroup(SIGKILL)
                break
            }
            usleep(20_000)  // off the cooperative pool (see offload)
        }
        return child.wait()
    }

    /// Runs to the end and captures its output (stdout and stderr together in `stderr`,
    /// stdout alone in `stdout`).
    /// `directory` holds the captured output; `cwd` is where the command runs (default: the
    /// test's own working directory, the repository root).
    static func run(_ arguments: [String], in directory: URL, stdin: String? = nil, cwd: URL? = nil) async throws -> Result {
        try await offload { try runBlocking(arguments, in: directory, stdin: stdin, cwd: cwd) }
    }

    static func runBlocking(_ arguments: [String], in directory: URL, stdin: String? = nil, cwd: URL? = nil) throws -> Result {
        let out = directory.appendingPathComponent("out-\(UUID().uuidString).txt").path
        let err = directory.appendingPathComponent("err-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: err) }
        // A shell splits the two streams, which ChildProcess keeps together.
        let quoted = ([executable.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let child = try ChildProcess(executable: "/bin/sh",
                                     arguments: ["-c", (cwd.map { "cd '\($0.path)' && " } ?? "") + quoted.joined(separator: " ") + " >'\(out)' 2>'\(err)'"
                                                 + (stdin.map { " <'\($0)'" } ?? "")],
                                     output: nil)
        let status: Int32
        switch waitBlocking(child, deadline: deadline) {
        case .exited(let code): status = code
        case .signalled(let sig): status = 128 + sig
        }
        return Result(status: status,
                      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// Runs a shell command line; returns its exit status (blocking: call through `offload`).
    static func shell(_ line: String) throws -> Int32 {
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", line], output: nil)
        switch waitBlocking(child, deadline: 60) {
        case .exited(let code): return code
        case .signalled(let sig): return 128 + sig
        }
    }

    /// Starts without waiting (for kill tests).
    static func start(_ arguments: [String], in directory: URL) throws -> ChildProcess {
        try ChildProcess(executable: executable.path, arguments: arguments, output: nil)
    }

    /// A parameters file in `directory` for the repository's samples, outputs kept in `directory`.
    /// parameters.toml with `edits`; unless edited, the 11 scenes of samples/catalog through
    /// masks and NDVI (the runs these tests count), not the 68-date series to productivity.
    static func sampleParameters(in directory: URL, edits: [String: String] = [:]) throws -> URL {
        let root = Fixtures.repositoryRoot.path
        var text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("parameters.toml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"samples/", with: "\"\(root)/samples/")
        var edits = edits
        if edits["catalog"] == nil { edits["catalog"] = "\"\(root)/samples/catalog/catalog.json\"" }
        if edits["until"] == nil { edits["until"] = "\"ndvi\"" }
        for (edit, value) in edits {
            // "table.key" edits that table's key alone; a bare key, every table's.
            let dot = edit.lastIndex(of: ".")
            let table = dot.map { String(edit[..<$0]) }, key = dot.map { String(edit[edit.index(after: $0)...]) } ?? edit
            var current = ""
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("[") { current = String(trimmed.dropFirst().prefix { $0 != "]" }) }
                if (table == nil || table == current) && (trimmed.hasPrefix(key + " ") || trimmed.hasPrefix(key + "=")) {
                    return "\(key) = \(value)"
                }
                return String(line)
            }
            text = lines.joined(separator: "\n")
        }
        let url = directory.appendingPathComponent("parameters.toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// `gdalinfo -json` of a raster: what any GIS sees of our outputs.
    static func gdalinfo(_ path: String) throws -> [String: Any] {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("gdalinfo-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: json) }
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "gdalinfo -json '\(path)' > '\(json)'"], output: nil)
        waitBlocking(child, deadline: 60)
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// The sample catalog with every item copied `copies` times under new ids (band hrefs made
    /// absolute), so a run lasts long enough to be killed several times.
    static func enlargedCatalog(copies: Int, in dir: URL) throws -> URL {
        let source = Fixtures.repositoryRoot.appendingPathComponent("samples/catalog")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("catalog.json"))) as! [String: Any]
        var links: [[String: Any]] = []
        let out = dir.appendingPathComponent("catalog", isDirectory: true)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for link in root["links"] as! [[String: Any]] where link["rel"] as? String == "item" {
            let itemURL = source.appendingPathComponent(link["href"] as! String).standardizedFileURL
            var item = try JSONSerialization.jsonObject(with: Data(contentsOf: itemURL)) as! [String: Any]
            var assets = item["assets"] as! [String: [String: Any]]
            for (key, var asset) in assets {
                asset["href"] = itemURL.deletingLastPathComponent().appendingPathComponent(asset["href"] as! String).standardizedFileURL.path
                assets[key] = asset
            }
            item["assets"] = assets
            let id = item["id"] as! String
            for k in 0..<copies {
                // Same acquisition, another granule time: an id no other copy has.
                var parts = id.split(separator: "_").map(String.init)
                parts[1] = String(parts[1].dropLast(2)) + "5\(k)"
                item["id"] = parts.joined(separator: "_")
                let name = "\(item["id"]!).json"
                try JSONSerialization.data(withJSONObject: item).write(to: out.appendingPathComponent(name))
                links.append(["rel": "item", "href": "./\(name)"])
            }
        }
        let catalog: [String: Any] = ["type": "Catalog", "stac_version": "1.0.0", "id": "crash-test", "description": "copies", "links": links]
        let url = out.appendingPathComponent("catalog.json")
        try JSONSerialization.data(withJSONObject: catalog).write(to: url)
        return url
    }
}
