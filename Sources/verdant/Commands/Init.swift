import ArgumentParser
import Foundation
import VerdantConfig

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write the commented default parameters file.")

    @Argument(help: "Where to write it.")
    var path = "parameters.toml"
    @Flag(help: "Overwrite an existing file.")
    var force = false

    func run() throws {
        if FileManager.default.fileExists(atPath: path) && !force {
            Failure.printError("\(path) exists; use --force to overwrite it")
            throw ExitCode(2)
        }
        try DefaultParameters.toml.write(toFile: path, atomically: true, encoding: .utf8)
        print("wrote \(path); edit it, then `verdant check -p \(path)`")
    }
}
