import Foundation
import Testing
import VerdantConfig
import VerdantCore

/// A complete, valid parameters document written key by key, so a test can replace one value
/// and know which line it lands on without asking the code under test.
enum SampleDocument {
    static let tables: [(name: String, keys: [(key: String, value: String)])] = [
        ("run", [
            ("engine", #""local""#), ("catalog", #""cat.json""#), ("collections", "[]"), ("max_cloud_cover", "100"), ("output", #""out""#),
            ("status_store", #""out/status.sqlite""#), ("log_file", #""out/verdant.log""#),
            ("exported_json", #""exported.json""#), ("refresh", "30"), ("nb_task_max", "30"),
            ("workers", "0"), ("max_attempts", "3"), ("retry_backoff", "60"), ("until", #""productivity""#),
        ]),
        ("dates", [
            ("date_start", #""2017-01-01""#), ("date_end", #""2017-06-30""#),
            ("nb_days_before", "30"), ("nb_days_after", "30"),
        ]),
        ("area", [
            ("geometry", "[[[-4.0, 56.0], [-3.5, 56.0], [-3.5, 56.3], [-4.0, 56.3], [-4.0, 56.0]]]"),
            ("land_geometry", #""land.geojson""#), ("image_to_exclude", #"["S2A_1"]"#), ("scale", "30"),
        ]),
        ("mask", [
            ("method", #""hollstein""#), ("model", #""models/cloud-forest.json""#), ("radiometric_offset", #""auto""#),
            ("scl_asset", #""scl""#), ("scl_classes", "[3, 8, 9, 10]"), ("probability_asset", #""cloud_probability""#),
            ("probability_threshold", "0.4"), ("mask_asset", #""cloud_mask""#),
            ("coef_normalisation", "10000"), ("number_trees", "500"),
            ("cutoff", "0.29"), ("number_of_images", "20"), ("number_preselect", "40"),
            ("allow_future", "true"), ("number_hours", "18"), ("common_area", "0.95"),
            ("fallback", #""mask""#), ("ndvi_asset", #""ndvi""#),
        ]),
        ("mask.clustering", [
            ("num_pixels", "5000"), ("n_clusters", "10"), ("threshold_dif_cloud", "0.04"),
            ("threshold_reflectance", "0.175"), ("bands_thresholds", #"["B4", "B3", "B2"]"#),
            ("growing_ratio", "2"), ("sampling_scale", "30"), ("do_clustering", "true"),
        ]),
        ("gapfill", [
            ("method", #""harmonic-residual""#), ("seed_literal", "false"), ("memory_mb", "1024"),
        ]),
        ("productivity", [
            ("season_start", #""01-01""#), ("start_fraction", "0.25"), ("end_fraction", "0.15"),
            ("min_amplitude", "0.05"), ("peak_fraction", "0.9"),
        ]),
        ("earthengine", [
            ("project", #""my-project""#), ("credentials", #""key.json""#), ("api_url", #""https://earthengine.googleapis.com""#),
            ("collection", #""COPERNICUS/S2_HARMONIZED""#), ("destination_folder", #""projects/p/assets/masks""#), ("asset_margin", "100"),
            ("export_to", #""asset""#), ("drive_folder", #""verdant""#), ("bucket", #""my-bucket/masks""#), ("metadata_file", #""exports.json""#),
        ]),
    ]

    static var allKeys: [String] { tables.flatMap { t in t.keys.map { "\(t.name).\($0.key)" } } }

    /// The document with `overrides` (full key → TOML value) and the line each key is on.
    /// Every table is preceded by a comment line and a blank line, like a real file.
    static func make(_ overrides: [String: String] = [:]) -> (text: String, lines: [String: Int]) {
        var lines: [String] = []
        var positions: [String: Int] = [:]
        for table in tables {
            lines += ["", "# the \(table.name) settings", "[\(table.name)]"]
            positions[table.name] = lines.count
            for (key, value) in table.keys {
                let full = "\(table.name).\(key)"
                lines.append("\(key) = \(overrides[full] ?? value)")
                positions[full] = lines.count
            }
        }
        return (lines.joined(separator: "\n") + "\n", positions)
    }
}

/// A fresh folder per test: tests run in parallel.
func temporaryFolder() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("verdant-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func write(_ text: String, to folder: String, name: String = "parameters.toml") throws -> String {
    let path = (folder as NSString).appendingPathComponent(name)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The issues `load` throws for `text`; an empty array when it loads.
func issues(_ text: String, checkFiles: Bool = false) throws -> (path: String, issues: [ParameterIssue]) {
    let path = try write(text, to: try temporaryFolder())
    do {
        _ = try ParametersFile.load(path: path, checkFiles: checkFiles)
        return (path, [])
    } catch let error as ParameterError {
        return (path, error.issues)
    }
}

struct BadValue: CustomTestStringConvertible, Sendable {
    var key: String
    var value: String
    var expected: String
    var found: String? = nil
    /// Other keys to change so the check applies (e.g. the engine for earthengine.project).
    var also: [String: String] = [:]
    /// Issue key when it differs from `key` (an element of an array).
    var issueKey: String? = nil
    var testDescription: String { "\(key) = \(value)" }
    /// What Earth Engine runs today: the engine with the only mask method and stage it has.
    static let onEarthEngine = ["run.engine": #""earthengine""#, "mask.method": #""hollstein""#, "run.until": #""cloudmask""#]
}

@Suite struct ParametersFileTests {
    static let badValues: [BadValue] = [
        .init(key: "run.engine", value: #""gee""#, expected: #"one of "local", "earthengine""#, found: #""gee" (a string)"#),
        .init(key: "run.engine", value: "1", expected: #"one of "local", "earthengine""#, found: "1 (an integer)"),
        .init(key: "run.catalog", value: "3", expected: "a string", found: "3 (an integer)"),
        .init(key: "run.catalog", value: #""""#, expected: "a path", found: "an empty string"),
        .init(key: "run.output", value: "true", expected: "a string", found: "true (a boolean)"),
        .init(key: "run.output", value: #""""#, expected: "a path"),
        .init(key: "run.status_store", value: "[]", expected: "a string", found: "(an array)"),
        .init(key: "run.status_store", value: #""""#, expected: "a path"),
        .init(key: "run.log_file", value: "1.5", expected: "a string", found: "1.5 (a floating-point number)"),
        .init(key: "run.exported_json", value: "42", expected: "a string"),
        .init(key: "run.refresh", value: #""thirty""#, expected: "a number", found: #""thirty" (a string)"#),
        .init(key: "run.refresh", value: "nan", expected: "a number"),
        .init(key: "run.refresh", value: "0", expected: "seconds between 1 and 3600", found: "0.0"),
        .init(key: "run.nb_task_max", value: #""thirty""#, expected: "a whole number", found: #""thirty" (a string)"#),
        .init(key: "run.nb_task_max", value: "30.5", expected: "a whole number", found: "30.5 (a floating-point number)"),
        .init(key: "run.nb_task_max", value: "5000", expected: "a whole number from 1 to 3000", found: "5000"),
        .init(key: "run.workers", value: #""all""#, expected: "a whole number"),
        .init(key: "run.workers", value: "-1", expected: "0 (one per core) to 1024", found: "-1"),
        .init(key: "run.max_attempts", value: "true", expected: "a whole number"),
        .init(key: "run.max_attempts", value: "0", expected: "1 to 100"),
        .init(key: "run.retry_backoff", value: #""1m""#, expected: "a number"),
        .init(key: "run.retry_backoff", value: "-5", expected: "seconds from 0 to 86400"),
        .init(key: "dates.date_start", value: "20170101", expected: "a real calendar date YYYY-MM-DD", found: "20170101 (an integer)"),
        .init(key: "dates.date_start", value: #""2017-13-01""#, expected: "a real calendar date YYYY-MM-DD"),
        .init(key: "dates.date_start", value: #""01/07/2015""#, expected: "a real calendar date YYYY-MM-DD"),
        .init(key: "dates.date_end", value: #""2017-02-30""#, expected: "a real calendar date YYYY-MM-DD"),
        .init(key: "dates.date_end", value: "2017-06-30T10:00:00", expected: "a real calendar date YYYY-MM-DD", found: "(a date-time)"),
        .init(key: "dates.nb_days_before", value: #""30""#, expected: "a whole number"),
        .init(key: "dates.nb_days_before", value: "-1", expected: "0 to 3650 days"),
        .init(key: "dates.nb_days_after", value: "3.5", expected: "a whole number"),
        .init(key: "dates.nb_days_after", value: "4000", expected: "0 to 3650 days"),
        .init(key: "area.geometry", value: #""POLYGON((0 0, 1 0, 1 1, 0 0))""#, expected: "a polygon [[[lon, lat], ...]]"),
        .init(key: "area.geometry", value: #"[[[-4.0, "56.0"], [-3.5, 56.0]]]"#, expected: "a polygon [[[lon, lat], ...]]",
              found: "ring 0 point 0 = ["),
        .init(key: "area.geometry", value: "[[-4.0, 56.0], [-3.5, 56.0]]", expected: "a polygon [[[lon, lat], ...]]", found: "ring 0 point 0 = -4.0"),
        .init(key: "area.geometry", value: "[]", expected: "a polygon [[[lon, lat], ...]] with at least one ring", found: "no ring"),
        .init(key: "area.geometry", value: "[[[-4.0, 56.0, 10.0], [-3.5, 56.0], [-3.5, 56.3], [-4.0, 56.0]]]",
              expected: "points of two numbers [lon, lat]", issueKey: "area.geometry ring 0"),
        .init(key: "area.land_geometry", value: "1", expected: "a string"),
        .init(key: "area.land_geometry", value: #""""#, expected: "a vector file or an Earth Engine asset path"),
        .init(key: "area.image_to_exclude", value: #""S2A_1""#, expected: "an array of strings"),
        .init(key: "area.image_to_exclude", value: #"["S2A_1", 2]"#, expected: "an array of strings", found: "element 1 = 2 (an integer)"),
        .init(key: "area.image_to_exclude", value: #"["S2A_1", ""]"#, expected: "an image id", found: "an empty string",
              issueKey: "area.image_to_exclude[1]"),
        .init(key: "area.scale", value: #""30m""#, expected: "a number"),
        .init(key: "area.scale", value: "0", expected: "metres from 1 to 10000"),
        .init(key: "mask.method", value: #""random_forest""#, expected: #"one of "seed", "hollstein", "scl", "probability", "mask""#),
        .init(key: "mask.coef_normalisation", value: #""x""#, expected: "a number"),
        .init(key: "mask.coef_normalisation", value: "0", expected: "a positive number"),
        .init(key: "mask.model", value: "3", expected: "a string"),
        .init(key: "mask.radiometric_offset", value: #""sometimes""#, expected: #"one of "auto", "remove", "keep""#),
        .init(key: "mask.scl_asset", value: #""""#, expected: "an asset key of the catalog's items"),
        .init(key: "mask.scl_classes", value: "[3, 12]", expected: "Sen2Cor classes from 0 to 11"),
        .init(key: "mask.probability_asset", value: "1", expected: "a string"),
        .init(key: "mask.probability_threshold", value: "-1", expected: "a number at least 0, in the asset's units"),
        .init(key: "mask.mask_asset", value: "[]", expected: "a string"),
        .init(key: "mask.clustering.do_clustering", value: #""no""#, expected: "true or false"),
        .init(key: "mask.number_trees", value: "1.5", expected: "a whole number"),
        .init(key: "mask.number_trees", value: "0", expected: "1 to 10000"),
        .init(key: "mask.cutoff", value: #""0.29""#, expected: "a number"),
        .init(key: "mask.cutoff", value: "1.5", expected: "a probability from 0 to 1"),
        .init(key: "mask.number_of_images", value: #""20""#, expected: "a whole number"),
        .init(key: "mask.number_of_images", value: "0", expected: "1 to 500"),
        .init(key: "mask.number_preselect", value: "40.0", expected: "a whole number"),
        .init(key: "mask.number_preselect", value: "10", expected: "at least number_of_images (20) and at most 1000"),
        .init(key: "mask.allow_future", value: #""yes""#, expected: "true or false"),
        .init(key: "mask.allow_future", value: "1", expected: "true or false"),
        .init(key: "mask.number_hours", value: #""18h""#, expected: "a number"),
        .init(key: "mask.number_hours", value: "-1", expected: "hours from 0 to 8760"),
        .init(key: "mask.common_area", value: "true", expected: "a number"),
        .init(key: "mask.common_area", value: "1.2", expected: "a fraction from 0 to less than 1"),
        .init(key: "mask.clustering.num_pixels", value: #""many""#, expected: "a whole number"),
        .init(key: "mask.clustering.num_pixels", value: "5", expected: "10 to 1000000"),
        .init(key: "mask.clustering.n_clusters", value: "2.5", expected: "a whole number"),
        .init(key: "mask.clustering.n_clusters", value: "1", expected: "2 to 100"),
        .init(key: "mask.clustering.threshold_dif_cloud", value: #""low""#, expected: "a number"),
        .init(key: "mask.clustering.threshold_dif_cloud", value: "-0.1", expected: "0 to 1"),
        .init(key: "mask.clustering.threshold_reflectance", value: "[]", expected: "a number"),
        .init(key: "mask.clustering.threshold_reflectance", value: "3", expected: "0 to 2"),
        .init(key: "mask.clustering.bands_thresholds", value: #""B4""#, expected: "an array of strings"),
        .init(key: "mask.clustering.bands_thresholds", value: #"["B4", "B13"]"#, expected: "Sentinel-2 band names"),
        .init(key: "mask.clustering.bands_thresholds", value: "[]", expected: "Sentinel-2 band names"),
        .init(key: "mask.clustering.growing_ratio", value: "2.5", expected: "a whole number"),
        .init(key: "mask.clustering.growing_ratio", value: "60", expected: "0 to 50 pixels"),
        .init(key: "mask.clustering.sampling_scale", value: #""30""#, expected: "a number"),
        .init(key: "mask.clustering.sampling_scale", value: "0", expected: "metres from 1 to 10000"),
        .init(key: "run.until", value: #""masks""#, expected: #"one of "cloudmask", "ndvi", "gapfill", "productivity""#),
        .init(key: "run.collections", value: #""sentinel-2-l1c""#, expected: "an array of strings"),
        .init(key: "run.max_cloud_cover", value: "120", expected: "a percentage from 0 to 100"),
        .init(key: "mask.fallback", value: #""scl""#, expected: #"one of "none", "mask""#),
        .init(key: "mask.ndvi_asset", value: #""""#, expected: "an asset name"),
        .init(key: "gapfill.method", value: #""hants""#, expected: #"one of "seed", "linear", "harmonic-residual""#),
        .init(key: "gapfill.seed_literal", value: "1", expected: "true or false"),
        .init(key: "gapfill.memory_mb", value: "10", expected: "megabytes from 64 to 1048576"),
        .init(key: "productivity.season_start", value: #""13-01""#, expected: #"a month and day "MM-DD""#),
        .init(key: "productivity.start_fraction", value: "0", expected: "a fraction of the amplitude between 0 and 1, exclusive"),
        .init(key: "productivity.end_fraction", value: #""low""#, expected: "a number"),
        .init(key: "productivity.min_amplitude", value: "-0.1", expected: "NDVI from 0 to 2"),
        .init(key: "productivity.peak_fraction", value: "0.2", expected: "a fraction above start_fraction and end_fraction and below 1"),
        .init(key: "earthengine.project", value: "1", expected: "a string"),
        .init(key: "earthengine.credentials", value: "1", expected: "a string"),
        .init(key: "earthengine.api_url", value: #""ftp://host""#, expected: "an http(s) URL (default https://earthengine.googleapis.com)",
              also: BadValue.onEarthEngine),
        .init(key: "earthengine.asset_margin", value: "-1", expected: "a whole number of assets, at least 0", also: BadValue.onEarthEngine),
        .init(key: "earthengine.destination_folder", value: #""a//b""#,
              expected: #"an ImageCollection asset for the masks when engine = "earthengine": path segments"#, also: BadValue.onEarthEngine),
        .init(key: "earthengine.collection", value: "false", expected: "a string"),
        .init(key: "earthengine.export_to", value: #""gcs""#, expected: #"one of "asset", "drive", "cloud-storage""#),
        .init(key: "earthengine.drive_folder", value: #""a/b""#, expected: #"a Google Drive folder name (no slash) when export_to = "drive""#,
              also: BadValue.onEarthEngine.merging(["earthengine.export_to": #""drive""#]) { $1 }),
        .init(key: "earthengine.bucket", value: #""My_Bucket""#, expected: "a bucket name (3 to 63 lowercase letters, digits, -, _, .)",
              also: BadValue.onEarthEngine.merging(["earthengine.export_to": #""cloud-storage""#]) { $1 }),
        .init(key: "earthengine.metadata_file", value: "2", expected: "a string"),
        .init(key: "earthengine.destination_folder", value: "[1]", expected: "a string"),
    ]

    @Test(arguments: badValues)
    func eachKeyWrongInTurn(_ bad: BadValue) throws {
        let (text, lines) = SampleDocument.make(bad.also.merging([bad.key: bad.value]) { $1 })
        let (path, found) = try issues(text)
        try #require(found.count == 1, "\(found)")
        let issue = found[0]
        let line = try #require(lines[bad.key])
        let key = bad.issueKey ?? bad.key
        #expect(issue.file == path)
        #expect(issue.line == line)
        #expect(issue.key == key)
        #expect(issue.description.hasPrefix("\(path):\(line): \(key): expected \(bad.expected)"), "\(issue)")
        if let fragment = bad.found {
            #expect(issue.found?.contains(fragment) == true, "\(issue)")
        }
    }

    @Test func everyKeyHasAWrongValueCase() {
        let covered = Set(Self.badValues.map(\.key))
        #expect(SampleDocument.allKeys.filter { !covered.contains($0) } == [])
    }

    /// The sample document holds every key the reader knows: the unknown-key message, which
    /// lists the reader's keys, lists exactly the document's.
    @Test(arguments: SampleDocument.tables.map(\.name))
    func sampleDocumentHasEveryKnownKey(_ table: String) throws {
        let text = SampleDocument.make().text.replacingOccurrences(of: "[\(table)]\n", with: "[\(table)]\nzzz = 1\n")
        let (_, found) = try issues(text)
        try #require(found.count == 1, "\(found)")
        var keys = SampleDocument.tables.first { $0.name == table }!.keys.map(\.key)
        if table == "mask" { keys.append("clustering") }
        #expect(found[0].expected == "one of the keys of [\(table)] (\(keys.joined(separator: ", ")))")
    }

    @Test func theSampleDocumentLoads() throws {
        let (_, found) = try issues(SampleDocument.make().text)
        #expect(found == [])
    }

    @Test func anEmptyFileGivesTheModelsDefaults() throws {
        let folder = try temporaryFolder()
        let path = try write("# nothing set\n", to: folder)
        var expected = Parameters()
        expected.baseDirectory = URL(fileURLWithPath: folder).standardizedFileURL.path
        #expect(try ParametersFile.load(path: path, checkFiles: false) == expected)
    }

    @Test func localDatesAndWholeNumbersForFloats() throws {
        let folder = try temporaryFolder()
        let path = try write("[dates]\ndate_start = 2016-02-29\n[run]\nrefresh = 45\nretry_backoff = 0.5\n", to: folder)
        let p = try ParametersFile.load(path: path, checkFiles: false)
        #expect(p.dates.start == CalendarDate(year: 2016, month: 2, day: 29))
        #expect(p.run.refresh == 45.0)
        #expect(p.run.retryBackoff == 0.5)
    }

    @Test func february30IsNotADay() throws {
        let (text, lines) = SampleDocument.make(["dates.date_end": #""2017-02-30""#])
        let (path, found) = try issues(text)
        #expect(found.map(\.description) == [
            #"\#(path):\#(lines["dates.date_end"]!): dates.date_end: expected a real calendar date YYYY-MM-DD, found "2017-02-30" (a string)"#,
        ])
    }

    @Test func endBeforeStart() throws {
        let (text, lines) = SampleDocument.make(["dates.date_start": #""2017-06-30""#, "dates.date_end": "2017-01-01"])
        let (path, found) = try issues(text)
        #expect(found.map(\.description) == [
            "\(path):\(lines["dates.date_end"]!): dates.date_end: expected a date on or after date_start (2017-06-30), found 2017-01-01",
        ])
    }

    @Test func anOpenRingIsReported() throws {
        let (text, lines) = SampleDocument.make(["area.geometry": "[[[-4.0, 56.0], [-3.5, 56.0], [-3.5, 56.3], [-4.0, 56.3]]]"])
        let (path, found) = try issues(text)
        try #require(found.count == 1)
        #expect(found[0].description.hasPrefix("\(path):\(lines["area.geometry"]!): area.geometry ring 0: expected a closed ring"))
        #expect(found[0].found == "[-4.0, 56.3]")
    }

    @Test func aClockwiseOuterRingIsReported() throws {
        let clockwise = "[[[-4.0, 56.0], [-4.0, 56.3], [-3.5, 56.3], [-3.5, 56.0], [-4.0, 56.0]]]"
        let (text, lines) = SampleDocument.make(["area.geometry": clockwise])
        let (_, found) = try issues(text)
        try #require(found.count == 1)
        #expect(found[0].line == lines["area.geometry"])
        #expect(found[0].expected.hasPrefix("counter-clockwise (outer ring) winding"))
        #expect(found[0].found == "clockwise")
    }

    @Test func latitudeAndLongitudeSwapped() throws {
        // A site near Shanghai (121.5 E, 31.2 N) written lat first.
        let swapped = "[[[31.2, 121.5], [31.4, 121.5], [31.4, 121.7], [31.2, 121.5]]]"
        let (text, lines) = SampleDocument.make(["area.geometry": swapped])
        let (_, found) = try issues(text)
        try #require(found.count == 1)
        #expect(found[0].line == lines["area.geometry"])
        #expect(found[0].expected == "lon in -180...180 and lat in -90...90 (EPSG:4326, lon first)")
        #expect(found[0].found == "point 0 = [31.2, 121.5]")
    }

    @Test func aPolygonOverSeveralLinesIsReportedWhereItStarts() throws {
        let text = "[run]\nworkers = 1\n\n[area]\nscale = 30\ngeometry = [[\n  [-4.0, 56.0],\n  [-3.5, 56.0],\n  [-3.5, 56.3],\n]]\n"
        let (_, found) = try issues(text)
        try #require(found.count == 1)
        #expect(found[0].line == 6)
        #expect(found[0].key == "area.geometry ring 0")
    }

    @Test func anUnknownKeyIsATypo() throws {
        let text = SampleDocument.make().text.replacingOccurrences(of: "nb_task_max = 30", with: "nb_task_mx = 30")
        let (path, found) = try issues(text)
        let line = SampleDocument.make().lines["run.nb_task_max"]!
        let runKeys = SampleDocument.tables[0].keys.map(\.key).joined(separator: ", ")
        #expect(found.map(\.description) == [
            "\(path):\(line): run.nb_task_mx: expected one of the keys of [run] (\(runKeys)), found unknown key `nb_task_mx` (did you mean `nb_task_max`?)",
        ])
    }

    @Test func unknownTablesAndStrayKeys() throws {
        let text = "stray = 1\n[run]\nworkers = 2\n\n[runn]\nworkers = 3\n[mask.clusterin]\nn_clusters = 4\n"
        let (path, found) = try issues(text)
        let tables = "[run], [dates], [area], [mask], [mask.clustering], [gapfill], [productivity], [earthengine], [dashboard]"
        #expect(found.map(\.description) == [
            "\(path):1: stray: expected one of the tables \(tables), found key `stray` outside any table",
            "\(path):5: runn: expected one of the tables \(tables), found unknown table [runn] (did you mean [run]?)",
            "\(path):7: mask.clusterin: expected one of the keys of [mask] (method, model, radiometric_offset, scl_asset, scl_classes, "
                + "probability_asset, probability_threshold, mask_asset, coef_normalisation, number_trees, cutoff, "
                + "number_of_images, number_preselect, allow_future, number_hours, common_area, fallback, ndvi_asset, clustering), "
                + "found unknown table [mask.clusterin] (did you mean [mask.clustering]?)",
        ])
    }

    @Test func aTableThatIsNotATable() throws {
        let (path, found) = try issues("run = 3\n[dates]\nnb_days_after = 1\n")
        #expect(found.map(\.description) == ["\(path):1: run: expected a table [run], found 3 (an integer)"])
    }

    @Test func aSyntaxErrorGivesItsLine() throws {
        let (path, found) = try issues("[run]\nworkers = 2\n\n# below\nnb_task_max = = 3\n")
        try #require(found.count == 1)
        #expect(found[0].file == path)
        #expect(found[0].line == 5)
        #expect(found[0].key.hasPrefix("syntax (column "))
        #expect(found[0].description.contains(": expected valid TOML: "))
    }

    @Test func aDuplicateKeyIsASyntaxError() throws {
        let (_, found) = try issues("[run]\nworkers = 2\nworkers = 3\n")
        try #require(found.count == 1)
        #expect(found[0].line == 3)
        #expect(found[0].expected.hasPrefix("valid TOML: "))
    }

    @Test func severalErrorsAreReportedTogether() throws {
        let (document, lines) = SampleDocument.make([
            "run.nb_task_max": #""thirty""#, "dates.date_end": #""2017-02-30""#, "area.scale": "0",
            "mask.cutoff": "2", "earthengine.collection": "7",
        ])
        let text = document.replacingOccurrences(of: "workers = 0", with: "workrs = 0")
        let (_, found) = try issues(text)
        // Reading problems first, top to bottom, then checks of meaning, top to bottom.
        #expect(found.map(\.key) == [
            "run.nb_task_max", "run.workrs", "dates.date_end", "earthengine.collection", "area.scale", "mask.cutoff",
        ])
        #expect(found.map(\.line) == [
            lines["run.nb_task_max"], lines["run.workers"], lines["dates.date_end"], lines["earthengine.collection"],
            lines["area.scale"], lines["mask.cutoff"],
        ])
    }

    @Test func missingFilesAreReportedWhenChecked() throws {
        let folder = try temporaryFolder()
        let (text, lines) = SampleDocument.make()
        let path = try write(text, to: folder)
        #expect(throws: Never.self) { try ParametersFile.load(path: path, checkFiles: false) }
        let error = try #require(throws: ParameterError.self) { try ParametersFile.load(path: path) }
        #expect(error.issues.map(\.description) == [
            "\(path):\(lines["run.catalog"]!): run.catalog: expected an existing STAC catalog.json or ItemCollection file, a folder of SAFE products (or one .SAFE folder or .zip), or a STAC API URL (https://…), found nothing at \(folder)/cat.json",
            "\(path):\(lines["area.land_geometry"]!): area.land_geometry: expected an existing vector file (GeoJSON, GeoPackage, Shapefile), found no file at \(folder)/land.geojson",
            "\(path):\(lines["run.exported_json"]!): run.exported_json: expected a JSON file holding an object (the original's JSON_FILE), found no file at \(folder)/exported.json",
        ])

        _ = try write("{}", to: folder, name: "cat.json")
        _ = try write(#"{"type": "FeatureCollection", "features": []}"#, to: folder, name: "land.geojson")
        _ = try write(#"["not", "an", "object"]"#, to: folder, name: "exported.json")
        let again = try #require(throws: ParameterError.self) { try ParametersFile.load(path: path) }
        #expect(again.issues.map(\.key) == ["run.exported_json"])
        #expect(again.issues.first?.found == "a JSON array at \(folder)/exported.json")

        _ = try write(#"{"S2A_1": {"exported": true}}"#, to: folder, name: "exported.json")
        let loaded = try ParametersFile.load(path: path)
        #expect(loaded.baseDirectory == URL(fileURLWithPath: folder).standardizedFileURL.path)
        #expect(loaded.resolve(loaded.run.catalog) == "\(folder)/cat.json")
    }

    /// A folder is a catalog only when it holds SAFE products: a STAC catalog's folder or a wrong
    /// parent would list nothing, and a run would take every image it knows as gone.
    @Test func aFolderMustHoldSafeProducts() throws {
        let folder = try temporaryFolder()
        let (text, lines) = SampleDocument.make(["run.catalog": #""products""#])
        let path = try write(text, to: folder)
        let products = (folder as NSString).appendingPathComponent("products")
        try FileManager.default.createDirectory(atPath: products, withIntermediateDirectories: true)
        _ = try write("{}", to: products, name: "catalog.json")
        _ = try write(#"{"type": "FeatureCollection", "features": []}"#, to: folder, name: "land.geojson")
        _ = try write("{}", to: folder, name: "exported.json")
        let error = try #require(throws: ParameterError.self) { try ParametersFile.load(path: path) }
        #expect(error.issues.map(\.description) == [
            "\(path):\(lines["run.catalog"]!): run.catalog: expected an existing STAC catalog.json or ItemCollection file, a folder of SAFE products (or one .SAFE folder or .zip), or a STAC API URL (https://…), found a folder holding no SAFE products (.SAFE folders, .zip files, folders with GRANULE/) at \(products) (a static STAC catalog is given by its catalog.json)",
        ])
        // One product, zipped (its content is read when listed, not here): the folder is a catalog.
        _ = try write("", to: products, name: "S2A_MSIL1C_20170101T100000_N0204_R122_T33TVL_20170101T100000.zip")
        #expect(throws: Never.self) { try ParametersFile.load(path: path) }
        // So is one product's own folder, by its GRANULE folder.
        let product = (folder as NSString).appendingPathComponent("one")
        try FileManager.default.createDirectory(atPath: (product as NSString).appendingPathComponent("GRANULE"), withIntermediateDirectories: true)
        let single = try write(SampleDocument.make(["run.catalog": #""one""#]).text, to: folder, name: "single.toml")
        #expect(throws: Never.self) { try ParametersFile.load(path: single) }
    }

    @Test func anEarthEngineAssetNeedsNoLocalFile() throws {
        // No catalog either: Earth Engine lists its own images.
        let folder = try temporaryFolder()
        let asset = #""users/NAME/UK_border""#
        let earthEngine = SampleDocument.make(BadValue.onEarthEngine.merging(["area.land_geometry": asset, "run.exported_json": "[]"]) { $1 })
        // exported_json of the wrong type keeps its default (none), so it is not looked for.
        let path = try write(earthEngine.text, to: folder)
        let error = try #require(throws: ParameterError.self) { try ParametersFile.load(path: path) }
        #expect(error.issues.map(\.key) == ["run.exported_json"])

        let local = SampleDocument.make(["area.land_geometry": asset])
        let localPath = try write(local.text, to: folder, name: "local.toml")
        let localError = try #require(throws: ParameterError.self) { try ParametersFile.load(path: localPath) }
        let land = try #require(localError.issues.first { $0.key == "area.land_geometry" })
        #expect(land.line == local.lines["area.land_geometry"])
        #expect(land.expected.hasSuffix(#"an Earth Engine asset path needs engine = "earthengine""#))
        #expect(localError.issues.map(\.key) == ["run.catalog", "area.land_geometry", "run.exported_json"])
    }

    @Test func aMissingParametersFile() throws {
        let path = try temporaryFolder() + "/absent.toml"
        let error = try #require(throws: ParameterError.self) { try ParametersFile.load(path: path) }
        #expect(error.issues.count == 1)
        #expect(error.issues[0].file == path)
        #expect(error.issues[0].found == "no file at \(path)")
    }
}
