import ArgumentParser
import Foundation
import VerdantCore
import VerdantLocal
import VerdantRaster

/// Turns errors about the user's input into a message on stderr and exit code 2.
enum Failure {
    static func exitOnBadInput<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error where isBadInput(error) {
            printError(String(describing: error))
            throw ExitCode(2)
        }
    }

    static func isBadInput(_ error: Error) -> Bool {
        error is ParameterError || error is StacCatalog.Error || error is StoreError || error is RasterError || error is BadInput
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("verdant: \(message)\n".utf8))
    }
}

/// Input that is wrong in a way the parameters file check cannot see.
struct BadInput: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
