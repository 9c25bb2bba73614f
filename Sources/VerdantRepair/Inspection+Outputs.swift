import Foundation
import VerdantCore

extension Inspection {
    /// COMPLETED or SKIPPED, but the output folder has no valid output for it: started again.
    mutating func withoutOutput() throws {
        var fixes: [Transition] = [], examples: [String] = []
        for row in rows where (row.state == .completed || row.state == .skipped) && !claimed.contains(row.key) {
            let check = context.outputs(row.key, try fingerprint(row.key))
            if let path = check.validPath {
                try recordOutput(path, of: row.key)
                continue
            }
            claimed.insert(row.key)
            examples.append("\(row.key): \(check.problem)")
            fixes.append(.startingAgain(row.key, from: row.state, to: context.startState(row.key.stage),
                                        detail: detail(.completedWithoutOutput, check.problem)))
        }
        add(.completedWithoutOutput, count: fixes.count, examples: examples,
            options: [RepairOption(title: "start them again", fixes: fixes)])
    }

    /// An imported row that says done without naming its output (the original's file has no
    /// such column): the output found is recorded with it.
    mutating func recordOutput(_ path: String, of key: TaskKey) throws {
        guard var row = overlay.rows[key] else { return }
        if case .set = row.output { return }
        row.output = .set(path)
        row.paramsHash = .set(try fingerprint(key))
        overlay.rows[key] = row
    }

    /// Not recorded as done, but a valid output is there: SKIPPED with its output (two legal
    /// steps from FAILED or CANCELLED, through QUEUED).
    mutating func outputWithoutRecord() throws {
        let candidates: Set<TaskState> = [.waiting, .queued, .failed, .cancelled]
        var fixes: [Transition] = []
        for row in rows where candidates.contains(row.state) && !claimed.contains(row.key) {
            guard let path = context.outputs(row.key, try fingerprint(row.key)).validPath else { continue }
            claimed.insert(row.key)
            var t = Transition(key: row.key, from: row.state, to: .skipped,
                               detail: detail(.outputWithoutRecord, "a valid output is in the output folder"))
            t.output = .set(path)
            t.paramsHash = .set(try fingerprint(row.key))
            t.reason = .set("output already in the output folder")
            t.error = .clear
            t.notBefore = .clear
            fixes.append(t)
        }
        add(.outputWithoutRecord, count: fixes.count, examples: fixes.map(Self.example),
            options: [RepairOption(title: "record them SKIPPED with their output", fixes: fixes)])
    }

    /// Waiting tasks held by FAILED or CANCELLED inputs: retry those inputs, or let the
    /// waiting tasks go on without them (queued when what is left has delivered, excluded
    /// when nothing is left to read).
    mutating func waitingOnFailed() throws {
        let waiting = rows.filter { $0.state == .waiting && !claimed.contains($0.key) }.map(\.key)
        var blockedBy: [(key: TaskKey, blocking: [TaskKey], inputs: [TaskInput])] = []
        for start in stride(from: 0, to: waiting.count, by: 500) {
            let chunk = Array(waiting[start..<min(waiting.count, start + 500)])
            let stored = try store.inputs(of: chunk.filter { storedState[$0] != nil })
            for key in chunk {
                var inputs = stored[key] ?? context.graph.spec(key.stage)?.inputs.map {
                    TaskInput(key: TaskKey($0, key.id), state: .excluded, output: nil, error: nil, waived: false)
                } ?? []
                for i in inputs.indices { if let ref = view[inputs[i].key] { inputs[i].state = ref.state } }
                let blocking = inputs.filter {
                    !$0.waived && TaskState.blocking.contains($0.state) && !claimed.contains($0.key)
                }.map(\.key)
                if !blocking.isEmpty { blockedBy.append((key, blocking, inputs)) }
            }
        }
        guard !blockedBy.isEmpty else { return }

        var retries: [Transition] = []
        var seen: Set<TaskKey> = []
        for entry in blockedBy {
            for input in entry.blocking where seen.insert(input).inserted {
                let ref = view[input]!
                retries.append(.startingAgain(input, from: ref.state, to: context.startState(input.stage),
                                              detail: detail(.waitingOnFailed, "retried so that the tasks waiting on it go on")))
            }
        }
        var releases: [Transition] = [], waivers: [RepairWaiver] = []
        for entry in blockedBy {
            waivers.append(RepairWaiver(key: entry.key, inputs: entry.blocking))
            let left = entry.inputs.filter {
                !$0.waived && !entry.blocking.contains($0.key) && !TaskState.notAnInput.contains($0.state)
            }
            if left.isEmpty {
                var t = Transition(key: entry.key, from: .waiting, to: .excluded,
                                   detail: detail(.waitingOnFailed, "released; no input left to read"))
                t.reason = .set("no input left to read (inputs out of area, excluded or let go)")
                releases.append(t)
            } else if left.allSatisfy({ TaskState.delivered.contains($0.state) }) {
                releases.append(Transition(key: entry.key, from: .waiting, to: .queued,
                                           detail: detail(.waitingOnFailed, "released; its other inputs are final")))
            }
        }
        add(.waitingOnFailed, count: blockedBy.count,
            examples: blockedBy.map { "\($0.key) waits on \($0.blocking.map(\.description).joined(separator: ", "))" },
            options: [RepairOption(title: "retry the failed or cancelled inputs (\(retries.count))", fixes: retries),
                      RepairOption(title: "release: go on without them", fixes: releases, waivers: waivers)])
    }
}
