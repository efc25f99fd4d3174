import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
import TestSupport

/// The step loop, driven in process: a real ledger, real effects on local files, and the calls
/// the driver makes, checked one by one.
@Suite struct StepLoopTests {
    @Test func aRunPerformsEveryStepOnceInOrderAndSweepsAtTheEnd() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let effects = RecordingEffects()
            let reporter = LinesReporter()

            #expect(try workspace.driver(runID, effects: effects, reporter: reporter).drive() == .completed)

            #expect(
                effects.calls == [
                    "begin", "sweep stale",
                    "perform inspect-image", "perform check-target", "perform claim-build-number",
                    "perform upload-image",
                    "perform upload-sidecar", "perform verify-upload", "perform make-visible",
                    "perform record-publication",
                    "sweep all", "sweep target",
                ])
            let kinds = try workspace.eventKinds(runID)
            let eachStep = Array(repeating: ["StepStarted", "StepSucceeded"], count: 8).flatMap { $0 }
            var expected = ["RunStarted", "LeaseAcquired"] + eachStep + ["RunCompleted", "LeaseReleased"]
            expected.insert("BuildNumberReserved", at: 2 + 2 * 2 + 1)  // inside claim-build-number
            #expect(kinds == expected)
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
            #expect(reporter.progressLines.first == "inspect-image...")
            #expect(try workspace.ledger().verifyChain().firstMismatch == nil)
        }
    }

    @Test func aCompletedRunIsFinishedWithoutAnyEffect() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            #expect(try workspace.driver(runID, effects: RecordingEffects()).drive() == .completed)
            let again = RecordingEffects()
            #expect(throws: DomainError.runAlreadyCompleted) { try workspace.driver(runID, effects: again).drive() }
            #expect(again.stepCalls == [])
        }
    }

    @Test func aStepThatFailsForAPassingReasonKeepsItsClaimAndIsRunAgainOnResume() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let effects = RecordingEffects()
            effects.performFailures["upload-image"] = [ExecutorError(.temporary, "the server went away")]
            let reporter = LinesReporter()

            let ending = try workspace.driver(runID, effects: effects, reporter: reporter).drive()

            #expect(ending == .failed(.uploadImage, .temporary, "the server went away"))
            #expect(effects.count("roll back") == 0, "a passing failure is not rolled back")
            #expect(reporter.notes.contains { $0.contains("keeps its claim") })
            #expect(try workspace.ledger().state(of: runID).lease == nil, "the lease is released")

            let resumed = RecordingEffects()
            #expect(try workspace.driver(runID, effects: resumed).drive() == .completed)
            #expect(resumed.stepCalls.first == "perform upload-image", "resume goes on from the failed step")
            #expect(resumed.count("perform claim-build-number") == 0)
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
        }
    }

    @Test func aPublicationThatFailsForGoodIsRolledBackAtOnceAndTheRollbackRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let effects = RecordingEffects()
            effects.performFailures["make-visible"] = [ExecutorError(.stepFailed, "refused by the server")]
            let reporter = LinesReporter()

            let ending = try workspace.driver(runID, effects: effects, reporter: reporter).drive()

            #expect(ending == .failed(.makeVisible, .stepFailed, "refused by the server"))
            #expect(effects.calls.suffix(2) == ["perform make-visible", "roll back"])
            #expect(
                try workspace.eventKinds(runID).suffix(3) == ["StepFailed", "PublicationRolledBack", "LeaseReleased"])
            #expect(try workspace.files(in: workspace.mirror) == [], "nothing of the publication is left")
            #expect(reporter.notes.contains { $0.hasPrefix("publication rolled back: removed ") })
        }
    }

    @Test func aRollbackThatCannotReachTheTargetIsDoneFirstByTheNextResumeAndNothingElseMeanwhile() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let effects = RecordingEffects()
            effects.performFailures["make-visible"] = [ExecutorError(.stepFailed, "refused by the server")]
            effects.rollBackFailures = [ExecutorError(.temporary, "the server went away")]
            let reporter = LinesReporter()
            _ = try workspace.driver(runID, effects: effects, reporter: reporter).drive()
            #expect(reporter.notes.contains { $0.contains("could not be rolled back yet") })
            #expect(try workspace.ledger().state(of: runID).rollbackDue)

            // Still out of reach: the resume waits (75) and does nothing else.
            let waiting = RecordingEffects()
            waiting.rollBackFailures = [ExecutorError(.temporary, "the server went away")]
            #expect {
                try workspace.driver(runID, effects: waiting).drive()
            } throws: { error in
                (error as? CommandFailure)?.status == .temporaryFailure
            }
            #expect(waiting.stepCalls == [])

            // Reachable again: the rollback first, then the publication again from its start.
            let reachable = RecordingEffects()
            #expect(try workspace.driver(runID, effects: reachable).drive() == .completed)
            #expect(Array(reachable.calls.prefix(4)) == ["begin", "sweep stale", "roll back", "perform check-target"])
            #expect(try workspace.eventKinds(runID).filter { $0 == "PublicationRolledBack" }.count == 1)
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
        }
    }

    @Test func anInputChangedSinceTheRunRecordedItStopsTheResumeAndReleasesTheLease() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let crashed = try workspace.driver(
                runID, effects: RecordingEffects(), hooks: Failpoints(crashAt: .checkTarget))
            #expect(throws: SimulatedCrash(.checkTarget, .before)) { try crashed.drive() }
            workspace.processes.kill(crashed.holder.pid)
            try Data("another image of another size\n".utf8).write(to: URL(fileURLWithPath: workspace.image))

            let effects = RecordingEffects()
            #expect {
                try workspace.driver(runID, effects: effects).drive()
            } throws: { error in
                let failure = error as? CommandFailure
                return failure?.status == .badInput && failure?.message.contains("changed since run") == true
            }
            #expect(effects.stepCalls == [])
            #expect(try workspace.ledger().state(of: runID).lease == nil)
        }
    }

    @Test func aReconcileThatCannotTellLeavesTheRunAsItWas() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let crashed = try workspace.driver(
                runID, effects: RecordingEffects(), hooks: Failpoints(crashAt: .uploadImage, .after))
            #expect(throws: SimulatedCrash(.uploadImage, .after)) { try crashed.drive() }
            workspace.processes.kill(crashed.holder.pid)
            let before = try workspace.eventKinds(runID)

            let effects = RecordingEffects()
            effects.reconcileFailures["upload-image"] = [ExecutorError(.unavailable, "no route to host")]
            #expect {
                try workspace.driver(runID, effects: effects).drive()
            } throws: { error in
                let failure = error as? CommandFailure
                return failure?.status == .unavailable
                    && failure?.message.contains("cannot check what step upload-image left behind") == true
            }
            #expect(effects.stepCalls == ["reconcile upload-image"])
            // The takeover is recorded, and nothing else: no reconcile, no step.
            #expect(try workspace.eventKinds(runID) == before + ["LeaseAcquired", "LeaseReleased"])
        }
    }
}

/// Skipped steps said once per reason.
@Suite struct SkipReportTests {
    @Test func stepsSkippedForOneReasonAreSaidOnOneLine() async throws {
        try await onItsOwnThread {
            let reporter = LinesReporter()
            var report = SkipReport(reporter: reporter)
            for step in [StepName.checkTarget, .claimBuildNumber, .record] { report.add(step, reason: "publish=no") }
            report.add(.zip, reason: "zip=no")
            report.flush()
            #expect(
                reporter.progressLines == [
                    "skipped check-target … record (3 steps): publish=no", "skipped zip: zip=no",
                ])
        }
    }

    @Test func verboseSaysEachStep() async throws {
        try await onItsOwnThread {
            let reporter = LinesReporter()
            reporter.verbose = true
            var report = SkipReport(reporter: reporter)
            report.add(.checkTarget, reason: "publish=no")
            report.add(.record, reason: "publish=no")
            report.flush()
            #expect(reporter.progressLines == ["skipped check-target: publish=no", "skipped record: publish=no"])
        }
    }
}
