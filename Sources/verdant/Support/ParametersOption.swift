import ArgumentParser
import Foundation

/// `--parameters`, shared by every command that reads the parameters file.
struct ParametersOption: ParsableArguments {
    @Option(name: [.short, .customLong("parameters")], help: "The parameters file.")
    var path: String = "parameters.toml"

    func workspace(checkFiles: Bool = true) throws -> Workspace {
        try Failure.exitOnBadInput { try Workspace.load(path, checkFiles: checkFiles) }
    }
}
