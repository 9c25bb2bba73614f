import Foundation
import TOMLKit
import VerdantCore

/// Reads parameters.toml into `Parameters`. Every problem is reported at once, each as
/// `path:line: key: expected X, found Y`, so a person fixes the file in one pass.
public enum ParametersFile {
    /// Throws `ParameterError` holding every issue, in this order: a TOML syntax error (alone,
    /// since nothing else can be read), then keys of the wrong type and unknown keys or tables,
    /// then `Parameters.validate()`'s checks of meaning, then (when `checkFiles`) the files the
    /// parameters name. `file` in each issue is `path` as given. `baseDirectory` is set to the
    /// file's folder, made absolute, so relative paths in it mean the same from any directory.
    public static func load(path: String, checkFiles: Bool = true) throws -> Parameters {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            throw ParameterError([ParameterIssue(
                key: "parameters file", expected: "a readable UTF-8 TOML file (`verdant init` writes one)",
                found: FileManager.default.fileExists(atPath: absolute) ? "a file that cannot be read as UTF-8 text" : "no file at \(absolute)",
                file: path)])
        }
        let root = try table(text, path: path)
        var parameters = Parameters()
        parameters.baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path

        let collector = IssueCollector(file: path, locator: KeyLocator(text: text))
        read(root, into: &parameters, issues: collector)
        var issues = byLine(collector.issues)

        // A key already reported keeps its default value, and a check of meaning about it, or
        // about a key compared with it, would blame the wrong thing.
        let meaning = parameters.validate().filter { issue in
            let key = KeyLocator.tomlKey(of: issue.key)
            return !collector.isUnreadable(key) && !(dependencies[key] ?? []).contains(where: collector.isUnreadable)
        }
        issues += byLine(meaning.map(collector.locate))

        if checkFiles {
            let alreadyReported = Set(issues.map { KeyLocator.tomlKey(of: $0.key) })
            let engineKnown = !collector.isUnreadable("run.engine")
            issues += FileChecks.issues(parameters, skipping: alreadyReported, engineKnown: engineKnown).map(collector.locate)
        }
        guard issues.isEmpty else { throw ParameterError(issues) }
        return parameters
    }

    /// Checks of `validate()` that compare a key with another one.
    static let dependencies: [String: [String]] = [
        "dates.date_end": ["dates.date_start"],
        "mask.number_preselect": ["mask.number_of_images"],
        "earthengine.destination_folder": ["run.engine", "earthengine.export_to"],
        "earthengine.drive_folder": ["run.engine", "earthengine.export_to"],
        "earthengine.bucket": ["run.engine", "earthengine.export_to"],
        "earthengine.api_url": ["run.engine"],
        "earthengine.asset_margin": ["run.engine"],
        "earthengine.collection": ["run.engine"],
        "mask.method": ["run.engine"],
        "run.until": ["run.engine"],
    ]

    /// Stable: issues on one line keep the order they were found in.
    static func byLine(_ issues: [ParameterIssue]) -> [ParameterIssue] {
        issues.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element)
    }

    /// The parsed document, or the parser's complaint with its line and column.
    static func table(_ text: String, path: String) throws -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ParameterError([ParameterIssue(
                key: "syntax (column \(error.source.begin.column))", expected: "valid TOML: \(error.description)",
                file: path, line: error.source.begin.line)])
        }
    }
}
