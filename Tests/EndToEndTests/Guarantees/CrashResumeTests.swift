import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// A SIGKILL just before or just after a step's effect, then `resume`: the result must be that of
/// an uninterrupted run, and no effect may happen twice.
struct CrashPoint: CustomTestStringConvertible, Sendable {
    var pipeline: PipelineKind
    var step: StepName
    var moment: String
    var testDescription: String { "\(pipeline.rawValue) \(step):\(moment)" }
}

/// A sample of create-and-publish killed for real: a local file made, an upload cut before it
/// began, a publication made visible. Every step, before and after its effect, of this pipeline
/// (ReleaseDriverTests/SystemImageCrashPointTests.swift) and of the publication pipeline alone
/// (ReleaseDriverTests/CrashPointTests.swift) is crashed in process, with the driver's failpoints.
private let crashPoints: [CrashPoint] = [
    CrashPoint(pipeline: .systemBaseImage, step: .copy, moment: "after"),
    CrashPoint(pipeline: .systemBaseImage, step: .uploadImage, moment: "before"),
    CrashPoint(pipeline: .systemBaseImage, step: .makeVisible, moment: "after"),
]

/// Steps whose effect lasts (a file made, a name claimed): after a kill "after" the effect, resume
/// must find it and not do it again.
private let stepsWithLastingEffects: Set<StepName> = [
    .copy, .describe, .claimBuildNumber, .uploadImage, .uploadSidecar, .makeVisible, .record,
]

@Suite struct CrashResumeTests {
    @Test(arguments: crashPoints)
    func killedThenResumed(_ point: CrashPoint) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let killed = try workspace.run(
                workspace.createAndPublishArguments,
                environment: ["CASA_RELEASE_FAILPOINT": "\(point.step):\(point.moment)"])
            #expect(
                killed.killed && killed.status == SIGKILL,
                "expected SIGKILL at \(point.step):\(point.moment): \(killed.stderr)")

            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")

            // The ledger verifies, and the run is completed with every step done once.
            #expect(try workspace.run(["verify"]).status == 0)
            let ledger = try workspace.ledger()
            let runID = try ledger.runs(limit: 1)[0].runID
            let state = try ledger.state(of: runID)
            #expect(state.status == .completed)
            let events = try ledger.events(of: runID).map { try $0.decoded() }
            let takeovers = events.compactMap { event -> LeaseAcquired? in
                if case .leaseAcquired(let acquired) = event, acquired.takenOverFrom != nil { return acquired }
                return nil
            }
            #expect(takeovers.count == 1, "the dead holder's lease is taken over, and that is recorded")
            let reconciled = events.compactMap { event -> StepReconciled? in
                if case .stepReconciled(let value) = event { return value }
                return nil
            }
            #expect(reconciled.map(\.step) == [point.step])
            let starts = events.filter {
                if case .stepStarted(let started) = $0 { return started.step == point.step } else { return false }
            }.count
            if point.moment == "after", stepsWithLastingEffects.contains(point.step) {
                #expect(reconciled.first?.found != nil, "the effect made before the kill is found")
                #expect(starts == 1, "and not made again")
            } else if point.moment == "before" {
                #expect(reconciled.first?.found == nil, "nothing was done before the kill")
                #expect(starts == 2)
            }

            // The image is the one an uninterrupted run makes: the base's bytes, the recorded image_id.
            let expectedID = state.started?.chosen.imageID
            #expect(try workspace.bytes(workspace.output) == workspace.bytes(workspace.upstream))
            #expect(try workspace.sidecar(workspace.output + ".json").imageID == expectedID)
            #expect(
                try workspace.files(in: workspace.base).filter { $0.hasPrefix(".") } == [], "no temporary file is left")

            // One publication, N=1, complete, and nothing else on the target.
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
            #expect(
                try workspace.bytes(workspace.mirror + "/casa-system-ubuntu-24.04-1.sif")
                    == workspace.bytes(workspace.upstream))
            let remote = try workspace.sidecar(workspace.mirror + "/casa-system-ubuntu-24.04-1.sif.json")
            #expect(remote.imageID == expectedID)
            #expect(remote.buildNumber == 1)
            #expect(try workspace.sidecar(workspace.output + ".json").buildNumber == 1)
            #expect(
                try FileManager.default.destinationOfSymbolicLink(
                    atPath: workspace.base + "/casa-system-ubuntu-24.04-1.sif") == workspace.output)
        }
    }

    @Test func severalKillsInARowStillEndWithOnePublication() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let failpoints = [
                "copy:after", "describe:before", "claim-build-number:after", "upload-image:after", "make-visible:after",
            ]
            #expect(
                try workspace.run(
                    workspace.createAndPublishArguments, environment: ["CASA_RELEASE_FAILPOINT": failpoints[0]]
                ).killed)
            for failpoint in failpoints.dropFirst() {
                let result = try workspace.run(["resume"], environment: ["CASA_RELEASE_FAILPOINT": failpoint])
                #expect(result.killed, "\(failpoint): \(result.stderr)")
            }
            #expect(try workspace.run(["resume"]).status == 0)
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
            #expect(try workspace.run(["verify"]).status == 0)
            #expect(try workspace.ledger().state(of: try workspace.runIDs()[0]).status == .completed)
        }
    }
}

@Suite struct LeaseTests {
    @Test func aRunHeldByALiveProcessIsRefusedThenTakenOverWhenItDies() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let holder = try workspace.start(
                workspace.createArguments, environment: ["CASA_RELEASE_FAILPOINT": "copy:pause"])
            let pid = holder.processIdentifier
            // Wait for the holder to stop itself at the failpoint: a condition, polled, not a sleep.
            let deadline = Date().addingTimeInterval(60)
            while !Self.isStopped(pid) {
                #expect(Date() < deadline, "the holder never reached its failpoint")
                if Date() >= deadline { kill(pid, SIGKILL); return }
                usleep(10_000)
            }
            let refused = try workspace.run(["resume"])
            #expect(refused.status == 75)
            #expect(refused.stderr.contains("pid \(pid)"))
            #expect(refused.stderr.contains("since"))

            kill(pid, SIGKILL)
            holder.waitUntilExit()
            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stderr.contains("took over"))
            let events = try workspace.ledger().events(of: try workspace.runIDs()[0]).map { try $0.decoded() }
            let takeover = events.compactMap { event -> LeaseAcquired? in
                if case .leaseAcquired(let acquired) = event, acquired.takenOverFrom != nil { return acquired }
                return nil
            }
            #expect(takeover.first?.takenOverFrom?.pid == pid)
        }
    }

    static func isStopped(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return false }
        return text[text.index(after: close)...].split(separator: " ").first == "T"
    }
}

/// What a killed process leaves under temporary names carries its run's token, and the run
/// sweeps it, locally and on the target; another run's temporaries and anybody else's files stay.
@Suite struct LeftoverTests {
    @Test func aResumedRunSweepsItsOwnTemporariesAndOnlyThem() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let killed = try workspace.run(
                workspace.createAndPublishArguments, environment: ["CASA_RELEASE_FAILPOINT": "upload-image:before"])
            #expect(killed.killed)
            let runID = try workspace.runIDs()[0]
            let token = IntentPlanner.token(runID)
            let other = IntentPlanner.token(UUID().uuidString.lowercased())
            // As a process killed inside an atomic write, a claim, or a probe would leave them.
            let ours = [
                workspace.base + "/.casa-system-ubuntu-24.04.sif.json.\(token).tmp",
                workspace.mirror + "/..casa-system-ubuntu-24.04-1.sif.json.\(token).tmp",
                workspace.mirror + "/.casa-release-probe-\(token)",
                workspace.mirror + "/.casa-system-ubuntu-24.04-1.sif.\(token).part.a1B2c3",
            ]
            let theirs = [
                workspace.base + "/.casa-system-ubuntu-24.04.sif.json.\(other).tmp",
                workspace.mirror + "/.casa-release-probe-\(other)",
                workspace.mirror + "/notes-\(token).txt",
                workspace.mirror + "/.hidden-by-someone",
            ]
            for path in ours + theirs {
                #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
            }

            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            for path in ours { #expect(!FileManager.default.fileExists(atPath: path), "\(path) is this run's: swept") }
            for path in theirs {
                #expect(FileManager.default.fileExists(atPath: path), "\(path) is not this run's: left")
            }
            #expect(
                try workspace.files(in: workspace.mirror).filter { !$0.hasPrefix(".") && !$0.hasPrefix("notes") }
                    == ["casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json"])
        }
    }
}
