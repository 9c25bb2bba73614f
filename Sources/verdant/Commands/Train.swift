import ArgumentParser
import Foundation
import VerdantCore
import VerdantLocal
import VerdantMask

/// `verdant train`: a random forest cloud model from labelled pixels, written as a model file
/// (README, "Cloud model").
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the random forest of mask.method \"seed\" from reference masks or a CSV of samples.",
        discussion: """
            From scenes: every image of the catalog with a reference mask (--reference, matched by \
            the date in the file name) gives its labelled pixels, with the features computed as a run \
            computes them (neighbours from the same catalog). From a CSV (--samples): one row per \
            sample, a column per feature named as in the model, and a `label` column (1 or cloud, 0 or \
            clear). Exit codes: \(ExitStatus.table).
            """)

    @OptionGroup var parameters: ParametersOption
    @OptionGroup var references: ReferenceOptions
    @Option(name: .customLong("samples"), help: "A CSV of samples instead of scenes.") var samples: String?
    @Option(name: [.short, .customLong("output")], help: "The model file to write.") var output: String
    @Option(help: "Features, comma separated (\(CloudFeature.catalogue)). Default: tree3,tree2,percentile1,percentile5 from scenes; a CSV's own columns.")
    var features: String?
    @Option(help: "Trees (default: mask.number_trees).") var trees: Int?
    @Option(name: .customLong("max-depth")) var maxDepth: Int = 20
    @Option(name: .customLong("min-leaf")) var minLeaf: Int = 1
    @Option(help: "Seed of the bootstrap and feature draws.") var seed: UInt64 = 0x5EED_F0E5
    @Option(name: .customLong("exclude-date"), help: "Leave out the scenes of this date, YYYY-MM-DD (repeatable).")
    var excludeDates: [String] = []
    @Option(help: "What the labels are, recorded in the model (e.g. \"s2cloudless masks: an algorithm, not people\").")
    var labels: String?

    func run() throws {
        let workspace = try parameters.workspace()
        for date in excludeDates where CalendarDate(iso: date) == nil {
            throw Failure.badInput("--exclude-date \(date): expected a date YYYY-MM-DD")
        }
        if samples != nil && (!references.reference.isEmpty || !excludeDates.isEmpty || references.noLand || references.catalog != nil) {
            throw Failure.badInput("--samples trains on the CSV alone: --reference, --catalog, --no-land and --exclude-date apply to scenes")
        }
        let names: [String]
        if let features {
            names = features.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        } else if let samples {
            names = try Failure.guarded { try SampleTable.header(samples) }.filter { $0 != "label" }
        } else {
            names = CloudFeature.defaults.map(\.name)
        }
        guard !names.isEmpty, !names.contains(""), Set(names).count == names.count else {
            throw Failure.badInput("\(features == nil ? "the CSV header's feature columns" : "--features") \(names.joined(separator: ",")): expected distinct feature names, comma separated")
        }
        let chosen = try Failure.guarded { () throws -> [CloudFeature] in
            do { return try CloudFeature.parse(names) } catch let error as CloudModelError { throw BadInput("features: \(error.problem)") }
        }
        var settings = ForestTraining.Settings()
        settings.trees = trees ?? workspace.parameters.mask.numberTrees
        settings.maxDepth = maxDepth; settings.minLeaf = minLeaf; settings.seed = seed
        guard (1...10000).contains(settings.trees), maxDepth >= 1, minLeaf >= 1 else {
            throw Failure.badInput("--trees 1 to 10000, --max-depth and --min-leaf at least 1")
        }
        let (columns, labelValues, sources, labelText): ([[Float]], [UInt8], [String], String)
        if let samples {
            let table = try Failure.guarded { try SampleTable.read(samples, features: names) }
            (columns, labelValues, sources) = (table.columns, table.labels, [samples])
            labelText = labels ?? "the label column of \(samples)"
        } else {
            guard !references.reference.isEmpty else { throw Failure.badInput("give --reference (masks or a folder) or --samples FILE.csv") }
            let masks = try Failure.guarded { try references.masks() }
            let loaded = try Failure.guarded {
                try LabelledScenes.load(workspace: workspace, catalogPath: references.catalog, references: masks, features: chosen,
                                        settings: CloudMaskSettings(parameters: workspace.parameters),
                                        excluding: Set(excludeDates), useLand: !references.noLand) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            }
            guard !loaded.scenes.isEmpty else { throw Failure.badInput("no image of the catalog has a reference mask (matched by date in the file name)") }
            let dates = Set(loaded.scenes.map(\.date) + loaded.excludedDates)
            for date in excludeDates where !dates.contains(date) {
                throw Failure.badInput("--exclude-date \(date): no image of that date has a reference mask")
            }
            (columns, labelValues) = LabelledScenes.samples(loaded.scenes)
            sources = loaded.scenes.map { "\($0.item.id) <- \($0.reference)" }
            labelText = labels ?? "reference masks (\(references.kind))"
        }
        guard Set(labelValues).count == 2 else { throw Failure.badInput("the samples must hold both cloud (1) and clear (0) labels") }
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let (forest, outOfBag) = ForestTraining(settings: settings).trainWithOutOfBag(columns: columns, labels: labelValues, workers: workers)
        let cutoff = Float(workspace.parameters.mask.cutoff)
        let agreement = MaskAgreement(mask: outOfBag.map { $0.isNaN ? 255 : ($0 > cutoff ? 1 : 0) }, reference: labelValues)
        let record = CloudModelFile.Training(
            command: (["verdant"] + CommandLine.arguments.dropFirst().map(Self.shellQuoted)).joined(separator: " "),
            created: ISO8601DateFormatter().string(from: Date()), settings: settings, samples: labelValues.count,
            cloudSamples: labelValues.filter { $0 == 1 }.count, sources: sources, labels: labelText)
        let evaluation = CloudModelFile.Evaluation(on: "out-of-bag samples at cutoff \(workspace.parameters.mask.cutoff)",
                                                   pixels: agreement.pixels, overallAccuracy: agreement.overallAccuracy ?? 0,
                                                   balancedAccuracy: agreement.balancedAccuracy ?? 0)
        let model = CloudModelFile(features: chosen.map(\.name), trees: forest, training: record,
                                   evaluation: agreement.pixels > 0 ? [evaluation] : nil)
        do { try model.write(to: output) } catch {
            throw Failure.badInput("-o \(output): the model cannot be written there (\(error.localizedDescription))")
        }
        print("trained \(forest.count) trees on \(labelValues.count) samples (\(record.cloudSamples) cloud) with features \(chosen.map(\.name).joined(separator: ", "))")
        if agreement.pixels > 0 {
            print(String(format: "out-of-bag: overall accuracy %.4f, balanced accuracy %.4f", evaluation.overallAccuracy, evaluation.balancedAccuracy))
            if evaluation.balancedAccuracy < 0.6 {
                Failure.printError("warning: the features separate cloud from clear little better than chance on these samples")
            }
        } else {
            print("out-of-bag: not measured (every sample was drawn by every tree)")
        }
        print("model: \(output)")
    }
}

extension Train {
    /// A word as a POSIX shell reads it back (the recorded command can be pasted).
    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A CSV of training samples: a header naming the features and `label`.
enum SampleTable {
    /// The header's column names.
    static func header(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw BadInput("\(path): cannot be read") }
        let first = String(decoding: data.prefix(65_536), as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            .split(separator: "\n", maxSplits: 1).first ?? ""
        return first.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }

    static func read(_ path: String, features: [String]) throws -> (columns: [[Float]], labels: [UInt8]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw BadInput("\(path): cannot be read") }
        // Blank lines are kept, so the numbers in errors are the file's own line numbers.
        // "\r\n" is one Character in Swift: made "\n" first, so Windows files split too.
        let lines = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.first?.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }) else {
            throw BadInput("\(path): empty; expected a header line naming the feature columns and `label`")
        }
        guard let labelColumn = header.firstIndex(of: "label") else {
            throw BadInput("\(path) line 1: no `label` column (found \(header.joined(separator: ", ")))")
        }
        let positions = try features.map { name -> Int in
            guard let column = header.firstIndex(of: name) else {
                throw BadInput("\(path) line 1: no column for feature \(name) (found \(header.joined(separator: ", ")))")
            }
            return column
        }
        var columns = [[Float]](repeating: [], count: features.count), labels: [UInt8] = []
        for (number, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == header.count else {
                throw BadInput("\(path) line \(number + 1): \(cells.count) fields, expected \(header.count)")
            }
            switch cells[labelColumn].lowercased() {
            case "1", "cloud": labels.append(1)
            case "0", "clear": labels.append(0)
            default: throw BadInput("\(path) line \(number + 1), column label: expected 1/cloud or 0/clear, found \"\(cells[labelColumn])\"")
            }
            for (f, column) in positions.enumerated() {
                guard let value = Float(cells[column]), value.isFinite else {
                    throw BadInput("\(path) line \(number + 1), column \(header[column]): expected a finite number, found \"\(cells[column])\"")
                }
                columns[f].append(value)
            }
        }
        guard !labels.isEmpty else { throw BadInput("\(path): no sample rows after the header") }
        return (columns, labels)
    }
}
