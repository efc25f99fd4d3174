import Testing
@testable import ReleaseStateMachine

/// Given these events, when this command, then these events (or this refusal).
struct DecisionCase: CustomTestStringConvertible, Sendable {
    var name: String
    var given: [RunEvent]
    var when: RunCommand
    var then: Result<[RunEvent], DomainError>
    /// The lease holder the command comes from.
    var by: LeaseHolder? = Fixture.holder
    var testDescription: String { name }
}

private let F = Fixture.self

let legalTransitions: [DecisionCase] = [
    DecisionCase(name: "start a run", given: [], when: .start(F.started()), then: .success([.runStarted(F.started())])),
    DecisionCase(
        name: "take a free lease", given: [.runStarted(F.started())],
        when: .acquireLease(F.holder, currentHolderIsAlive: false),
        then: .success([.leaseAcquired(LeaseAcquired(holder: F.holder, takenOverFrom: nil, epoch: 1))])),
    DecisionCase(
        name: "take over the lease of a dead holder", given: F.leased(),
        when: .acquireLease(F.otherHolder, currentHolderIsAlive: false),
        then: .success([.leaseAcquired(LeaseAcquired(holder: F.otherHolder, takenOverFrom: F.holder, epoch: 2))])),
    DecisionCase(
        name: "taking one's own lease again changes nothing", given: F.leased(),
        when: .acquireLease(F.holder, currentHolderIsAlive: true),
        then: .success([])),
    DecisionCase(
        name: "release one's lease", given: F.leased(), when: .releaseLease(F.holder),
        then: .success([.leaseReleased(LeaseReleased(holder: F.holder))])),
    DecisionCase(
        name: "start the first step", given: F.leased(), when: .startStep(.resolveBase, intent: F.intent, logPath: nil),
        then: .success([F.stepStarted(.resolveBase)])),
    DecisionCase(
        name: "succeed a running step", given: F.leased() + [F.stepStarted(.resolveBase)],
        when: .succeedStep(.resolveBase, outcome: F.resolved),
        then: .success([F.stepSucceeded(.resolveBase)])),
    DecisionCase(
        name: "fail a running step", given: F.leased() + [F.stepStarted(.resolveBase)],
        when: .failStep(.resolveBase, reason: "no base", kind: .badInput),
        then: .success([.stepFailed(StepFailed(step: .resolveBase, attempt: 1, reason: "no base", kind: .badInput))])),
    DecisionCase(
        name: "a failed step starts again as attempt 2",
        given: F.leased() + [
            F.stepStarted(.resolveBase),
            .stepFailed(StepFailed(step: .resolveBase, attempt: 1, reason: "x", kind: .stepFailed)),
        ],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil),
        then: .success([F.stepStarted(.resolveBase, attempt: 2)])),
    DecisionCase(
        name: "reconcile an indeterminate step: effect found",
        given: F.leased() + [
            F.stepStarted(.resolveBase), .leaseAcquired(LeaseAcquired(holder: F.otherHolder, takenOverFrom: F.holder)),
        ],
        when: .reconcileStep(.resolveBase, found: F.resolved),
        then: .success([.stepReconciled(StepReconciled(step: .resolveBase, attempt: 1, found: F.resolved))]),
        by: F.otherHolder),
    DecisionCase(
        name: "the second step starts after the first succeeded",
        given: F.leased() + [F.stepStarted(.resolveBase), F.stepSucceeded(.resolveBase)],
        when: .startStep(.copy, intent: F.intent, logPath: nil), then: .success([F.stepStarted(.copy)])),
    DecisionCase(
        name: "skip a step whose predecessors are done",
        given: F.leased() + [
            F.stepStarted(.resolveBase), F.stepSucceeded(.resolveBase), F.stepStarted(.copy), F.stepSucceeded(.copy),
            F.stepStarted(.describe), F.stepSucceeded(.describe),
        ],
        when: .skipStep(.checkTarget, reason: "publish=no"),
        then: .success([.stepSkipped(StepSkipped(step: .checkTarget, reason: "publish=no"))])),
]

let illegalTransitions: [DecisionCase] = [
    DecisionCase(
        name: "start a run twice", given: [.runStarted(F.started())], when: .start(F.started()),
        then: .failure(.runAlreadyStarted)),
    DecisionCase(
        name: "a run without steps", given: [],
        when: .start(
            RunStarted(
                runID: "r", pipeline: .publication, steps: [], parameters: RunParameters(), chosen: ChosenValues(),
                host: "h", user: "u", tools: [:])),
        then: .failure(.emptyPipeline)),
    DecisionCase(
        name: "any command before the run starts", given: [],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil), then: .failure(.runNotStarted)),
    DecisionCase(
        name: "take the lease of a live holder", given: F.leased(),
        when: .acquireLease(F.otherHolder, currentHolderIsAlive: true),
        then: .failure(.leaseHeld(F.holder))),
    DecisionCase(
        name: "release a lease one does not hold", given: F.leased(), when: .releaseLease(F.otherHolder),
        then: .failure(.leaseNotHeld)),
    DecisionCase(
        name: "start a step without the lease", given: [.runStarted(F.started())],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil),
        then: .failure(.leaseNotHeld)),
    DecisionCase(
        name: "start a step whose predecessor has not succeeded", given: F.leased(),
        when: .startStep(.copy, intent: F.intent, logPath: nil),
        then: .failure(.predecessorNotDone(step: .copy, predecessor: .resolveBase, status: .pending))),
    DecisionCase(
        name: "publish an image whose build failed",
        given: F.leased(publish: true) + [
            F.stepStarted(.resolveBase), F.stepSucceeded(.resolveBase), F.stepStarted(.copy),
            .stepFailed(StepFailed(step: .copy, attempt: 1, reason: "disk full", kind: .cannotCreate)),
        ],
        when: .startStep(.checkTarget, intent: F.intent, logPath: nil),
        then: .failure(.predecessorNotDone(step: .checkTarget, predecessor: .copy, status: .failed))),
    DecisionCase(
        name: "start a step that is running", given: F.leased() + [F.stepStarted(.resolveBase)],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil),
        then: .failure(.stepNotReady(.resolveBase, .running))),
    DecisionCase(
        name: "start a step that succeeded",
        given: F.leased() + [F.stepStarted(.resolveBase), F.stepSucceeded(.resolveBase)],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil),
        then: .failure(.stepNotReady(.resolveBase, .succeeded))),
    DecisionCase(
        name: "start an indeterminate step without reconciling it",
        given: F.leased() + [
            F.stepStarted(.resolveBase), .leaseAcquired(LeaseAcquired(holder: F.otherHolder, takenOverFrom: F.holder)),
        ],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil),
        then: .failure(.stepNotReady(.resolveBase, .indeterminate)), by: F.otherHolder),
    DecisionCase(
        name: "a process that was taken over cannot record its step's outcome (the lease is a fence)",
        given: F.leased() + [
            F.stepStarted(.resolveBase), .leaseAcquired(LeaseAcquired(holder: F.otherHolder, takenOverFrom: F.holder)),
        ],
        when: .succeedStep(.resolveBase, outcome: F.resolved),
        then: .failure(.fenced(writer: F.holder, current: F.otherHolder, epoch: 2)), by: F.holder),
    DecisionCase(
        name: "a process that was taken over cannot start a step",
        given: F.leased() + [.leaseAcquired(LeaseAcquired(holder: F.otherHolder, takenOverFrom: F.holder))],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil),
        then: .failure(.fenced(writer: F.holder, current: F.otherHolder, epoch: 2)), by: F.holder),
    DecisionCase(
        name: "a process taken over by one that has since released the run is fenced too",
        given: F.leased() + [
            .leaseAcquired(LeaseAcquired(holder: F.otherHolder, takenOverFrom: F.holder, epoch: 2)),
            .leaseReleased(LeaseReleased(holder: F.otherHolder)),
        ],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil),
        then: .failure(.fenced(writer: F.holder, current: nil, epoch: 2)), by: F.holder),
    DecisionCase(
        name: "a process holding no lease cannot write to a held run", given: F.leased(),
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil), then: .failure(.leaseHeld(F.holder)), by: nil),
    DecisionCase(
        name: "succeed a step that is not running", given: F.leased(),
        when: .succeedStep(.resolveBase, outcome: F.resolved),
        then: .failure(.stepNotRunning(.resolveBase, .pending))),
    DecisionCase(
        name: "fail a step that is not running", given: F.leased(),
        when: .failStep(.resolveBase, reason: "x", kind: .stepFailed),
        then: .failure(.stepNotRunning(.resolveBase, .pending))),
    DecisionCase(
        name: "reconcile a step that is not indeterminate", given: F.leased(),
        when: .reconcileStep(.resolveBase, found: nil),
        then: .failure(.stepNotIndeterminate(.resolveBase, .pending))),
    DecisionCase(
        name: "skip a step that succeeded",
        given: F.leased() + [F.stepStarted(.resolveBase), F.stepSucceeded(.resolveBase)],
        when: .skipStep(.resolveBase, reason: "x"), then: .failure(.stepNotReady(.resolveBase, .succeeded))),
    DecisionCase(
        name: "an unknown step", given: F.leased(), when: .succeedStep(StepName("bake"), outcome: F.resolved),
        then: .failure(.unknownStep(StepName("bake")))),
    DecisionCase(
        name: "wait for an operator on an automated step", given: F.leased(),
        when: .awaitOperator(.resolveBase, instructions: "x"),
        then: .failure(.notAnOperatorStep(.resolveBase))),
    DecisionCase(
        name: "confirm an automated step", given: F.leased(), when: .confirmStep(.resolveBase, by: "me", note: nil),
        then: .failure(.notAnOperatorStep(.resolveBase))),
    DecisionCase(
        name: "complete a run with steps left", given: F.leased(), when: .complete,
        then: .failure(.runNotFinished(.resolveBase))),
    DecisionCase(
        name: "roll back a run that does not publish",
        given: [
            .runStarted(
                RunStarted(
                    runID: "r", pipeline: .systemBaseImage, steps: [.resolveBase], parameters: RunParameters(),
                    chosen: ChosenValues(), host: "h", user: "u", tools: [:])),
            .leaseAcquired(LeaseAcquired(holder: F.holder, takenOverFrom: nil)),
        ],
        when: .rollBackPublication(target: "file:///m/", removed: [], reason: "x"), then: .failure(.noPublication)),
    DecisionCase(
        name: "anything after completion", given: F.leased() + [.runCompleted(RunCompleted())],
        when: .startStep(.resolveBase, intent: F.intent, logPath: nil), then: .failure(.runAlreadyCompleted)),
    DecisionCase(
        name: "take the lease of a completed run", given: F.leased() + [.runCompleted(RunCompleted())],
        when: .acquireLease(F.otherHolder, currentHolderIsAlive: false), then: .failure(.runAlreadyCompleted)),
]

@Suite struct RunDeciderTests {
    @Test(arguments: legalTransitions)
    func legal(_ example: DecisionCase) throws {
        let state = Fixture.state(example.given)
        #expect(
            Result { try RunDecider.decide(example.when, state, by: example.by) }.mapError { $0 as! DomainError }
                == example.then)
    }

    @Test(arguments: illegalTransitions)
    func illegal(_ example: DecisionCase) throws {
        let state = Fixture.state(example.given)
        let result = Result { try RunDecider.decide(example.when, state, by: example.by) }.mapError {
            $0 as! DomainError
        }
        #expect(result == example.then)
    }

    @Test func operatorStepsWaitAndAreConfirmed() throws {
        // The lifecycle is the core's, whatever the pipeline (VirtualBoxPlanTests has the real ones).
        var state = Fixture.state(Fixture.leased())
        state.steps[0].kind = .operatorStep
        let waiting = try RunDecider.decide(
            .awaitOperator(.resolveBase, instructions: "install Ubuntu"), state, by: Fixture.holder)
        #expect(
            waiting == [.stepAwaitingOperator(StepAwaitingOperator(step: .resolveBase, instructions: "install Ubuntu"))]
        )
        state = RunDecider.fold(waiting, from: state)
        #expect(state.status == .awaitingOperator)
        #expect(throws: DomainError.stepNotRunning(.resolveBase, .awaitingOperator)) {
            try RunDecider.decide(.succeedStep(.resolveBase, outcome: Fixture.resolved), state, by: Fixture.holder)
        }
        let confirmed = try RunDecider.decide(
            .confirmStep(.resolveBase, by: "ana@lab", note: "done"), state, by: Fixture.holder)
        state = RunDecider.fold(confirmed, from: state)
        #expect(state.step(.resolveBase)?.status == .succeeded)
        #expect(state.step(.resolveBase)?.detail == "confirmed by ana@lab: done")
        #expect(throws: DomainError.stepNotAwaitingOperator(.resolveBase, .succeeded)) {
            try RunDecider.decide(.confirmStep(.resolveBase, by: "ana@lab", note: nil), state, by: Fixture.holder)
        }
    }
}

@Suite struct EvolveTests {
    @Test func aNewHolderMakesRunningStepsIndeterminate() {
        let state = Fixture.state(
            Fixture.leased() + [
                Fixture.stepStarted(.resolveBase),
                .leaseAcquired(LeaseAcquired(holder: Fixture.otherHolder, takenOverFrom: Fixture.holder)),
            ])
        #expect(state.step(.resolveBase)?.status == .indeterminate)
        #expect(state.lease == Fixture.otherHolder)
    }

    /// The version of the event that settled a step is kept (the TUF targets name the event
    /// that published an image by it), and forgotten when the step starts again.
    @Test func aStepKeepsTheVersionOfTheEventThatSettledIt() {
        let events =
            Fixture.leased() + [
                Fixture.stepStarted(.resolveBase), Fixture.stepSucceeded(.resolveBase),
                .stepSkipped(StepSkipped(step: .copy, reason: "given")),
            ]
        let state = Fixture.state(events)
        #expect(state.step(.resolveBase)?.settledAtVersion == events.count - 1)
        #expect(state.step(.copy)?.settledAtVersion == events.count)
        let again = Fixture.state(events + [Fixture.stepStarted(.resolveBase, attempt: 2)])
        #expect(again.step(.resolveBase)?.settledAtVersion == nil)
        #expect(Fixture.state(Fixture.leased()).steps.allSatisfy { $0.settledAtVersion == nil })
    }

    @Test func reconciliationWithoutEffectPutsTheStepBackToPending() {
        let state = Fixture.state(
            Fixture.leased() + [
                Fixture.stepStarted(.resolveBase),
                .leaseAcquired(LeaseAcquired(holder: Fixture.otherHolder, takenOverFrom: Fixture.holder)),
                .stepReconciled(StepReconciled(step: .resolveBase, attempt: 1, found: nil)),
            ])
        #expect(state.step(.resolveBase)?.status == .pending)
        #expect(state.step(.resolveBase)?.attempts == 1)
    }

    /// A publication step that fails for good owes a rollback until one is recorded; a temporary
    /// failure owes none (its claim and partial upload are kept for resume).
    @Test(arguments: [(FailureKind.cannotCreate, true), (.stepFailed, true), (.badInput, true), (.temporary, false)])
    func aFailedPublicationStepOwesARollbackUnlessTheFailureIsTemporary(_ kind: FailureKind, _ owes: Bool) {
        let failed =
            Fixture.leased(publish: true) + [
                Fixture.stepStarted(.uploadImage),
                .stepFailed(StepFailed(step: .uploadImage, attempt: 1, reason: "x", kind: kind)),
            ]
        #expect(Fixture.state(failed).rollbackDue == owes)
        let rolledBack =
            failed + [
                .publicationRolledBack(PublicationRolledBack(target: "file:///mirror/", removed: [], reason: "x"))
            ]
        #expect(!Fixture.state(rolledBack).rollbackDue)
        let elsewhere =
            Fixture.leased(publish: true) + [
                Fixture.stepStarted(.resolveBase),
                .stepFailed(StepFailed(step: .resolveBase, attempt: 1, reason: "x", kind: kind)),
            ]
        #expect(!Fixture.state(elsewhere).rollbackDue, "only steps that touch the target owe a rollback")
    }

    @Test func aRetractionNeedsACompletedPublication() throws {
        let retraction = PublicationRetracted(
            target: "file:///mirror/", buildNumber: 1, removed: [], movedToAttic: [:],
            localLinksRemoved: [], by: "release@build", reason: nil)
        let unfinished = Fixture.state(Fixture.leased(publish: true))
        #expect(throws: DomainError.notPublished) {
            try RunDecider.decide(.retractPublication(retraction), unfinished, by: nil)
        }
    }

    @Test func runStatusFollowsSteps() {
        #expect(RunState.initial.status == .notStarted)
        #expect(Fixture.state([.runStarted(Fixture.started())]).status == .interrupted)
        #expect(Fixture.state(Fixture.leased()).status == .running)
        let failed =
            Fixture.leased() + [
                Fixture.stepStarted(.resolveBase),
                .stepFailed(StepFailed(step: .resolveBase, attempt: 1, reason: "x", kind: .badInput)),
                .leaseReleased(LeaseReleased(holder: Fixture.holder)),
            ]
        #expect(Fixture.state(failed).status == .failed)
        #expect(Fixture.state(Fixture.leased() + [.runCompleted(RunCompleted())]).status == .completed)
    }

    /// Which step decides a run's status, wherever the steps stand: one awaiting an operator,
    /// then the lease, then a failed one; and the step it is on is the first not done.
    @Test func runStatusTakesAnOperatorsStepFirstThenTheLeaseThenAFailure() {
        var state = Fixture.state(Fixture.leased())
        let last = state.steps.count - 1
        state.steps[last].status = .failed
        #expect(state.status == .running)
        state.lease = nil
        #expect(state.status == .failed)
        state.steps[last - 1].status = .awaitingOperator
        #expect(state.status == .awaitingOperator)
        state.lease = Fixture.holder
        #expect(state.status == .awaitingOperator)
        #expect(state.currentStep == state.steps[0].name)
        state.steps[0].status = .succeeded
        state.steps[1].status = .skipped
        #expect(state.currentStep == state.steps[2].name)
        for position in state.steps.indices { state.steps[position].status = .succeeded }
        #expect(state.currentStep == nil)
        #expect(state.position(of: state.steps[last].name) == last)
        #expect(state.position(of: StepName(rawValue: "no-such-step")) == nil)
    }

    /// Folding in place and folding into a copy give the same state, and the copy folded from
    /// keeps its own steps.
    @Test func evolvingInPlaceLeavesOtherCopiesAlone() {
        let before = Fixture.state(Fixture.leased())
        var inPlace = before
        RunDecider.evolve(&inPlace, Fixture.stepStarted(.resolveBase))
        #expect(inPlace == RunDecider.evolve(before, Fixture.stepStarted(.resolveBase)))
        #expect(before.step(.resolveBase)?.status == .pending)
        #expect(inPlace.step(.resolveBase)?.status == .running)
    }

    @Test func versionCountsEvents() {
        #expect(Fixture.state(Fixture.leased()).version == 2)
    }

    @Test func everyEventRoundTripsThroughItsPayload() throws {
        let events: [RunEvent] =
            Fixture.leased(publish: true) + [
                Fixture.stepStarted(.resolveBase), Fixture.stepSucceeded(.resolveBase),
                .stepFailed(StepFailed(step: .copy, attempt: 1, reason: "r", kind: .temporary)),
                .stepReconciled(StepReconciled(step: .copy, attempt: 1, found: nil)),
                .stepSkipped(StepSkipped(step: .record, reason: "s")),
                .stepAwaitingOperator(StepAwaitingOperator(step: .copy, instructions: "i")),
                .stepConfirmed(StepConfirmed(step: .copy, by: "b", note: nil)),
                .publicationRolledBack(PublicationRolledBack(target: "file:///m/", removed: ["a"], reason: "r")),
                .leaseReleased(LeaseReleased(holder: Fixture.holder)), .runCompleted(RunCompleted()),
                .publicationRetracted(
                    PublicationRetracted(
                        target: "sftp://u@h/d/", buildNumber: 2, removed: ["a"], movedToAttic: ["b": "attic/b"],
                        localLinksRemoved: ["/c"], by: "u@h", reason: nil)),
                .buildNumberReserved(
                    BuildNumberReserved(
                        step: .claimBuildNumber, target: "sftp://h/d/", imageName: "i.sif", buildNumber: 3)),
            ]
        for event in events {
            #expect(try RunEvent.decode(type: event.typeName, payload: event.encodedPayload()) == event)
        }
        #expect(throws: UnknownEventType.self) { try RunEvent.decode(type: "Teleported", payload: Data("{}".utf8)) }
    }
}

import Foundation
