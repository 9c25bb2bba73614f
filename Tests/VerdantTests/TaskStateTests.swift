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

    @Test func discoveryEndsInQueuedOrAFinalState() {
        let targets = TaskState.allowed[.discovered] ?? []
        #expect(targets == [.queued, .outOfArea, .excluded, .skipped])
        #expect(!TaskState.discovered.canTransition(to: .submitting))
        #expect(!TaskState.discovered.canTransition(to: .completed))
    }

    @Test func finalStatesOnlyLeaveByRequeueing() {
        for state in TaskState.final {
            let exits = TaskState.allowed[state] ?? []
            #expect(exits.isSubset(of: [.queued]), "\(state) leaves to \(exits)")
        }
        #expect(TaskState.allowed[.completed] == [])
        #expect(TaskState.allowed[.outOfArea] == [])
        #expect(TaskState.allowed[.skipped] == [])
        #expect(TaskState.failed.canTransition(to: .queued))
        #expect(TaskState.cancelled.canTransition(to: .queued))
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
        let error = IllegalTransition(imageId: "S2A_X", from: .completed, to: .running)
        #expect(error.description.contains("S2A_X"))
        #expect(error.description.contains("COMPLETED -> RUNNING"))
    }

    @Test func orderFollowsTheLifeOfATask() {
        #expect(TaskState.discovered < .queued)
        #expect(TaskState.queued < .submitting)
        #expect(TaskState.running < .completed)
        #expect(TaskState.allCases.sorted() == TaskState.allCases)
    }
}
