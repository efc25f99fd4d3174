import Foundation
import ReleaseStateMachine
import Testing
@testable import ReleaseLedger

/// A copy's projection check runs on a thread of its own from the copy's start; a copy refused
/// before it needs the check stops it, and it leaves nothing behind (ProjectionScratch).
@Suite struct CopySourceCheckTests {
    /// A ledger of `runs` runs of ten events each.
    static func ledger(runs: Int, in directory: String) throws -> Ledger {
        let ledger = try Ledger.open(path: directory + "/source.sqlite")
        let waiting = RunEvent.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: "wait"))
        try ledger.appendBatch(
            (0..<runs).map {
                let run = String(format: "%08x-0000-4000-8000-000000000000", $0)
                return (
                    stream: run, expectedVersion: 0,
                    events: [PostgresPipelineTests.started(run)] + Array(repeating: waiting, count: 9)
                )
            },
            actor: "u@h", at: Date())
        return ledger
    }

    /// A stop already signalled ends the rebuild at its thousandth event, with
    /// `CancellationError`. (Its scratch databases are SQLite's temporary ones, which have no
    /// name to leave behind: ProjectionScratch.)
    @Test func aStoppedCheckEndsEarly() throws {
        let directory = NSTemporaryDirectory() + "casa-release-check-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try Self.ledger(runs: 300, in: directory)
        let stop = StopSignal()
        stop.stop()
        #expect(throws: CancellationError.self) {
            try ledger.checkProjections(limit: 1, stop: stop)
        }
        // Not stopped, the same check finds nothing to say.
        #expect(try ledger.checkProjections(limit: 1, stop: StopSignal()).isEmpty)
    }

    /// A rebuild far bigger than the memory its scratch keeps (64 KiB, where its projections
    /// take megabytes) goes on in its spill file, and finds the same edits as one held in
    /// memory.
    @Test func aRebuildBiggerThanItsScratchMemoryFindsTheSameEdits() throws {
        let directory = NSTemporaryDirectory() + "casa-release-check-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try Self.ledger(runs: 600, in: directory)
        #expect(try ledger.checkProjections(limit: 10, stop: nil, scratchCacheKiB: 64).isEmpty)
        try ledger.immediateTransaction { db in
            try db.execute("UPDATE runs SET status = 'succeeded' WHERE run_id = (SELECT MAX(run_id) FROM runs)")
            try db.execute(
                "UPDATE steps SET detail = 'edited' WHERE run_id = (SELECT MIN(run_id) FROM runs) AND position = 3")
        }
        let small = try ledger.checkProjections(limit: 10, stop: nil, scratchCacheKiB: 64)
        let whole = try ledger.checkProjections(limit: 10, stop: nil)
        #expect(small.count == 2)
        #expect(small.map(\.description) == whole.map(\.description))
        #expect(Set(small.map(\.table)) == ["runs", "steps"])
    }

    /// The check started and stopped (a copy refused before it needed it) passes no verdict:
    /// waited for, it tells that it was stopped, or, had it ended first, what it found.
    @Test func aCheckStoppedBeforeItsVerdictTellsSo() throws {
        let directory = NSTemporaryDirectory() + "casa-release-check-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try Self.ledger(runs: 300, in: directory)
        try ledger.immediateTransaction { db in try db.execute("UPDATE runs SET status = 'succeeded'") }
        let check = try CopySourceCheck(of: ledger)
        check.stop()
        #expect(throws: (any Error).self) { try check.passed() }
        // Not stopped, it names the edit.
        let whole = try CopySourceCheck(of: ledger)
        #expect {
            try whole.passed()
        } throws: { error in
            "\(error)".contains("projections do not match")
        }
    }
}
