import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
import TestSupport

/// A crash just before or just after each step's effect, then a resume by another process: the
/// result is that of an uninterrupted run, and no lasting effect happens twice. The binary's
/// SIGKILL version of these (`CrashResumeTests`, create-and-publish) keeps the real kill.
private let crashPoints = DriverCrashPoint.beforeAndAfter(Pipeline.steps(of: .publication, RunParameters()))

/// Steps whose effect lasts (a name claimed, a file put): after a crash "after" the effect, the
/// resume must find it and not make it again.
private let stepsWithLastingEffects: Set<StepName> = [
    .claimBuildNumber, .uploadImage, .uploadSidecar, .makeVisible, .record,
]

@Suite struct CrashPointTests {
    @Test(arguments: crashPoints)
    func crashedThenResumedByAnotherProcess(_ point: DriverCrashPoint) async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let first = RecordingEffects()
            let crashed = try workspace.driver(
                runID, effects: first, hooks: Failpoints(crashAt: point.step, point.moment))
            #expect(throws: SimulatedCrash(point.step, point.moment)) { try crashed.drive() }
            #expect(
                try workspace.ledger().state(of: runID).lease == crashed.holder, "a crashed holder releases nothing")
            workspace.processes.kill(crashed.holder.pid)

            let second = RecordingEffects()
            let reporter = LinesReporter()
            #expect(try workspace.driver(runID, effects: second, reporter: reporter).drive() == .completed)

            // The dead holder's lease is taken over, and that is recorded and said.
            let takeovers = try workspace.events(runID).compactMap { event -> LeaseAcquired? in
                if case .leaseAcquired(let acquired) = event, acquired.takenOverFrom != nil { return acquired }
                return nil
            }
            #expect(takeovers.map(\.takenOverFrom?.pid) == [crashed.holder.pid])
            #expect(reporter.notes.contains { $0.hasPrefix("took over run \(runID) from pid \(crashed.holder.pid)") })

            // Only the interrupted step is reconciled, first; a lasting effect made before the crash
            // is found and not made again; one not made yet is made once.
            let kind = try #require(try workspace.ledger().state(of: runID).step(point.step)?.intent?.kind)
            #expect(second.stepCalls.first == "reconcile \(kind)")
            #expect(second.stepCalls.filter { $0.hasPrefix("reconcile ") } == ["reconcile \(kind)"])
            let performed = first.count("perform \(kind)") + second.count("perform \(kind)")
            if point.moment == .after, stepsWithLastingEffects.contains(point.step) {
                #expect(performed == 1, "the effect made before the crash is found, not made again")
            } else if point.moment == .before {
                #expect(first.count("perform \(kind)") == 0)
                #expect(performed == 1)
            }

            // One publication, N=1, complete, and nothing else on the target.
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: workspace.mirror + "/casa-system-ubuntu-24.04-1.sif"))
                    == Data(contentsOf: URL(fileURLWithPath: workspace.image)))
            #expect(try workspace.ledger().verifyChain().firstMismatch == nil)
        }
    }

    @Test func aCrashOnceTheNumberIsReservedStillPublishesOneN() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            let crashed = try workspace.driver(
                runID, effects: RecordingEffects(), hooks: Failpoints(crashAt: .claimBuildNumber, .reserved))
            #expect(throws: SimulatedCrash(.claimBuildNumber, .reserved)) { try crashed.drive() }
            workspace.processes.kill(crashed.holder.pid)

            #expect(try workspace.driver(runID, effects: RecordingEffects()).drive() == .completed)
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
        }
    }

    @Test func severalCrashesInARowStillEndWithOnePublication() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startRun()
            for (step, moment) in [
                (StepName.inspectImage, StepMoment.after), (.claimBuildNumber, .after), (.uploadImage, .after),
                (.makeVisible, .after),
            ] {
                let crashed = try workspace.driver(
                    runID, effects: RecordingEffects(), hooks: Failpoints(crashAt: step, moment))
                #expect(throws: SimulatedCrash(step, moment)) { try crashed.drive() }
                workspace.processes.kill(crashed.holder.pid)
            }
            #expect(try workspace.driver(runID, effects: RecordingEffects()).drive() == .completed)
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
            #expect(try workspace.ledger().state(of: runID).status == .completed)
        }
    }
}
