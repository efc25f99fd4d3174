import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// A casa-release frozen (SIGSTOP: a suspended laptop, a paused VM) inside an append, with the
/// chain's lock held, on a PostgreSQL ledger shared by hosts: the server ends its transaction
/// after `idle_in_transaction_session_timeout`, another host takes its run over once its
/// heartbeat aged, an unrelated run on a third host completes, and the frozen process, woken,
/// stops with 75 having done nothing. A writer that waits longer than `lock_timeout` gives up
/// with 75 naming the holder. Always on PostgreSQL.
@Suite struct FrozenHolderTests {
    typealias Shared = SharedLedgerTests

    /// Waits for `process` to exit, `seconds` at most; kills it and says so otherwise (a wait
    /// without end is the defect these tests look for: it must fail, not hang the suite).
    static func exited(_ process: Process, within seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return false
            }
            usleep(20_000)
        }
        return true
    }

    /// Starts host A's resume of `runID`, frozen inside the append of its copy's start.
    static func frozenHolder(_ workspace: Workspace, _ runID: String, options: String) throws -> Process {
        let frozen = try workspace.start(
            ["resume", runID],
            environment: Shared.host(
                "host-a",
                [
                    "CASA_RELEASE_FAILPOINT": "copy:frozen", "CASA_RELEASE_LEASE_EXPIRY": "2", "PGOPTIONS": options,
                ]))
        #expect(
            ConcurrentResumeTests.waitUntilSettled([frozen]) && LeaseTests.isStopped(frozen.processIdentifier),
            "host A froze")
        return frozen
    }

    @Test func aHolderFrozenInsideAnAppendStopsNoOneAndIsFencedWhenItWakes() async throws {
        try await onItsOwnThread {
            let workspace = try Shared.sharedWorkspace()
            let runID = try Shared.failedRun(workspace)
            let frozen = try Self.frozenHolder(workspace, runID, options: "-c idle_in_transaction_session_timeout=2s")
            defer {
                if frozen.isRunning { kill(frozen.processIdentifier, SIGKILL); kill(frozen.processIdentifier, SIGCONT) }
            }
            let eventsWhenFrozen = try workspace.ledger().events(of: runID).count

            // A third host starts an unrelated release on the same ledger, from its own base directory.
            let neighbour = try Workspace(baseBytes: 64 << 10, ledger: .postgres(workspace.ledgerURL!))
            let unrelated = try neighbour.start(neighbour.createArguments, environment: Shared.host("host-c"))
            // Host B takes host A's run over once A's heartbeat is older than the expiry.
            guard try Shared.heartbeatAged(workspace, runID, seconds: 2) else {
                Issue.record("the frozen holder's heartbeat never aged"); return
            }
            let takeover = try workspace.start(
                ["resume", runID], environment: Shared.host("host-b", ["CASA_RELEASE_LEASE_EXPIRY": "2"]))
            #expect(Self.exited(takeover, within: 60), "host B's takeover waited for the frozen process")
            let takeoverError = Shared.standardError(takeover)
            #expect(takeover.terminationStatus == 0 && takeoverError.contains("took over run"), "\(takeoverError)")
            #expect(Self.exited(unrelated, within: 60), "host C's release waited for the frozen process")
            #expect(unrelated.terminationStatus == 0, "\(Shared.standardError(unrelated))")
            #expect(try workspace.ledger().state(of: runID).status == .completed)
            let eventsAfterTakeover = try workspace.ledger().events(of: runID)
            #expect(eventsAfterTakeover.count > eventsWhenFrozen)
            let output = try FileManager.default.attributesOfItem(atPath: workspace.output)[.modificationDate] as? Date

            // Host A wakes: its transaction is gone; it records nothing and does nothing.
            kill(frozen.processIdentifier, SIGCONT)
            #expect(Self.exited(frozen, within: 60))
            let frozenError = Shared.standardError(frozen)
            #expect(frozen.terminationStatus == 75, "\(frozenError)")
            let complaints = frozenError.split(separator: "\n").filter {
                $0.hasPrefix("casa-release: ") && !$0.contains("failpoint") && !$0.contains("resuming run")
            }
            #expect(complaints.count == 1, "one line: \(frozenError)")
            #expect(
                try workspace.ledger().events(of: runID) == eventsAfterTakeover, "the woken holder appended nothing")
            #expect(
                try FileManager.default.attributesOfItem(atPath: workspace.output)[.modificationDate] as? Date
                    == output,
                "nor copied anything")
            let copies = eventsAfterTakeover.filter { event in
                if case .stepSucceeded(let succeeded)? = try? event.decoded() { return succeeded.step == .copy }
                return false
            }
            #expect(copies.count == 1, "the copy was done once")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func aWriterThatWaitsLongerThanLockTimeoutGivesUpNamingTheHolder() async throws {
        try await onItsOwnThread {
            let workspace = try Shared.sharedWorkspace()
            let runID = try Shared.failedRun(workspace)
            // The server keeps this frozen holder's transaction: only lock_timeout bounds the others.
            let frozen = try Self.frozenHolder(workspace, runID, options: "-c idle_in_transaction_session_timeout=0")
            defer {
                if frozen.isRunning { kill(frozen.processIdentifier, SIGKILL); kill(frozen.processIdentifier, SIGCONT) }
            }
            let runs = try workspace.ledger().runs().count
            let neighbour = try Workspace(baseBytes: 64 << 10, ledger: .postgres(workspace.ledgerURL!))
            let waiter = try neighbour.start(
                neighbour.createArguments, environment: Shared.host("host-c", ["PGOPTIONS": "-c lock_timeout=1s"]))
            #expect(Self.exited(waiter, within: 60), "the writer waited without end")
            let waiterError = Shared.standardError(waiter)
            #expect(waiter.terminationStatus == 75, "\(waiterError)")
            #expect(
                waiterError.contains("is busy") && waiterError.contains("lock_timeout (1s)")
                    && waiterError.contains("casa-release pid \(frozen.processIdentifier) on host-a")
                    && waiterError.contains("idle in transaction")
                    && waiterError.contains("in its transaction since"), "\(waiterError)")
            #expect(waiterError.split(separator: "\n").count == 1, "one line: \(waiterError)")

            // The frozen holder is gone for good: its lock goes with it, and the ledger is whole.
            kill(frozen.processIdentifier, SIGKILL)
            kill(frozen.processIdentifier, SIGCONT)
            frozen.waitUntilExit()
            #expect(try workspace.ledger().runs().count == runs, "the waiter recorded nothing")
            let again = try neighbour.run(neighbour.createArguments, environment: Shared.host("host-c"))
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }
}
