import ArgumentParser
import Foundation
import VerdantCore
import VerdantRepair
import VerdantStatusFile

struct ExportStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-status",
        abstract: "Write the status in the original tool's layout (Name, Result, Task_id, then verdant's columns), as xlsx or csv.",
        discussion: "Default file: <output>/current_status.xlsx (or .csv). Written whole or not at all; safe while a run is going. Exit codes: \(ExitStatus.table).")

    @OptionGroup var parameters: ParametersOption
    @Option(help: "xlsx or csv (default: from the file's extension, else xlsx).")
    var format: StatusFileFormat?
    @Argument(help: "The file to write.")
    var file: String?

    func validate() throws {
        if format == nil, let file, StatusFileFormat(path: file) == nil {
            throw ValidationError("\(file): say which format with --format xlsx|csv (the extension is neither)")
        }
    }

    func run() async throws {
        let workspace = try parameters.workspace(checkFiles: false)
        let format = format ?? file.flatMap(StatusFileFormat.init(path:)) ?? .xlsx
        let path = file ?? workspace.layout.root.appendingPathComponent("current_status.\(format.rawValue)").path
        guard FileManager.default.fileExists(atPath: workspace.storePath) else {
            Failure.printError("\(workspace.storePath): no status store yet (`verdant run` creates it)")
            throw ExitStatus.badInput.exitCode
        }
        let store = try Failure.guarded { try workspace.openStore(readOnly: true) }
        let count = try Failure.guarded { try StatusExport.write(store: store, graph: workspace.graph, to: path, format: format) }
        print("wrote \(count) task(s) to \(path)")
    }
}

struct ImportStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-status",
        abstract: "Read a status file of the original tool (or of export-status) into the store, through repair.",
        discussion: """
            Rows become what the store says (READY/RUNNING rows a crash left are then repaired like any task in \
            flight the engine does not know; "Out of area" becomes OUT_OF_AREA); extra columns are ignored. The file \
            is checked whole first: a malformed one changes nothing (exit 2). Then, as `repair`: the diff, Apply? y/N, \
            a backup, one transaction. Exit codes: \(ExitStatus.table).
            """)

    @OptionGroup var parameters: ParametersOption
    @Argument(help: "The status file (.xlsx or .csv).")
    var file: String
    @Option(help: "xlsx or csv (default: from the file's extension).")
    var format: StatusFileFormat?
    @Flag(help: "Show what would change; write nothing.")
    var dryRun = false
    @Flag(name: .shortAndLong, help: "Apply without asking.")
    var yes = false
    @Flag(help: "Print the findings, the changes and the result as JSON.")
    var json = false
    @Option(name: .customLong("choose"), help: "CLASS=N: take option N (1 is the default) for a repair class. Repeatable.")
    var choices: [String] = []

    func run() async throws {
        let workspace = try parameters.workspace(checkFiles: false)
        let imported = try Failure.guarded { try StatusImport.read(path: file, format: format, graph: workspace.graph) }
        let session = try RepairSession(workspace: workspace, dryRun: dryRun, creating: true)
        do {
            let context = try await session.context(remedy: nil)
            let overlay = try Failure.guarded { try imported.overlay(store: session.store, graph: workspace.graph) }
            var plan = try Failure.guarded { try Repair.inspect(store: session.store, context: context, overlay: overlay) }
            for (kind, n) in try RepairChoices.parse(choices) { try RepairChoices.apply(kind, n, to: &plan) }
            try await session.conclude(plan, yes: yes, json: json, heading: "import-status \(file) into")
        } catch {
            await session.close()
            throw error
        }
        await session.close()
    }
}

extension StatusFileFormat: ExpressibleByArgument {}
