import ArgumentParser
import Foundation
import VerdantStyle
import VerdantCore
import VerdantLocal
import VerdantLogging
import VerdantMask
import VerdantRaster
import VerdantStatusFile

/// Turns errors about the user's input or the machine into a message on stderr and the exit
/// code of `ExitStatus`.
enum Failure {
    /// Runs `body`; an error with a known meaning is printed and exits with its code.
    static func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error where status(of: error) != nil {
            printError(String(describing: error))
            throw status(of: error)!.exitCode
        }
    }

    static func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where status(of: error) != nil {
            printError(String(describing: error))
            throw status(of: error)!.exitCode
        }
    }

    static func status(of error: Error) -> ExitStatus? {
        switch error {
        case is ParameterError, is StacCatalog.Error, is RasterError, is BadInput, is IllegalTransition, is StatusFileError,
             is KeymapError, is ThemeError, is CloudModelError, is ReferenceError, is CloudMaskError,
             is SeriesError, is BlockInputError:
            return .badInput
        case let store as StoreError:
            switch store.kind {
            case .busy, .stale: return .tasksFailedOrBusy
            case .unwritable: return .machine
            case .invalid: return .badInput
            }
        case is MachineError, is LogFileError:
            return .machine
        default:
            return isMachine(error) ? .machine : nil
        }
    }

    /// Errors of the disk or the file system, wherever they surface.
    static func isMachine(_ error: Error) -> Bool {
        let codes: Set<Int32> = [ENOSPC, EDQUOT, EROFS, EIO, EACCES, EPERM]
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain, codes.contains(Int32(ns.code)) { return true }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError { return isMachine(underlying) }
        if ns.domain == NSCocoaErrorDomain,
           [CocoaError.fileWriteOutOfSpace.rawValue, CocoaError.fileWriteVolumeReadOnly.rawValue,
            CocoaError.fileWriteNoPermission.rawValue].contains(ns.code) { return true }
        return false
    }

    /// Prints a bad-input message and gives the error that exits with code 2.
    static func badInput(_ message: String) -> Error {
        printError(message)
        return ExitStatus.badInput.exitCode
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

/// The machine cannot do what is asked (a folder cannot be created, the disk is full).
struct MachineError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
