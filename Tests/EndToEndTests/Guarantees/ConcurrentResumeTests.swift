import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// Two `resume` of one run at once: the lease is a fence decided inside the append transaction,
/// so exactly one takes the run and the other exits 75 naming it, every time.
@Suite struct ConcurrentResumeTests {
    static let rounds = 100

    @Test func twoResumesAtOnceEndWithOneOwnerEveryTime() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace(baseBytes: 64 << 10)
            var outcomes: [String] = []
            for round in 1...Self.rounds {
                // An interrupted run of a new image: killed just before its copy.
                for path in [workspace.output, workspace.output + ".json"] {
                    try? FileManager.default.removeItem(atPath: path)
                }
                let killed = try workspace.run(
                    workspace.createArguments, environment: ["CASA_RELEASE_FAILPOINT": "copy:before"])
                #expect(killed.killed, "round \(round): \(killed.stderr)")
                let runID = try workspace.ledger().runs(limit: 1)[0].runID

                // Both resumes stop themselves before the copy's effect if they get that far, so the
                // winner still holds the lease while the loser tries.
                let pause = ["CASA_RELEASE_FAILPOINT": "copy:pause"]
                let first = try workspace.start(["resume", runID], environment: pause)
                let second = try workspace.start(["resume", runID], environment: pause)
                let settled = Self.waitUntilSettled([first, second])
                let stopped = [first, second].filter { LeaseTests.isStopped($0.processIdentifier) }
                let exited = [first, second].filter { !$0.isRunning }
                defer {
                    for process in [first, second] where process.isRunning {
                        kill(process.processIdentifier, SIGKILL); kill(process.processIdentifier, SIGCONT)
                    }
                }
                guard settled, stopped.count == 1, exited.count == 1 else {
                    Issue.record("round \(round): \(stopped.count) resumes hold the run and \(exited.count) exited")
                    return
                }
                let winner = stopped[0]
                let loser = exited[0]
                let loserError = String(
                    decoding: (loser.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                kill(winner.processIdentifier, SIGCONT)
                winner.waitUntilExit()
                let winnerError = String(
                    decoding: (winner.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                outcomes.append("\(winner.terminationStatus)/\(loser.terminationStatus)")
                #expect(winner.terminationStatus == 0, "round \(round): the winner \(winnerError)")
                #expect(loser.terminationStatus == 75, "round \(round): the loser \(loserError)")
                #expect(
                    loserError.contains("pid \(winner.processIdentifier)"),
                    "round \(round): the loser names the holder: \(loserError)")

                let events = try workspace.ledger().events(of: runID).map { try $0.decoded() }
                let acquisitions = events.filter { if case .leaseAcquired = $0 { return true } else { return false } }
                #expect(
                    acquisitions.count == 2,
                    "round \(round): the killed run's lease, then the winner's; never the loser's")
                #expect(try workspace.ledger().state(of: runID).status == .completed)
                if winner.terminationStatus != 0 || loser.terminationStatus != 75 { return }
            }
            #expect(outcomes.count == Self.rounds)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// A resume that finds the run unfinished, then finds it completed by another process by the
    /// time it takes the lease (held just before it, at the failpoint `lease:pause`): the run is
    /// done, exit 0, nothing appended; the race once ended 65 "the run is already completed".
    @Test func aResumeThatFindsTheRunCompletedMeanwhileIsDone() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace(baseBytes: 64 << 10)
            let killed = try workspace.run(
                workspace.createArguments, environment: ["CASA_RELEASE_FAILPOINT": "copy:before"])
            #expect(killed.killed, "\(killed.stderr)")
            let runID = try workspace.ledger().runs(limit: 1)[0].runID
            let late = try workspace.start(["resume", runID], environment: ["CASA_RELEASE_FAILPOINT": "lease:pause"])
            defer { if late.isRunning { kill(late.processIdentifier, SIGKILL); kill(late.processIdentifier, SIGCONT) } }
            #expect(Self.waitUntilSettled([late]) && LeaseTests.isStopped(late.processIdentifier))
            let first = try workspace.run(["resume", runID])
            #expect(first.status == 0, "\(first.stderr)")
            let events = try workspace.ledger().events(of: runID).count
            kill(late.processIdentifier, SIGCONT)
            late.waitUntilExit()
            let lateError = String(
                decoding: (late.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(late.terminationStatus == 0, "\(lateError)")
            #expect(lateError.contains("was completed by another process meanwhile"), "\(lateError)")
            #expect(try workspace.ledger().events(of: runID).count == events, "nothing appended")
        }
    }

    /// Waits until no process is still running without being stopped (bounded: a minute).
    static func waitUntilSettled(_ processes: [Process]) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if processes.allSatisfy({ !$0.isRunning || LeaseTests.isStopped($0.processIdentifier) }) { return true }
            usleep(5_000)
        }
        return false
    }
}
