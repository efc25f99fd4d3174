import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// One owner per run across pid namespaces: two containers that share a host name (`unshare
/// --pid`, as `--network=host` containers do) cannot judge each other's pids, so a holder there
/// is judged by its heartbeat, on SQLite as on PostgreSQL. Before, a resume in another namespace
/// found the live holder's pid dead (or someone else's) and took its run.
@Suite struct PIDNamespaceTests {
    /// A new pid namespace whose init is a shell, so that casa-release is not its pid 1 (the
    /// kernel drops the signals an init sends itself, the failpoint's SIGSTOP among them).
    static let unshare = [
        "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "/bin/sh", "-c", "\"$@\"; exit $?", "sh",
    ]

    /// casa-release under `launcher` (unshare, then its shell), by its pid here.
    static func casaRelease(under launcher: Process) -> Int32? {
        let deadline = Date().addingTimeInterval(30)
        var pid = launcher.processIdentifier
        while Date() < deadline {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            if comm == "casa-release" { return pid }
            if let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8),
                let child = text.split(separator: " ").first.flatMap({ Int32($0) })
            {
                pid = child
                continue
            }
            usleep(5_000)
        }
        return nil
    }

    static func waitUntilStopped(_ pid: Int32) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if LeaseTests.isStopped(pid) { return true }
            usleep(5_000)
        }
        return false
    }

    /// The holder runs in one namespace, the resume in the other; `holderInside` says which.
    @Test(arguments: [false, true])
    func aLiveHolderInAnotherPIDNamespaceIsNotTakenOver(holderInside: Bool) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 64 << 10)
            let failed = try workspace.run(
                workspace.createArguments, environment: ["CASA_RELEASE_FAILPOINT": "copy:fail"])
            #expect(failed.status != 0 && !failed.killed, "\(failed.stderr)")
            let runID = try workspace.runIDs()[0]
            let holder = try workspace.start(
                ["resume", runID], environment: ["CASA_RELEASE_FAILPOINT": "copy:pause"],
                launcher: holderInside ? Self.unshare : [])
            let holderPID = holderInside ? Self.casaRelease(under: holder) : holder.processIdentifier
            defer {
                for pid in [holderPID, holder.processIdentifier].compactMap({ $0 }) {
                    kill(pid, SIGKILL); kill(pid, SIGCONT)
                }
            }
            #expect(
                Self.waitUntilStopped(try #require(holderPID)), "the holder took the run and stopped before its copy")
            let events = try workspace.ledger().events(of: runID).count

            // Its heartbeat is younger than the expiry: it is alive, whatever its pid says here.
            let resumed = try workspace.run(
                ["resume", runID], environment: ["CASA_RELEASE_LEASE_EXPIRY": "600"],
                launcher: holderInside ? [] : Self.unshare)
            #expect(resumed.status == 75, "\(resumed.stdout)\(resumed.stderr)")
            // The holder as recorded: its pid in its own namespace (2 under unshare's shell).
            let recorded = try #require(try workspace.ledger().state(of: runID).lease)
            #expect(holderInside == (recorded.pid != holderPID), "\(recorded)")
            #expect(resumed.stderr.contains("is being worked on by pid \(recorded.pid) on"), "\(resumed.stderr)")
            #expect(try workspace.ledger().events(of: runID).count == events, "nothing recorded by the refused resume")

            // Once the holder is dead, its heartbeat ages and the run is taken over from there.
            kill(try #require(holderPID), SIGKILL)
            kill(try #require(holderPID), SIGCONT)
            holder.waitUntilExit()
            var takeover = try workspace.run(
                ["resume", runID], environment: ["CASA_RELEASE_LEASE_EXPIRY": "1"],
                launcher: holderInside ? [] : Self.unshare)
            for _ in 0..<100 where takeover.status == 75 {
                takeover = try workspace.run(
                    ["resume", runID], environment: ["CASA_RELEASE_LEASE_EXPIRY": "1"],
                    launcher: holderInside ? [] : Self.unshare)
            }
            #expect(takeover.status == 0, "\(takeover.stderr)")
            #expect(takeover.stderr.contains("whose heartbeat is older than 1 s"), "\(takeover.stderr)")
            #expect(try workspace.ledger().state(of: runID).status == .completed)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }
}
