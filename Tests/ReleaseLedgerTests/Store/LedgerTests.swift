import Foundation
import GRDB
import Synchronization
import Testing
@testable import ReleaseLedger
import ReleaseStateMachine

/// A fresh directory per test, removed afterwards.
final class TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "casa-release-ledger-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

private let holder = LeaseHolder(pid: 1, host: "h", since: "2026-01-01T00:00:00.000Z", processStart: nil)

private func started(_ runID: String) -> RunStarted {
    RunStarted(
        runID: runID, pipeline: .publication, steps: Pipeline.steps(of: .publication, RunParameters()),
        parameters: RunParameters(publication: PublicationParameters(target: "file:///m/", image: "/i.sif")),
        chosen: ChosenValues(), host: "h", user: "u", tools: [:])
}

@Suite struct LedgerTests {
    @Test func aNewLedgerIsMigratedInWALModeWithFullSync() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        #expect(try ledger.appliedMigrations() == EmbeddedMigrations.all.map(\.name))
        #expect(EmbeddedMigrations.all.count >= 2)
        let (mode, synchronous) = try ledger.queue.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(synchronous == 2)  // FULL
        // Opening again applies nothing twice.
        #expect(
            try Ledger.open(path: directory.file("l.sqlite")).appliedMigrations() == EmbeddedMigrations.all.map(\.name))
    }

    @Test func appendsChainHashesAndProjects() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        try ledger.append(
            [.runStarted(started("aaaa0001-0000-0000-0000-000000000000"))], to: "aaaa0001-0000-0000-0000-000000000000",
            expectedVersion: 0, actor: "u@h", at: Date())
        let recorded = try ledger.append(
            [.leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil))],
            to: "aaaa0001-0000-0000-0000-000000000000", expectedVersion: 1, actor: "u@h", at: Date())
        let events = try ledger.events(of: "aaaa0001-0000-0000-0000-000000000000")
        #expect(events.map(\.streamVersion) == [1, 2])
        #expect(events[0].previousHash == HashChain.genesis)
        #expect(events[1].previousHash == events[0].hash)
        #expect(recorded[0].hash == HashChain.expectedHash(of: recorded[0]))
        #expect(try ledger.verifyChain() == ChainReport(checked: 2, firstMismatch: nil))
        let run = try ledger.run("aaaa0001-0000-0000-0000-000000000000")
        #expect(run.status == "running")
        #expect(run.lease == holder)
        #expect(try ledger.steps(of: "aaaa0001-0000-0000-0000-000000000000").count == 8)
    }

    @Test func aStaleWriterGetsAConflictNotAnOverwrite() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = "bbbb0001-0000-0000-0000-000000000000"
        try ledger.append([.runStarted(started(run))], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        // A second process opened the same ledger and read version 1 too.
        let other = try Ledger.open(path: directory.file("l.sqlite"))
        try other.append(
            [.leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil))], to: run, expectedVersion: 1,
            actor: "u@h", at: Date())
        #expect(throws: LedgerError.conflict(stream: run, expectedVersion: 1, actualVersion: 2)) {
            try ledger.append(
                [.leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil))], to: run, expectedVersion: 1,
                actor: "u@h", at: Date())
        }
        #expect(try ledger.events(of: run).count == 2)
    }

    /// A ledger keeps the state of the runs it appended to; what another process appended since
    /// must still be seen: by a read, and by a command decided on the run's state.
    @Test func aWriterSeesWhatAnotherAppendedSinceItsLastAppend() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = "bbbb0002-0000-0000-0000-000000000000"
        try ledger.execute(.start(started(run)), run: run, by: nil, actor: "u@h", at: Date())
        let other = try Ledger.open(path: directory.file("l.sqlite"))
        let otherHolder = LeaseHolder(pid: 2, host: "h2", since: "2026-01-01T00:00:00.000Z", processStart: nil)
        try other.execute(
            .acquireLease(otherHolder, currentHolderIsAlive: false), run: run, by: otherHolder, actor: "u@h2",
            at: Date())
        #expect(try ledger.state(of: run).lease == otherHolder)
        #expect(throws: (any Error).self) {
            try ledger.execute(
                .acquireLease(holder, currentHolderIsAlive: true), run: run, by: holder, actor: "u@h", at: Date())
        }
        #expect(try ledger.events(of: run).count == 2)
        #expect(try ledger.state(of: run) == other.state(of: run))
    }

    /// The check folds runs set aside again from their earlier events: with one run kept, every
    /// event of interleaved runs needs it, and the projections still match, and an edit is seen.
    @Test func theCheckFoldsRunsSetAsideAgain() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let runs = (1...5).map { "eeee000\($0)-0000-0000-0000-000000000000" }
        for run in runs {
            try ledger.append([.runStarted(started(run))], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        }
        for round in 0..<3 {
            for run in runs {
                let event: RunEvent =
                    round % 2 == 0
                    ? .leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil))
                    : .leaseReleased(LeaseReleased(holder: holder))
                try ledger.append([event], to: run, expectedVersion: round + 1, actor: "u@h", at: Date())
            }
        }
        #expect(try ledger.checkProjections(keptRuns: 1) == [])
        #expect(try ledger.checkProjections() == [])
        try ledger.queue.write { db in
            try db.execute(sql: "UPDATE runs SET status = 'completed' WHERE run_id = ?", arguments: [runs[2]])
        }
        let differences = try ledger.checkProjections(keptRuns: 1)
        #expect(
            differences.map(\.description) == [
                "runs row run_id=\(runs[2]): status is completed, the events say running"
            ], "\(differences)")
    }

    /// verify's chain walk and projection check at once (two connections, two threads) say what
    /// each says alone; a broken chain is told alone, whatever the check found.
    @Test func theChainAndTheProjectionsCheckedAtOnceSayWhatEachSaysAlone() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let runs = (1...3).map { "ffff000\($0)-0000-0000-0000-000000000000" }
        for run in runs {
            try ledger.append(
                [.runStarted(started(run)), .leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil))], to: run,
                expectedVersion: 0, actor: "u@h", at: Date())
        }
        let intact = try ledger.verifyChainAndProjections()
        #expect(intact.chain == (try ledger.verifyChain()) && intact.chain.checked == 6 && intact.differences.isEmpty)
        try ledger.queue.write { db in
            try db.execute(sql: "UPDATE runs SET status = 'completed' WHERE run_id = ?", arguments: [runs[1]])
        }
        let edited = try ledger.verifyChainAndProjections()
        #expect(edited.chain.firstMismatch == nil)
        #expect(edited.differences == (try ledger.checkProjections()) && edited.differences.count == 1)
        try ledger.queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_are_append_only_update")
            try db.execute(sql: "UPDATE events SET payload = '{' WHERE sequence = 4")
        }
        // The check cannot even read event 4 now; the chain's break is what is told.
        #expect(throws: (any Error).self) { try ledger.checkProjections() }
        let broken = try ledger.verifyChainAndProjections()
        #expect(broken.chain.firstMismatch?.sequence == 4 && broken.differences.isEmpty)
    }

    /// The anchor follows every append, and is flushed where a command's work ends; one renamed
    /// into place but never flushed can read back empty after a power cut: as good as none.
    @Test func theAnchorFollowsAppendsAndAnEmptyOneIsNone() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = "ffff0001-0000-0000-0000-000000000000"
        try ledger.append([.runStarted(started(run))], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        try ledger.append(
            [.leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil))], to: run, expectedVersion: 1,
            actor: "u@h", at: Date())
        let head = try #require(try ChainAnchor.read(for: ledger.path))
        let events = try ledger.events(of: run)
        #expect(head.sequence == 2 && head.hash == events.last?.hash)
        try ledger.append(
            [.leaseReleased(LeaseReleased(holder: holder))], to: run, expectedVersion: 2, actor: "u@h", at: Date())
        #expect(try ChainAnchor.read(for: ledger.path)?.sequence == 3)
        let last = try #require(try ledger.events(of: run).last)
        #expect(try ledger.checkAnchor() == .agrees(ChainAnchor(sequence: 3, hash: last.hash)))

        try Data().write(to: URL(fileURLWithPath: ChainAnchor.path(for: ledger.path)))
        #expect(try ledger.checkAnchor() == .absent)
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: ChainAnchor.path(for: ledger.path)))
        #expect(throws: (any Error).self) { try ledger.checkAnchor() }
    }

    /// The anchor is overwritten in place: two writers and a reader at once never see anything
    /// but one whole line of one writer, and a longer line an earlier version left is trimmed.
    @Test func anchorsWrittenInPlaceAtOnceStayWhole() throws {
        let directory = TemporaryDirectory()
        let ledgerPath = directory.file("l.sqlite")
        // Sequences of different widths, so that a torn or leftover line would show.
        let written: [[ChainAnchor]] = [
            (1...400).map { ChainAnchor(sequence: Int64($0), hash: String(repeating: "a", count: 64)) },
            (1...400).map { ChainAnchor(sequence: Int64($0) * 1_000_003, hash: String(repeating: "b", count: 64)) },
        ]
        let all = Set(written.flatMap { $0.map { "\($0.sequence) \($0.hash)" } })
        try written[0][0].write(for: ledgerPath, durable: false)
        let reads = Mutex<[String]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { worker in
            if worker < 2 {
                for anchor in written[worker] {
                    do { try anchor.write(for: ledgerPath, durable: false) } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            } else {
                for _ in 0..<800 {
                    do {
                        let anchor = try ChainAnchor.read(for: ledgerPath)
                        reads.withLock { $0.append(anchor.map { "\($0.sequence) \($0.hash)" } ?? "none") }
                    } catch { failures.withLock { $0.append("\(error)") } }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(reads.withLock { $0.allSatisfy(all.contains) })
        let size = try FileManager.default.attributesOfItem(atPath: ChainAnchor.path(for: ledgerPath))[.size] as? Int
        #expect(size == written[0][0].line.count)

        let longer = "7 " + String(repeating: "c", count: 64) + "\n" + String(repeating: " ", count: 100) + "\n"
        try Data(longer.utf8).write(to: URL(fileURLWithPath: ChainAnchor.path(for: ledgerPath)))
        #expect(try ChainAnchor.read(for: ledgerPath)?.sequence == 7)
        try ChainAnchor(sequence: 8, hash: String(repeating: "d", count: 64)).write(for: ledgerPath, durable: true)
        let text = try String(contentsOfFile: ChainAnchor.path(for: ledgerPath), encoding: .utf8)
        #expect(text == String(repeating: " ", count: 19) + "8 " + String(repeating: "d", count: 64) + "\n")
    }

    @Test func eventsCannotBeUpdatedOrDeleted() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        try ledger.append(
            [.runStarted(started("cccc0001-0000-0000-0000-000000000000"))], to: "cccc0001-0000-0000-0000-000000000000",
            expectedVersion: 0, actor: "u@h", at: Date())
        #expect(throws: DatabaseError.self) {
            try ledger.queue.write { try $0.execute(sql: "UPDATE events SET actor = 'mallory'") }
        }
        #expect(throws: DatabaseError.self) { try ledger.queue.write { try $0.execute(sql: "DELETE FROM events") } }
        #expect(try ledger.eventCount() == 1)
    }

    @Test func verifyNamesTheFirstTamperedEvent() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = "dddd0001-0000-0000-0000-000000000000"
        try ledger.append(
            [
                .runStarted(started(run)), .leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil)),
                .leaseReleased(LeaseReleased(holder: holder)),
            ], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        // What an attacker with the sqlite3 tool would do: drop the trigger, then edit.
        try ledger.queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_are_append_only_update")
            try db.execute(sql: "UPDATE events SET actor = 'mallory@h' WHERE sequence = 2")
        }
        let report = try ledger.verifyChain()
        #expect(report.checked == 1)
        #expect(report.firstMismatch?.sequence == 2)
    }

    @Test func verifyNoticesADeletedEvent() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = "eeee0001-0000-0000-0000-000000000000"
        try ledger.append(
            [
                .runStarted(started(run)), .leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil)),
                .leaseReleased(LeaseReleased(holder: holder)),
            ], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        try ledger.queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_are_append_only_delete")
            try db.execute(sql: "DELETE FROM events WHERE sequence = 2")
        }
        #expect(try ledger.verifyChain().firstMismatch?.sequence == 2)
    }

    @Test func projectionsRebuildToTheSameRows() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = "ffff0001-0000-0000-0000-000000000000"
        try ledger.execute(.start(started(run)), run: run, by: holder, actor: "u@h", at: Date())
        try ledger.execute(
            .acquireLease(holder, currentHolderIsAlive: false), run: run, by: holder, actor: "u@h", at: Date())
        let intent = StepIntent.publication(
            .inspectImage(InspectImageIntent(image: "/i.sif", sidecarPath: "/i.sif.json")))
        try ledger.execute(
            .startStep(.inspectImage, intent: intent, logPath: nil), run: run, by: holder, actor: "u@h", at: Date())
        let before = (try ledger.run(run), try ledger.steps(of: run))
        try ledger.rebuildProjections()
        let after = (try ledger.run(run), try ledger.steps(of: run))
        #expect(before.0 == after.0)
        #expect(before.1 == after.1)
        #expect(after.1[0].status == "running")
    }

    @Test func runIDsResolveFromUniquePrefixes() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        for run in ["abc10000-0000-0000-0000-000000000000", "abc20000-0000-0000-0000-000000000000"] {
            try ledger.execute(.start(started(run)), run: run, by: holder, actor: "u@h", at: Date())
        }
        #expect(try ledger.resolveRunID("abc1") == "abc10000-0000-0000-0000-000000000000")
        #expect(
            throws: LedgerError.ambiguousRun(
                prefix: "abc",
                matches: ["abc10000-0000-0000-0000-000000000000", "abc20000-0000-0000-0000-000000000000"])
        ) {
            try ledger.resolveRunID("abc")
        }
        #expect(throws: LedgerError.unknownRun("fff")) { try ledger.resolveRunID("fff") }
        #expect(throws: LedgerError.unknownRun("a*")) { try ledger.resolveRunID("a*") }
    }

    @Test func aFileThatIsNotALedgerIsRefusedAndLeftAlone() throws {
        let directory = TemporaryDirectory()
        let text = directory.file("notes.txt")
        try Data(String(repeating: "not a database\n", count: 200).utf8).write(to: URL(fileURLWithPath: text))
        let before = try Data(contentsOf: URL(fileURLWithPath: text))
        #expect { try Ledger.open(path: text) } throws: { error in
            if case LedgerError.notALedger = error { return true } else { return false }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: text)) == before)

        let other = directory.file("other.sqlite")
        try DatabaseQueue(path: other).write { try $0.execute(sql: "CREATE TABLE patients (id INTEGER)") }
        #expect { try Ledger.open(path: other) } throws: { error in
            if case LedgerError.notALedger = error { return true } else { return false }
        }
    }

    @Test func aLedgerThatCannotBeCreatedSaysSo() {
        #expect { try Ledger.open(path: "/proc/casa-release/ledger.sqlite") } throws: { error in
            if case LedgerError.cannotOpen = error { return true } else { return false }
        }
        #expect(throws: LedgerError.missing(path: "/nonexistent/ledger.sqlite")) {
            try Ledger.open(path: "/nonexistent/ledger.sqlite", mustExist: true)
        }
    }

    @Test func aLedgerFromANewerVersionIsRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("l.sqlite")
        _ = try Ledger.open(path: path)
        try DatabaseQueue(path: path).write {
            try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')")
        }
        #expect(throws: LedgerError.newerSchema(path: path, unknownMigrations: ["9999_from_the_future"])) {
            try Ledger.open(path: path)
        }
    }
}
