import ArgumentParser
import Foundation

struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the catalog's images and say how many a run would take; with --refresh a STAC API is searched again.",
        discussion: "A STAC API's listing is recorded in <output>/stac/ and reused until the dates, area, collections or cloud cover change; --refresh searches again now (new items published since). Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @Flag(help: "Search the STAC API again even when the recorded listing answers the same query.")
    var refresh = false

    func run() async throws {
        var workspace = try parameters.workspace()
        workspace.refreshListing = refresh
        let (_, found) = try await Failure.guarded { try await workspace.discover() }
        print("catalog: \(found.source): \(found.images.count + found.failures.count) entr\(found.images.count + found.failures.count == 1 ? "y" : "ies")")
        print("  unreadable: \(found.failures.count); matching: \(found.matching); out of area (land): \(found.outOfArea); excluded: \(found.excluded); wanted: \(found.wanted)")
        for failure in found.failures.prefix(10) { print("  unreadable entry: \(failure)") }
    }
}
