import Foundation
import GRDB
import ReleaseStateMachine
import Testing
@testable import ReleaseLedger
@testable import TestSupport

/// A verification that starts from a checkpoint replays only the runs that moved since, and
/// finds every edit a full check finds: a row edited, removed or added, a run with new events,
/// a checkpoint of another log or a forged one (VerificationCheckpoint.swift). Each finding is
/// compared with what a full check of the same ledger says.
@Suite struct VerificationCheckpointTests {
    static let waiting = RunEvent.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: "wait"))

    /// A ledger of 40 runs of ten events each, and the checkpoint of its first verification.
    static func verified(
        in directory: TemporaryDirectory, name: String = "l.sqlite"
    ) throws -> (
        Ledger, VerificationCheckpoint
    ) {
        let ledger = try CopySourceCheckTests.ledger(runs: 40, in: directory.path)
        let first = try ledger.verifyChainAndProjections()
        #expect(first.differences.isEmpty && first.replayedRuns == 40 && first.rememberedRuns == 0)
        let checkpoint = try #require(first.checkpoint)
        #expect(checkpoint.runs.count == 40 && checkpoint.sequence == 400)
        return (ledger, checkpoint)
    }

    /// `sql` run on the ledger as sqlite3 would run it: without foreign keys.
    static func edit(_ ledger: Ledger, _ sql: String, _ arguments: StatementArguments = []) throws {
        try ledger.queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.execute(sql: sql, arguments: arguments)
        }
    }

    @Test func aSecondVerificationReplaysOnlyTheRunsThatMoved() throws {
        let directory = TemporaryDirectory()
        let (ledger, checkpoint) = try Self.verified(in: directory)
        // Nothing moved: nothing replayed, and the same checkpoint again.
        let again = try ledger.verifyChainAndProjections(from: checkpoint)
        #expect(again.differences.isEmpty && again.replayedRuns == 0 && again.rememberedRuns == 40)
        #expect(again.checkpoint == checkpoint)
        // Two runs go on, one starts: those three are replayed.
        let moved = [PostgresPipelineTests.run(3), PostgresPipelineTests.run(17)]
        for run in moved {
            try ledger.append([Self.waiting], to: run, expectedVersion: 10, actor: "u@h", at: Date())
        }
        let new = PostgresPipelineTests.run(99)
        try ledger.append(
            [PostgresPipelineTests.started(new), Self.waiting], to: new, expectedVersion: 0, actor: "u@h", at: Date())
        let after = try ledger.verifyChainAndProjections(from: checkpoint)
        #expect(after.chain.firstMismatch == nil && after.chain.checked == 404)
        #expect(after.differences.isEmpty && after.replayedRuns == 3 && after.rememberedRuns == 38)
        // What it remembers is what a full verification of the same ledger remembers.
        let full = try ledger.verifyChainAndProjections()
        #expect(after.checkpoint == full.checkpoint && full.checkpoint?.runs.count == 41)
        #expect(after.checkpoint?.runs[moved[0]]?.version == 11)
    }

    /// Rows edited, removed or added behind the ledger's back after a checkpoint: each is found,
    /// as a full check finds it, and nothing is remembered of a ledger with a difference.
    @Test(arguments: [
        "UPDATE steps SET detail = 'edited' WHERE run_id = '00000005-0000-4000-8000-000000000000' AND position = 2",
        "UPDATE runs SET status = 'completed' WHERE run_id = '00000005-0000-4000-8000-000000000000'",
        "DELETE FROM steps WHERE run_id = '00000005-0000-4000-8000-000000000000' AND position = 0",
        "DELETE FROM steps WHERE run_id = '00000005-0000-4000-8000-000000000000'",
        // A run that no event makes, and a row whose run_id is no text (SQLite keeps a blob as it is).
        "INSERT INTO runs (run_id, pipeline, status, started_at, updated_at, parameters, last_sequence) VALUES ('ghost', 'publication', 'completed', 'x', 'x', '{}', 1)",
        "INSERT INTO artifacts (run_id, path, role, recorded_at) VALUES (X'0102', '/x', 'image', 'x')",
        "INSERT INTO artifacts (run_id, path, role, recorded_at) VALUES ('00000007-0000-4000-8000-000000000000', '/x', 'image', 'x')",
    ])
    func anEditAfterTheCheckpointIsFoundAsAFullCheckFindsIt(_ sql: String) throws {
        let directory = TemporaryDirectory()
        let (ledger, checkpoint) = try Self.verified(in: directory)
        try Self.edit(ledger, sql)
        let found = try ledger.verifyChainAndProjections(limit: 100, from: checkpoint)
        let full = try ledger.checkProjections(limit: 100)
        #expect(!full.isEmpty)
        #expect(found.differences == full, "\(found.differences)")
        #expect(found.checkpoint?.runs.count == nil, "nothing is remembered")
        // A row without a run is covered by no digest: that takes a full check.
        #expect(found.replayedRuns == (sql.contains("X'0102'") ? 40 : 1))
    }

    /// A checkpoint forged to hide an edit (every run's digest replaced) moves too many runs:
    /// the verification is a full one, finds the edit, and remembers nothing.
    @Test func aCheckpointThatRemembersNothingRightGivesAFullCheck() throws {
        let directory = TemporaryDirectory()
        let (ledger, checkpoint) = try Self.verified(in: directory)
        try Self.edit(ledger, "UPDATE runs SET status = 'completed' WHERE run_id = ?", [PostgresPipelineTests.run(9)])
        var forged = checkpoint
        for run in forged.runs.keys { forged.runs[run]?.digest = Array(repeating: 0, count: 32) }
        let found = try ledger.verifyChainAndProjections(from: forged)
        #expect(found.replayedRuns == 40 && found.differences.count == 1 && found.checkpoint?.runs.count == nil)
        // The edit repaired, the full check's checkpoint is the first one again.
        try ledger.rebuildProjections()
        #expect(try ledger.verifyChainAndProjections(from: forged).checkpoint == checkpoint)
    }

    /// The checkpoint of another log (another ledger, or this one's event named with another
    /// hash, or an event past its end) is not used.
    @Test func aCheckpointOfAnotherLogIsNotUsed() throws {
        let directory = TemporaryDirectory()
        let (ledger, checkpoint) = try Self.verified(in: directory)
        var otherHash = checkpoint
        otherHash.hash = String(repeating: "0", count: 64)
        var pastTheEnd = checkpoint
        pastTheEnd.sequence = 401
        let other = TemporaryDirectory()
        let otherLedger = try Ledger.open(path: other.file("l.sqlite"))
        for run in (0..<40).map(PostgresPipelineTests.run) {
            try otherLedger.append(
                [PostgresPipelineTests.started(run)] + Array(repeating: Self.waiting, count: 9), to: run,
                expectedVersion: 0, actor: "other@h", at: Date())
        }
        for (ledger, checkpoint) in [(ledger, otherHash), (ledger, pastTheEnd), (otherLedger, checkpoint)] {
            let verification = try ledger.verifyChainAndProjections(from: checkpoint)
            #expect(verification.differences.isEmpty && verification.replayedRuns == 40)
            #expect(verification.rememberedRuns == 0 && verification.checkpoint?.runs.count == 40)
        }
    }

    /// A broken chain is told alone, whatever the checkpoint says, and nothing is remembered.
    @Test func aBrokenChainIsToldAloneAndNothingIsRemembered() throws {
        let directory = TemporaryDirectory()
        let (ledger, checkpoint) = try Self.verified(in: directory)
        try Self.edit(ledger, "DROP TRIGGER events_are_append_only_update")
        try Self.edit(ledger, "UPDATE events SET actor = 'x@y' WHERE sequence = 123")
        let broken = try ledger.verifyChainAndProjections(from: checkpoint)
        #expect(broken.chain.firstMismatch?.sequence == 123 && broken.differences.isEmpty)
        #expect(broken.checkpoint?.runs.count == nil)
    }

    /// Verifications while another connection appends (two runs going on, a few runs starting):
    /// none finds a difference, those from a checkpoint replay only what moved (two runs and the
    /// new ones, never a quarter: each of them starts from its checkpoint), and once the appends
    /// end, the last checkpoint is what a full verification would remember.
    /// On both stores: a PostgreSQL ledger is the one several release hosts write at once.
    @Test(arguments: ["sqlite", "postgres"])
    func verificationsBesideAppendsFindNothingAndRememberOnlyWhatTheyChecked(_ store: String) throws {
        let directory = TemporaryDirectory()
        let ledger: Ledger
        let writer: Ledger
        if store == "postgres" {
            let url = try TestLedger.newDatabase()
            ledger = try Ledger.open(postgres: try PostgresAddress.parse(url))
            writer = try Ledger.open(postgres: try PostgresAddress.parse(url))
            try writer.appendBatch(
                (0..<40).map {
                    (
                        stream: PostgresPipelineTests.run($0), expectedVersion: 0,
                        events: [PostgresPipelineTests.started(PostgresPipelineTests.run($0))]
                            + Array(repeating: Self.waiting, count: 9)
                    )
                }, actor: "u@h", at: Date())
        } else {
            ledger = try CopySourceCheckTests.ledger(runs: 40, in: directory.path)
            writer = try Ledger.open(path: directory.path + "/source.sqlite")
        }
        let first = try #require(try ledger.verifyChainAndProjections().checkpoint)
        let stop = StopSignal()
        let started = DispatchSemaphore(value: 0)
        let appending = BackgroundWork { _ in
            var versions = [PostgresPipelineTests.run(3): 10, PostgresPipelineTests.run(17): 10]
            var appends = 0
            var newRuns = 0
            while !stop.isStopped {
                let run = appends % 2 == 0 ? PostgresPipelineTests.run(3) : PostgresPipelineTests.run(17)
                try writer.append(
                    [Self.waiting], to: run, expectedVersion: versions[run]!, actor: "u@h", at: Date())
                versions[run]! += 1
                if appends % 50 == 49, newRuns < 8 {
                    let new = PostgresPipelineTests.run(1000 + newRuns)
                    try writer.append(
                        [PostgresPipelineTests.started(new), Self.waiting], to: new, expectedVersion: 0,
                        actor: "u@h", at: Date())
                    newRuns += 1
                }
                if appends == 0 { started.signal() }
                appends += 1
            }
            return newRuns
        }
        started.wait()
        var checkpoint = first
        var fromCheckpoints = 0
        for verification in 0..<9 {
            let full = verification % 3 == 2
            let verified = try ledger.verifyChainAndProjections(from: full ? nil : checkpoint)
            #expect(verified.chain.firstMismatch == nil)
            #expect(verified.differences.isEmpty, "\(verified.differences)")
            if verified.rememberedRuns > 0 { fromCheckpoints += 1 }
            checkpoint = try #require(verified.checkpoint)
        }
        stop.stop()
        let newRuns = try appending.wait().get()
        #expect(fromCheckpoints == 6)
        let last = try ledger.verifyChainAndProjections(from: checkpoint)
        let full = try ledger.verifyChainAndProjections()
        #expect(last.differences.isEmpty && full.differences.isEmpty)
        #expect(last.checkpoint == full.checkpoint && full.checkpoint?.runs.count == 40 + newRuns)
    }

    /// A run is remembered only by rows made by the events the walk saw: rows whose `runs` row
    /// names another last event (the run was written to while the check read) are left out, as
    /// is a run without rows.
    @Test func onlyRowsMadeByTheWalkedEventsAreRemembered() {
        let digest = [UInt8](repeating: 1, count: 32)
        let digests = ProjectionDigests(
            byRun: ["a": digest, "b": digest, "c": digest], hasRowsWithoutRun: false,
            lastSequences: ["a": 5, "b": 9, "c": 7])
        let checkpoint = Ledger.checkpoint(
            at: (9, "h"), runs: ["a": (2, 5), "b": (3, 8), "c": (1, 7), "d": (1, 6)], digests: digests)
        #expect(checkpoint?.runs.keys.sorted() == ["a", "c"])
        #expect(checkpoint?.runs["a"] == VerificationCheckpoint.Run(version: 2, digest: digest))
        #expect(Ledger.checkpoint(at: (0, "h"), runs: [:], digests: digests) == nil, "an empty log: nothing")
    }

    /// The digests do not depend on the order rows were written in: a ledger whose projections
    /// are rebuilt has the checkpoint it had.
    @Test func aRebuildKeepsTheDigests() throws {
        let directory = TemporaryDirectory()
        let (ledger, checkpoint) = try Self.verified(in: directory)
        try ledger.rebuildProjections()
        let again = try ledger.verifyChainAndProjections(from: checkpoint)
        #expect(again.replayedRuns == 0 && again.checkpoint == checkpoint)
    }

    // MARK: the file

    @Test func theFileKeepsWhatWasSavedAndAnythingElseReadsAsNone() throws {
        let directory = TemporaryDirectory()
        let (_, checkpoint) = try Self.verified(in: directory)
        let path = directory.file("cache/casa-release/verified/x.sqlite")
        #expect(VerificationCheckpoint.load(from: path) == nil)
        try checkpoint.save(to: path)
        #expect(VerificationCheckpoint.load(from: path) == checkpoint)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.file("cache/casa-release/verified")) == [
                "x.sqlite"
            ])
        // Saved again over itself.
        var next = checkpoint
        next.runs.removeValue(forKey: PostgresPipelineTests.run(0))
        try next.save(to: path)
        #expect(VerificationCheckpoint.load(from: path) == next)
        // Damaged, truncated, of another format: none.
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
        #expect(VerificationCheckpoint.load(from: path) == nil)
        try next.save(to: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "UPDATE checkpoint SET format = 2") }
        try queue.close()
        #expect(VerificationCheckpoint.load(from: path) == nil)
        // What a verify killed while it saved left is removed, not what a running one writes,
        // nor another file.
        let dead = Self.pidOfAProcessThatEnded()
        let alive = getppid()
        let leftovers = [
            "x.sqlite.\(dead).part", "x.sqlite.\(alive).part", "y.sqlite.\(dead).part", "x.sqlite.\(dead)",
        ]
        for file in leftovers {
            try Data().write(to: URL(fileURLWithPath: directory.file("cache/casa-release/verified/" + file)))
        }
        try next.save(to: path)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.file("cache/casa-release/verified")).sorted()
                == ["x.sqlite", "x.sqlite.\(alive).part", "x.sqlite.\(dead)", "y.sqlite.\(dead).part"])
        // A directory where the file should be: none to read, and an error to write (the
        // command says so in a note).
        let directoryInPlace = directory.file("cache/casa-release/verified/d.sqlite")
        try FileManager.default.createDirectory(atPath: directoryInPlace + "/inside", withIntermediateDirectories: true)
        #expect(VerificationCheckpoint.load(from: directoryInPlace) == nil)
        #expect(throws: (any Error).self) { try checkpoint.save(to: directoryInPlace) }
        #expect(!FileManager.default.fileExists(atPath: "\(directoryInPlace).\(getpid()).part"), "its part removed")
        // A directory that cannot be made is an error.
        try Data().write(to: URL(fileURLWithPath: directory.file("file")))
        #expect(throws: (any Error).self) { try checkpoint.save(to: directory.file("file/x.sqlite")) }
    }

    /// The pid of a process that was started and has ended (its number not yet reused: pids go
    /// up before they wrap).
    static func pidOfAProcessThatEnded() -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try! process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func theFileIsInTheUsersCacheNamedByTheLedger() throws {
        let xdg = VerificationCheckpoint.location(
            forLedger: "/srv/ledger.sqlite", environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"])
        let home = VerificationCheckpoint.location(forLedger: "/srv/ledger.sqlite", environment: ["HOME": "/h"])
        #expect(xdg?.hasPrefix("/c/casa-release/verified/") == true && xdg?.hasSuffix(".sqlite") == true)
        #expect(home?.hasPrefix("/h/.cache/casa-release/verified/") == true)
        #expect(VerificationCheckpoint.location(forLedger: "/srv/ledger.sqlite", environment: [:]) == nil)
        // A relative XDG_CACHE_HOME is ignored, as the XDG specification says.
        #expect(
            VerificationCheckpoint.location(
                forLedger: "/srv/ledger.sqlite", environment: ["XDG_CACHE_HOME": "c", "HOME": "/h"]) == home)
        // The same ledger by another path, the same file; another ledger, another.
        #expect(
            VerificationCheckpoint.location(forLedger: "/srv/./x/../ledger.sqlite", environment: ["HOME": "/h"]) == home
        )
        #expect(VerificationCheckpoint.location(forLedger: "/srv/other.sqlite", environment: ["HOME": "/h"]) != home)
        #expect(
            VerificationCheckpoint.location(forLedger: "postgres://u@db:5432/ledger", environment: ["HOME": "/h"])
                != home)
    }
}
