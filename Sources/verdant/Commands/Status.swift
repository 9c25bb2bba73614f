import ArgumentParser
import Foundation
import VerdantCore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print counts per state and the last transitions; safe while a run is going.")

    @OptionGroup var parameters: ParametersOption
    @Option(name: .shortAndLong, help: "How many of the last transitions to show.")
    var last = 10
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let workspace = try parameters.workspace(checkFiles: false)
        guard FileManager.default.fileExists(atPath: workspace.storePath) else {
            Failure.printError("\(workspace.storePath): no status store yet (run `verdant run` first)")
            throw ExitCode(2)
        }
        let store = try workspace.openStore(readOnly: true)
        let counts = try store.counts(stage: nil)
        let journal = try store.journal(limit: last, imageId: nil)
        let running = RunLock.isHeld(storePath: workspace.storePath)
        if json {
            let object: [String: Any] = [
                "store": workspace.storePath,
                "run_active": running,
                "counts": Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                "total": counts.values.reduce(0, +),
                "last_transitions": journal.map { entry -> [String: Any] in
                    ["seq": entry.seq, "at": ISO8601DateFormatter().string(from: entry.at), "image": entry.imageId,
                     "stage": entry.stage.rawValue, "from": entry.from.rawValue, "to": entry.to.rawValue,
                     "detail": entry.detail ?? NSNull()]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("status store: \(workspace.storePath)\(running ? "  (a verdant run is active)" : "")")
        let total = counts.values.reduce(0, +)
        for state in TaskState.allCases where counts[state, default: 0] > 0 {
            print(String(format: "  %-12@ %6d", state.rawValue as NSString, counts[state]!))
        }
        print(String(format: "  %-12@ %6d", "total" as NSString, total))
        if !journal.isEmpty {
            print("last transitions:")
            let format = ISO8601DateFormatter()
            for entry in journal.reversed() {
                print("  \(format.string(from: entry.at))  \(entry.imageId)  \(entry.from.rawValue) -> \(entry.to.rawValue)\(entry.detail.map { "  (\($0))" } ?? "")")
            }
        }
    }
}
