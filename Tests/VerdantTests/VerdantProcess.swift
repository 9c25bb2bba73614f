import Foundation

/// Runs the real `verdant` executable (built beside the test bundle) as a person would.
struct VerdantProcess {
    static var executable: URL {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("verdant")
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs to the end and captures both streams.
    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = directory.appendingPathComponent("stdout-\(UUID().uuidString).txt")
        let err = directory.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Starts without waiting (for kill tests).
    static func start(_ arguments: [String], in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A parameters file in `directory` for the repository's samples, outputs kept in `directory`.
    static func sampleParameters(in directory: URL, edits: [String: String] = [:]) throws -> URL {
        let root = Fixtures.repositoryRoot.path
        var text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("parameters.toml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"samples/", with: "\"\(root)/samples/")
        for (key, value) in edits {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(key + " ") || trimmed.hasPrefix(key + "=") { return "\(key) = \(value)" }
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gdalinfo")
        process.arguments = ["-json", "-stats", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
}
