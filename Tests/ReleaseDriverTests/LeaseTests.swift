import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
import TestSupport

/// One owner per run: a second driver of a run held by a live process is refused; one whose
/// holder died takes the run over; and the first, should it wake, is fenced before its effect.
@Suite struct DriverLeaseTests {
    @Test func aRunHeldByALiveProcessIsRefusedWithItsHolderNamed() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let hooks = Failpoints()
            let holderEffects = RecordingEffects()
            let holder = try workspace.driver(runID, effects: holderEffects, hooks: hooks)
            let other = RecordingEffects()
            hooks.at(.checkTarget, .before) {
                #expect {
                    try workspace.driver(runID, effects: other).drive()
                } throws: { error in
                    let failure = error as? CommandFailure
                    return failure?.status == .temporaryFailure
                        && failure?.message.contains("is being worked on by pid \(holder.holder.pid)") == true
                }
            }
            #expect(try holder.drive() == .completed)
            #expect(other.stepCalls == [], "the refused driver did nothing")
            #expect(holderEffects.count("perform check-target") == 1)
        }
    }

    @Test func aHolderTakenOverWhileStoppedIsFencedBeforeItsEffect() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let hooks = Failpoints()
            let stoppedEffects = RecordingEffects()
            let stopped = try workspace.driver(runID, effects: stoppedEffects, hooks: hooks)
            let takeover = RecordingEffects()
            // The holder stops right before the effect of upload-image; meanwhile it is judged dead,
            // and another process takes the run over and finishes it.
            hooks.at(.uploadImage, .before) {
                workspace.processes.kill(stopped.holder.pid)
                let ending = try workspace.driver(runID, effects: takeover).drive()
                #expect(ending == .completed)
            }
            #expect {
                try stopped.drive()
            } throws: { error in
                if case DomainError.fenced = error { return true }
                return false
            }
            #expect(stoppedEffects.count("perform upload-image") == 0, "the fenced holder never acts")
            #expect(takeover.count("reconcile upload-image") == 1)
            #expect(takeover.count("perform upload-image") == 1)
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
            let state = try workspace.ledger().state(of: runID)
            #expect(state.status == .completed)
            #expect(state.lease == nil, "the fenced holder's release does not touch the new holder's run")
        }
    }

    @Test func aConfirmationOrRollbackWithTheLeaseReleasesItAfterwards() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let driver = try workspace.driver(runID, effects: RecordingEffects())
            let held = try driver.withLease { driver in try driver.ledger.state(of: runID).lease }
            #expect(held == driver.holder)
            #expect(try workspace.ledger().state(of: runID).lease == nil)
            #expect(try workspace.eventKinds(runID) == ["RunStarted", "LeaseAcquired", "LeaseReleased"])
        }
    }
}
