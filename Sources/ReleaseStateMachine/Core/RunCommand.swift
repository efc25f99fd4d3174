import Foundation

/// What the shell asks of a run. `RunDecider.decide` turns a command into events or refuses it.
public enum RunCommand: Equatable, Sendable {
    case start(RunStarted)
    /// Take the run. `currentHolderIsAlive` is the shell's finding about the current holder's
    /// process (the core cannot look at processes).
    case acquireLease(LeaseHolder, currentHolderIsAlive: Bool)
    case releaseLease(LeaseHolder)
    case startStep(StepName, intent: StepIntent, logPath: String?)
    case succeedStep(StepName, outcome: StepOutcome)
    /// Keep `number` in the ledger for the running claim step `StepName` (the shell chose it,
    /// in the same transaction, as the first that no other run holds: `BuildNumberReservation`).
    case reserveBuildNumber(StepName, number: Int)
    case failStep(StepName, reason: String, kind: FailureKind)
    /// Record what reconcile found for an indeterminate step: its outcome, or nil when absent.
    case reconcileStep(StepName, found: StepOutcome?)
    case skipStep(StepName, reason: String)
    case awaitOperator(StepName, instructions: String)
    /// An operator says the step is done; `check` is what its after-the-fact check found, when
    /// it has one (a failed check records the confirmation and puts the step back to waiting).
    case confirmStep(StepName, by: String, note: String?, check: CheckVerdict? = nil)
    case rollBackPublication(target: String, removed: [String], reason: String)
    case complete
    /// Take back a completed publication (allowed on a completed run, once).
    case retractPublication(PublicationRetracted)
    /// Take back a docker publication's tags (allowed once the tag step has started, once).
    case restoreDockerTags(DockerTagsRestored)
}

/// A command that the run's state does not allow. Never a crash: a clear refusal.
public enum DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    case runAlreadyStarted
    case runNotStarted
    case runAlreadyCompleted
    case emptyPipeline
    case unknownStep(StepName)
    case stepNotReady(StepName, StepStatus)
    case predecessorNotDone(step: StepName, predecessor: StepName, status: StepStatus)
    case stepNotRunning(StepName, StepStatus)
    /// A build number reserved for a step that claims none.
    case notAClaim(StepName)
    case stepNotIndeterminate(StepName, StepStatus)
    case stepNotAwaitingOperator(StepName, StepStatus)
    case notAnOperatorStep(StepName)
    case leaseHeld(LeaseHolder)
    case leaseNotHeld
    /// `writer` held the run's lease, and another process took it over since, at lease epoch
    /// `epoch` (`current`: that process, nil once it has finished with the run).
    case fenced(writer: LeaseHolder, current: LeaseHolder?, epoch: Int)
    case noPublication
    case runNotFinished(StepName)
    case notPublished
    case alreadyRetracted

    public var description: String {
        switch self {
        case .runAlreadyStarted: return "the run has already started"
        case .runNotStarted: return "the run has not started"
        case .runAlreadyCompleted: return "the run is already completed"
        case .emptyPipeline: return "a run needs at least one step"
        case .unknownStep(let step): return "the run has no step named \(step)"
        case .stepNotReady(let step, let status): return "step \(step) cannot start: it is \(status.rawValue)"
        case .predecessorNotDone(let step, let predecessor, let status):
            return "step \(step) cannot start before \(predecessor), which is \(status.rawValue)"
        case .stepNotRunning(let step, let status): return "step \(step) is not running (it is \(status.rawValue))"
        case .notAClaim(let step): return "step \(step) claims no build number"
        case .stepNotIndeterminate(let step, let status):
            return "step \(step) has nothing to reconcile (it is \(status.rawValue))"
        case .stepNotAwaitingOperator(let step, let status):
            return "step \(step) is not waiting for an operator (it is \(status.rawValue))"
        case .notAnOperatorStep(let step): return "step \(step) is not an operator step"
        case .leaseHeld(let holder): return "the run is held by \(holder)"
        case .leaseNotHeld: return "the run is not held by this process"
        case .fenced(let writer, let current, let epoch):
            let taker = current.map { "by \($0)" } ?? "by another process, which has since finished with it"
            return
                "this process (\(writer)) no longer holds the run's lease: it was taken over at lease epoch \(epoch) \(taker) while this process was stopped or cut off from the ledger; it stops here and records nothing more"
        case .noPublication: return "the run has no publication"
        case .runNotFinished(let step): return "the run is not finished: step \(step) is not done"
        case .notPublished: return "the run has no completed publication to retract"
        case .alreadyRetracted: return "the publication was already retracted"
        }
    }
}
