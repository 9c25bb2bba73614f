import Foundation
import Testing
import VerdantConfig
import VerdantCore

/// The repository's parameters.toml is what `verdant init` writes, and runs the sample data.
@Suite struct DefaultParametersTests {
    /// Tests/VerdantTests/ → the repository root.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .standardizedFileURL.path
    static let repositoryFile = repositoryRoot + "/parameters.toml"

    @Test func theRepositoryFileIsTheConstant() throws {
        let file = try String(contentsOfFile: Self.repositoryFile, encoding: .utf8)
        // Compared line by line first so a difference is shown where it is.
        let fileLines = file.components(separatedBy: "\n"), constantLines = DefaultParameters.toml.components(separatedBy: "\n")
        for (number, (a, b)) in zip(fileLines, constantLines).enumerated() {
            #expect(a == b, "line \(number + 1)")
        }
        #expect(file == DefaultParameters.toml)
    }

    @Test func theRepositoryFileLoadsWithTheSampleSettings() throws {
        // The samples may not be in every checkout, so their files are not looked for.
        let loaded = try ParametersFile.load(path: Self.repositoryFile, checkFiles: false)
        var expected = Parameters()
        expected.baseDirectory = Self.repositoryRoot
        expected.run.catalog = "samples/series/catalog.json"
        expected.run.output = "output"
        expected.run.statusStore = "output/status.sqlite"
        expected.run.logFile = "output/verdant.log"
        expected.dates.start = CalendarDate(year: 2015, month: 7, day: 1)!
        expected.dates.end = CalendarDate(year: 2017, month: 12, day: 31)!
        expected.area.geometry = [[[12.0, 45.5], [15.5, 45.5], [15.5, 53.0], [12.0, 53.0], [12.0, 45.5]]]
        expected.area.landGeometry = "samples/land.geojson"
        #expect(loaded == expected)
        #expect(loaded.resolve(loaded.run.catalog) == Self.repositoryRoot + "/samples/series/catalog.json")
    }

    @Test func theSampleAreaCoversBothSampleSites() throws {
        let ring = try ParametersFile.load(path: Self.repositoryFile, checkFiles: false).area.geometry[0]
        let lons = ring.map { $0[0] }, lats = ring.map { $0[1] }
        for (lon, lat) in [(14.56, 45.87), (12.6, 52.5)] {
            #expect(lons.min()! < lon && lon < lons.max()!)
            #expect(lats.min()! < lat && lat < lats.max()!)
        }
    }

    /// Every parameter is explained where it is set: the line above a key is a comment.
    @Test func everyKeyHasAComment() {
        let lines = DefaultParameters.toml.components(separatedBy: "\n")
        for (i, line) in lines.enumerated() where i > 0 && line.range(of: #"^[a-z_]+ = "#, options: .regularExpression) != nil {
            #expect(lines[i - 1].hasPrefix("#"), "\(line)")
        }
        // exported_json has no default, so it is shown commented out rather than left unmentioned.
        #expect(DefaultParameters.toml.contains("# exported_json = "))
    }
}
