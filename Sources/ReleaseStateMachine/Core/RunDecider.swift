import Foundation

/// The run decider: `decide(command, state) -> [event]` and `evolve(state, event) -> state`.
///
/// Pure: no clock, no files, no processes. Whatever is not deterministic arrives inside commands,
/// chosen by the shell, and is kept in the events.
public enum RunDecider {
    /// Folds events into a state, from the initial state.
    public static func fold<S: Sequence>(_ events: S, from state: RunState = .initial) -> RunState
    where S.Element == RunEvent {
        events.reduce(into: state) { evolve(&$0, $1) }
    }

    /// The events a command produces in `state`, or the domain error that refuses it.
    ///
    /// `writer` is the lease holder the command comes from (nil for a process that holds no
    /// lease). Every command that changes a running run must come from the run's current holder:
    /// the lease is a fence, so a process that was taken over can never append again, even if it
    /// still believes it holds the run.
    public static func decide(_ command: RunCommand, _ state: RunState, by writer: LeaseHolder?) throws -> [RunEvent] {
        if case .start(let started) = command {
            guard state.started == nil else { throw DomainError.runAlreadyStarted }
            guard !started.steps.isEmpty else { throw DomainError.emptyPipeline }
            return [.runStarted(started)]
        }
        guard state.started != nil else { throw DomainError.runNotStarted }

        switch command {
        case .start:
            preconditionFailure("handled above")

        case .acquireLease(let holder, let currentHolderIsAlive):
            guard !state.isCompleted else { throw DomainError.runAlreadyCompleted }
            if let current = state.lease {
                if current == holder { return [] }
                if currentHolderIsAlive { throw DomainError.leaseHeld(current) }
                return [
                    .leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: current, epoch: state.leaseEpoch + 1))
                ]
            }
            return [.leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil, epoch: state.leaseEpoch + 1))]

        case .releaseLease(let holder):
            guard state.lease == holder else { throw DomainError.leaseNotHeld }
            return [.leaseReleased(LeaseReleased(holder: holder))]

        case .startStep(let name, let intent, let logPath):
            try requireWritable(state, by: writer)
            let step = try readyStep(name, in: state)
            guard step.status == .pending || step.status == .failed else {
                throw DomainError.stepNotReady(name, step.status)
            }
            return [.stepStarted(StepStarted(step: name, attempt: step.attempts + 1, intent: intent, logPath: logPath))]

        case .succeedStep(let name, let outcome):
            try requireWritable(state, by: writer)
            let step = try existingStep(name, in: state)
            guard step.status == .running else { throw DomainError.stepNotRunning(name, step.status) }
            return [.stepSucceeded(StepSucceeded(step: name, attempt: step.attempts, outcome: outcome))]

        case .reserveBuildNumber(let name, let number):
            try requireWritable(state, by: writer)
            let step = try existingStep(name, in: state)
            guard step.status == .running else { throw DomainError.stepNotRunning(name, step.status) }
            guard case .publication(.claimBuildNumber(let claim))? = step.intent else {
                throw DomainError.notAClaim(name)
            }
            // A claim tried again after an interruption finds its own number still kept.
            if state.buildNumberReservations.contains(number) { return [] }
            let key = BuildNumberReservation.key(of: claim)
            return [
                .buildNumberReserved(
                    BuildNumberReserved(step: name, target: key.target, imageName: key.imageName, buildNumber: number))
            ]

        case .failStep(let name, let reason, let kind):
            try requireWritable(state, by: writer)
            let step = try existingStep(name, in: state)
            guard step.status == .running else { throw DomainError.stepNotRunning(name, step.status) }
            return [.stepFailed(StepFailed(step: name, attempt: step.attempts, reason: reason, kind: kind))]

        case .reconcileStep(let name, let found):
            try requireWritable(state, by: writer)
            let step = try existingStep(name, in: state)
            guard step.status == .indeterminate else { throw DomainError.stepNotIndeterminate(name, step.status) }
            return [.stepReconciled(StepReconciled(step: name, attempt: step.attempts, found: found))]

        case .skipStep(let name, let reason):
            try requireWritable(state, by: writer)
            let step = try readyStep(name, in: state)
            guard step.status == .pending || step.status == .failed else {
                throw DomainError.stepNotReady(name, step.status)
            }
            return [.stepSkipped(StepSkipped(step: name, reason: reason))]

        case .awaitOperator(let name, let instructions):
            try requireWritable(state, by: writer)
            let step = try readyStep(name, in: state)
            guard step.kind == .operatorStep else { throw DomainError.notAnOperatorStep(name) }
            guard step.status == .pending || step.status == .failed else {
                throw DomainError.stepNotReady(name, step.status)
            }
            return [.stepAwaitingOperator(StepAwaitingOperator(step: name, instructions: instructions))]

        case .confirmStep(let name, let by, let note, let check):
            try requireWritable(state, by: writer)
            let step = try existingStep(name, in: state)
            guard step.kind == .operatorStep else { throw DomainError.notAnOperatorStep(name) }
            guard step.status == .awaitingOperator else { throw DomainError.stepNotAwaitingOperator(name, step.status) }
            switch check {
            case .failed(let reason):
                return [
                    .stepConfirmed(StepConfirmed(step: name, by: by, note: note)),
                    .operatorCheckFailed(OperatorCheckFailed(step: name, reason: reason)),
                ]
            case .passed(let evidence):
                return [.stepConfirmed(StepConfirmed(step: name, by: by, note: note, check: evidence))]
            case nil:
                return [.stepConfirmed(StepConfirmed(step: name, by: by, note: note))]
            }

        case .rollBackPublication(let target, let removed, let reason):
            try requireWritable(state, by: writer)
            guard state.steps.contains(where: { Pipeline.publicationSteps.contains($0.name) }) else {
                throw DomainError.noPublication
            }
            return [.publicationRolledBack(PublicationRolledBack(target: target, removed: removed, reason: reason))]

        case .retractPublication(let retraction):
            guard state.retraction == nil else { throw DomainError.alreadyRetracted }
            guard state.isCompleted, state.publicationStatus?.state == .published,
                state.publicationStatus?.buildNumber == retraction.buildNumber
            else { throw DomainError.notPublished }
            return [.publicationRetracted(retraction)]

        case .restoreDockerTags(let restored):
            // A completed run is taken back once, without a lease (nothing of it runs any more);
            // an unfinished one only by the holder of its lease, and it may then be resumed.
            if state.isCompleted {
                guard state.dockerRetraction == nil else { throw DomainError.alreadyRetracted }
            } else {
                try requireWritable(state, by: writer)
            }
            guard state.started?.pipeline == .dockerPublication, state.step(.tagImages)?.intent != nil else {
                throw DomainError.noPublication
            }
            return [.dockerTagsRestored(restored)]

        case .complete:
            try requireWritable(state, by: writer)
            if let open = state.steps.first(where: { !$0.status.isDone }) {
                throw DomainError.runNotFinished(open.name)
            }
            return [.runCompleted(RunCompleted())]
        }
    }

    /// The state after one more event. Total: an event that does not fit is folded as well as it
    /// can be, because history is what happened, and `decide` is where rules are enforced.
    public static func evolve(_ state: RunState, _ event: RunEvent) -> RunState {
        var state = state
        evolve(&state, event)
        return state
    }

    /// Folds one more event into `state`, in place: what `evolve(_:_:)` returns. A caller that
    /// holds the only copy of the state changes its steps without copying them (a fold of a
    /// run's events, a replay: docs/benchmarks.md).
    public static func evolve(_ state: inout RunState, _ event: RunEvent) {
        state.version += 1
        let version = state.version
        switch event {
        case .runStarted(let started):
            state.started = started
            let pipeline = Pipeline.definition(of: started.pipeline)
            state.steps = started.steps.map { StepState(name: $0, kind: pipeline.step(named: $0)?.kind ?? .automated) }

        case .leaseAcquired(let acquired):
            state.lease = acquired.holder
            state.leaseEpoch = acquired.epoch ?? state.leaseEpoch + 1
            // A new holder means the previous process is gone: whatever it left running has an
            // unknown outcome until reconciled.
            for index in state.steps.indices where state.steps[index].status == .running {
                state.steps[index].status = .indeterminate
                state.steps[index].detail = "interrupted: the process died during this step"
            }

        case .leaseReleased:
            state.lease = nil

        case .stepStarted(let started):
            state.update(started.step) {
                $0.status = .running
                $0.attempts = started.attempt
                $0.intent = started.intent
                $0.outcome = nil
                $0.detail = nil
                $0.logPath = started.logPath
                $0.settledAtVersion = nil
            }

        case .stepSucceeded(let succeeded):
            state.update(succeeded.step) {
                $0.status = .succeeded
                $0.outcome = succeeded.outcome
                $0.detail = nil
                $0.settledAtVersion = version
            }

        case .stepFailed(let failed):
            state.update(failed.step) {
                $0.status = .failed
                $0.detail = failed.reason
            }
            if Pipeline.failureRollsBack(failed.step, kind: failed.kind) { state.rollbackDue = true }

        case .stepReconciled(let reconciled):
            state.update(reconciled.step) {
                if let found = reconciled.found {
                    $0.status = .succeeded
                    $0.outcome = found
                    $0.detail = "reconciled: its effect was found after an interruption"
                    $0.settledAtVersion = version
                } else {
                    $0.status = .pending
                    $0.detail = "reconciled: no effect found after an interruption, runs again"
                }
            }

        case .stepSkipped(let skipped):
            state.update(skipped.step) {
                $0.status = .skipped
                $0.detail = skipped.reason
                $0.settledAtVersion = version
            }

        case .stepAwaitingOperator(let waiting):
            state.update(waiting.step) {
                $0.status = .awaitingOperator
                $0.instructions = waiting.instructions
                $0.detail = "waiting for an operator"
            }

        case .stepConfirmed(let confirmed):
            state.update(confirmed.step) {
                $0.status = .succeeded
                $0.confirmation = confirmed
                $0.lastCheckFailure = nil
                $0.settledAtVersion = version
                $0.detail =
                    "confirmed by \(confirmed.by)" + (confirmed.note.map { ": \($0)" } ?? "")
                    + (confirmed.check.map { " (checked: \($0))" } ?? "")
            }

        case .operatorCheckFailed(let failed):
            state.update(failed.step) {
                $0.status = .awaitingOperator
                $0.confirmation = nil
                $0.lastCheckFailure = failed.reason
                $0.detail = "the check failed: \(failed.reason)"
            }

        case .buildNumberReserved(let reserved):
            state.buildNumberReservations.append(reserved.buildNumber)

        case .publicationRolledBack(let rollback):
            state.rollbacks.append(rollback)
            state.rollbackDue = false
            // What the target no longer holds for the run, the ledger no longer keeps for it.
            state.buildNumberReservations = []
            // The publication starts over from check-target; the step that failed keeps saying
            // so until it runs again, so the run still reads as failed.
            for index in state.steps.indices where Pipeline.publicationSteps.contains(state.steps[index].name) {
                if state.steps[index].status != .failed { state.steps[index].status = .pending }
                state.steps[index].outcome = nil
                state.steps[index].detail = "rolled back: \(rollback.reason)"
            }

        case .runCompleted:
            state.isCompleted = true

        case .publicationRetracted(let retraction):
            state.retraction = retraction
            // Taken off the target, its number is free there again (the next publication takes
            // the highest N left plus one, as casa-distro did): the ledger frees it too.
            state.buildNumberReservations = []

        case .dockerTagsRestored(let restored):
            state.dockerRetraction = restored
            // An unfinished run moves its tags again when resumed.
            if !state.isCompleted, let index = state.position(of: .tagImages),
                state.steps[index].status != .failed
            {
                state.steps[index].status = .pending
                state.steps[index].outcome = nil
            }
        }
    }

    private static func requireWritable(_ state: RunState, by writer: LeaseHolder?) throws {
        // The fence: a process whose lease was taken over (presumed dead while it was stopped,
        // or cut off from the ledger) finds another epoch, and records nothing more.
        // (A writer names itself only while it believes it holds the lease: a run leased since,
        // even one whose new holder has finished with it, has fenced it off.)
        if let writer, state.lease != writer, state.lease != nil || state.leaseEpoch > 0 {
            throw DomainError.fenced(writer: writer, current: state.lease, epoch: state.leaseEpoch)
        }
        guard !state.isCompleted else { throw DomainError.runAlreadyCompleted }
        guard let current = state.lease else { throw DomainError.leaseNotHeld }
        guard current == writer else { throw DomainError.leaseHeld(current) }
    }

    private static func existingStep(_ name: StepName, in state: RunState) throws -> StepState {
        guard let step = state.step(name) else { throw DomainError.unknownStep(name) }
        return step
    }

    /// The step, once every step before it is done (a step never starts before its predecessors).
    private static func readyStep(_ name: StepName, in state: RunState) throws -> StepState {
        let step = try existingStep(name, in: state)
        for earlier in state.steps.prefix(while: { $0.name != name }) where !earlier.status.isDone {
            throw DomainError.predecessorNotDone(step: name, predecessor: earlier.name, status: earlier.status)
        }
        return step
    }
}

extension RunState {
    fileprivate mutating func update(_ name: StepName, _ change: (inout StepState) -> Void) {
        guard let index = position(of: name) else { return }
        change(&steps[index])
    }
}
