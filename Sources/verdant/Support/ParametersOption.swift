import ArgumentParser
import Foundation

/// `--parameters`, shared by every command that reads the parameters file.
struct ParametersOption: ParsableArguments {
    @Option(name: [.short, .customLong("parameters")], help: "The parameters file.")
    var path: String = "parameters.toml"

    func workspace(checkFiles: Bool = true) throws -> Workspace {
        try Failure.guarded { try Workspace.load(path, checkFiles: checkFiles) }
    }
}

/// Task ids given on the command line, in a file, or on stdin (`--from -`): one per line,
/// `stage/id` for one stage's task or a bare id for every stage of that image.
struct TargetsOption: ParsableArguments {
    @Argument(help: "Task ids: an image id (every stage) or stage/id (one stage).")
    var ids: [String] = []
    @Option(name: .customLong("from"), help: "Read ids from this file, one per line ('-' reads stdin).")
    var file: String?

    var given: Bool { !ids.isEmpty || file != nil }

    func read() throws -> [String] {
        var all = ids
        if let file {
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw BadInput("\(file): cannot read the list of ids")
                }
                text = String(decoding: data, as: UTF8.self)
            }
            all += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        return all
    }
}
