import Executors
import Foundation
import ReleaseStateMachine

/// Everything the step loop does outside the ledger: carry out a step, check after a crash what
/// a step left, take back a failed publication, sweep temporary names, run an operator step's
/// check and look at the files a run froze. `LiveStepEffects` does it for real; tests give the
/// driver a fake that records each call, so the loop is tested in process.
public protocol StepEffects {
    /// This process is about to work on `runID`: every temporary name it makes carries the run's token.
    func begin(runID: String)

    /// Carries out `intent` (tools write to `logPath`); a claim reserves its numbers through `reserve`.
    /// Throws `ExecutorError` when the effect failed.
    func perform(
        _ intent: StepIntent, logPath: String?, state: RunState, reserve: BuildNumberReserver
    ) throws -> StepOutcome

    /// What an interrupted step left: its outcome when its effect is there, nil when it must run
    /// again. Throws `ExecutorError` when that cannot be told (a server out of reach).
    func reconcile(_ intent: StepIntent, state: RunState) throws -> StepOutcome?

    /// Removes from `target` what the publication `intents` of `runID` put there and did not make visible.
    func rollBack(
        _ intents: [StepIntent], runID: String, target: String, state: RunState
    ) throws -> PublicationSteps.Rollback

    /// Removes the local temporary names of `runID`, sparing hidden uploads when `keepingUploads`;
    /// returns what it removed.
    func sweepLocal(runID: String, intents: [StepIntent], keepingUploads: Bool) -> [String]

    /// Removes the temporary names of `runID` left on `target`.
    func sweepTarget(runID: String, target: String, state: RunState) throws

    /// Runs an operator step's check.
    func check(_ check: OperatorCheck) throws -> CheckVerdict

    /// The size and modification time of a file a run recorded as input; nil when it is gone.
    func fileStatus(_ path: String) -> (size: Int64, modified: Int64)?
}
