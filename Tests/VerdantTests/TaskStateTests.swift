import Testing
@testable import VerdantCore

@Suite("TaskState state table")
struct TaskStateTests {
    @Test func everyStateHasAnEntryInTheTable() {
        for state in TaskState.allCases {
            #expect(TaskState.allowed[state] != nil, "no row for \(state) in TaskState.allowed")
        }
    }

    @Test func noStateLeadsBackToDiscoveredOrToItself() {
        for from in TaskState.allCases {
            #expect(!from.canTransition(to: .discovered))
            #expect(!from.canTransition(to: from), "\(from) -> \(from) is allowed")
        }
    }

    @Test func discoveryEndsWaitingQueuedOrFinal() {
        let targets = TaskState.allowed[.discovered] ?? []
        // FAILED: a catalog entry that could not be read is recorded with its problem.
        #expect(targets == [.waiting, .queued, .outOfArea, .excluded, .skipped, .failed])
        #expect(!TaskState.discovered.canTransition(to: .submitting))
        #expect(!TaskState.discovered.canTransition(to: .completed))
    }

    @Test func finalStatesLeaveOnlyToStartAgainOrForAnotherFinalReason() {
        // Out of a final state only by starting again (a retry, a person, the parameters
        // wanting it again or its output out of date) or by the parameters no longer wanting it.
        for state in TaskState.final {
            let exits = TaskState.allowed[state] ?? []
            #expect(exits.isSubset(of: [.queued, .waiting, .excluded, .outOfArea, .skipped]), "\(state) leaves to \(exits)")
            #expect(exits.isDisjoint(with: TaskState.inFlight), "\(state) jumps into flight")
        }
        // Done work is only ever redone, never taken out of the record by a parameter change.
        #expect(TaskState.allowed[.completed] == [.queued, .waiting])
        #expect(TaskState.allowed[.skipped] == [.queued, .waiting])
        #expect(TaskState.failed.canTransition(to: .queued))
        #expect(TaskState.cancelled.canTransition(to: .queued))
    }

    @Test func waitingStartsOnlyThroughTheQueue() {
        #expect(TaskState.allowed[.waiting] == [.queued, .cancelled, .excluded, .outOfArea, .skipped])
        #expect(!TaskState.waiting.canTransition(to: .submitting))
        #expect(!TaskState.waiting.isInFlight && !TaskState.waiting.isFinal)
    }

    @Test func inFlightStatesCanAlwaysEndOrBeCancelled() {
        for state in TaskState.inFlight {
            #expect(state.isInFlight)
            #expect(state.canTransition(to: .completed))
            #expect(state.canTransition(to: .failed))
            #expect(state.canTransition(to: .cancelled))
        }
        #expect(!TaskState.queued.isInFlight)
        #expect(TaskState.inFlight.isDisjoint(with: TaskState.final))
    }

    @Test func everyStoredStateIsReachableFromDiscovery() {
        var reached: Set<TaskState> = [.discovered]
        var frontier: [TaskState] = [.discovered]
        while let state = frontier.popLast() {
            for next in TaskState.allowed[state] ?? [] where reached.insert(next).inserted {
                frontier.append(next)
            }
        }
        #expect(reached == Set(TaskState.allCases))
    }

    @Test func illegalTransitionNamesImageAndStates() {
        let error = IllegalTransition(key: TaskKey(.ndvi, "S2A_X"), from: .completed, to: .running)
        #expect(error.description.contains("ndvi/S2A_X"))
        #expect(error.description.contains("COMPLETED -> RUNNING"))
    }

    @Test func orderFollowsTheLifeOfATask() {
        #expect(TaskState.discovered < .queued)
        #expect(TaskState.queued < .submitting)
        #expect(TaskState.running < .completed)
        #expect(TaskState.allCases.sorted() == TaskState.allCases)
    }
}
