import Foundation
import ReleaseStateMachine
import Testing
@testable import ReleaseLedger
@testable import TestSupport

/// An append to a PostgreSQL ledger sends its writes in one pipeline with its COMMIT, as prepared
/// statements (PostgresSession, PostgresLedgerSQL.defersWrites): these tests try to make that
/// record half an append, lose an error, reuse a statement the server never prepared, or miss
/// another writer's event.
@Suite struct PostgresPipelineTests {
    static let holder = LeaseHolder(pid: 1, host: "h", since: "2026-01-01T00:00:00.000Z", processStart: nil)

    static func started(_ runID: String) -> RunEvent {
        .runStarted(
            RunStarted(
                runID: runID, pipeline: .publication, steps: Pipeline.steps(of: .publication, RunParameters()),
                parameters: RunParameters(publication: PublicationParameters(target: "file:///m/", image: "/i.sif")),
                chosen: ChosenValues(), host: "h", user: "u", tools: [:]))
    }

    static func run(_ index: Int) -> String { String(format: "%08x-0000-4000-8000-000000000000", index) }

    static func newLedger() throws -> (ledger: Ledger, database: String) {
        let url = try TestLedger.newDatabase()
        let ledger = try Ledger.open(postgres: try PostgresAddress.parse(url))
        return (ledger, String(url.split(separator: "/").last!.split(separator: "?").first!))
    }

    static func session(_ ledger: Ledger) throws -> PostgresSession {
        try #require(ledger.store as? PostgresLedgerStore).session
    }

    /// The log's head and the chain_head row, which must move together.
    static func heads(_ ledger: Ledger) throws -> (events: Int, head: ChainAnchor?) {
        (try ledger.eventCount(), try ledger.store.recordedHead())
    }

    /// A trigger that refuses the events of one run, as a server would refuse a write in the
    /// middle of an append (a constraint, a full disk, a revoked grant).
    static func refuse(_ run: String, in database: String, table: String = "events") throws {
        let column = table == "events" ? "stream_id" : "run_id"
        // (psql's -c is in a shell's double quotes: no dollar quoting, the body in single quotes.)
        _ = try TestLedger.server().psql(
            """
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN IF NEW.\(column) = ''\(run)'' THEN RAISE EXCEPTION ''refused by the test''; END IF; RETURN NEW; END';
            CREATE TRIGGER refuse BEFORE INSERT ON \(table) FOR EACH ROW EXECUTE FUNCTION refuse();
            """, database: database)
    }

    /// The first append of a process: the lock (with BEGIN), the run's stream, then the writes
    /// with the COMMIT. Each next one presumes the head it left and is one round trip: the lock
    /// and the head's check, the writes and the COMMIT, all at once.
    @Test func anAppendIsOneRoundTripAfterTheFirstWhateverItWrites() throws {
        let (ledger, _) = try Self.newLedger()
        let session = try Self.session(ledger)
        let store = try #require(ledger.store as? PostgresLedgerStore)
        let run = Self.run(1)
        var before = session.roundTrips
        try ledger.append([Self.started(run)], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        #expect(session.roundTrips - before == 3)
        for version in 1..<6 {
            before = session.roundTrips
            try ledger.append(
                [.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: "n\(version)"))], to: run,
                expectedVersion: version, actor: "u@h", at: Date())
            #expect(session.roundTrips - before == 1, "append \(version)")
        }
        // Another run's first append reads its stream: one more.
        before = session.roundTrips
        try ledger.append([Self.started(Self.run(2))], to: Self.run(2), expectedVersion: 0, actor: "u@h", at: Date())
        #expect(session.roundTrips - before == 2)
        #expect(store.optimisticMisses == 0)
        #expect(try ledger.verifyChain().firstMismatch == nil)
        #expect(try ledger.checkProjections().isEmpty)
        let (events, head) = try Self.heads(ledger)
        #expect(events == 7 && head?.sequence == 7)
    }

    /// The head an append presumes was moved by another writer: the check under the chain's lock
    /// refuses it, nothing of the attempt is recorded, and the append is made again on the log's
    /// head (one chain, no fork, no event twice); the next one presumes again.
    @Test func anAppendPresumingAHeadAnotherWriterMovedIsMadeAgainOnTheLogsHead() throws {
        let (mine, database) = try Self.newLedger()
        let url = try TestLedger.server().url(database: database)
        let theirs = try Ledger.open(postgres: try PostgresAddress.parse(url), mustExist: true)
        let store = try #require(mine.store as? PostgresLedgerStore)
        let session = try Self.session(mine)
        let note = { (text: String) in
            RunEvent.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: text))
        }
        try mine.append([Self.started(Self.run(1))], to: Self.run(1), expectedVersion: 0, actor: "u@h", at: Date())
        try theirs.append([Self.started(Self.run(2))], to: Self.run(2), expectedVersion: 0, actor: "u@h", at: Date())
        var before = session.roundTrips
        try mine.append([note("after theirs")], to: Self.run(1), expectedVersion: 1, actor: "u@h", at: Date())
        #expect(store.optimisticMisses == 1)
        // The refused attempt and its ROLLBACK; then as a first append: the lock, the run's
        // version (the state the attempt folded was never committed), its events, the writes.
        #expect(session.roundTrips - before == 6)
        before = session.roundTrips
        try mine.append([note("again")], to: Self.run(1), expectedVersion: 2, actor: "u@h", at: Date())
        #expect(session.roundTrips - before == 1 && store.optimisticMisses == 1)
        #expect(try Self.heads(mine).events == 4 && Self.heads(mine).head?.sequence == 4)
        #expect(try mine.events(of: Self.run(1)).map(\.streamVersion) == [1, 2, 3])
        #expect(try mine.verifyChain().firstMismatch == nil)
        #expect(try mine.checkProjections().isEmpty)
        // Another session holds the chain's lock longer than lock_timeout: an append that
        // presumes the head gives up as any other does, naming the holder, and records nothing.
        let holder = try PostgresSession.connect(try PostgresAddress.parse(url))
        defer { holder.close() }
        _ = try holder.query("BEGIN")
        _ = try holder.query("SELECT * FROM chain_head FOR UPDATE")
        _ = try session.query("SET lock_timeout = '300ms'")
        let busy = #expect(throws: LedgerError.self) {
            try mine.append([note("while held")], to: Self.run(1), expectedVersion: 3, actor: "u@h", at: Date())
        }
        #expect("\(String(describing: busy))".contains("held the chain's lock for longer than lock_timeout"))
        _ = try holder.query("ROLLBACK")
        try mine.append([note("once free")], to: Self.run(1), expectedVersion: 3, actor: "u@h", at: Date())
        #expect(try mine.events(of: Self.run(1)).map(\.streamVersion) == [1, 2, 3, 4])
        // Their append presumed nothing of mine and waited for nothing: it reads the head.
        try theirs.append([note("theirs")], to: Self.run(2), expectedVersion: 1, actor: "u@h", at: Date())
        #expect(try theirs.verifyChain().firstMismatch == nil && Self.heads(theirs).head?.sequence == 6)
    }

    @Test func aWriteRefusedInTheMiddleOfAnAppendRecordsNothingAndTheNextOneWorks() throws {
        let (ledger, database) = try Self.newLedger()
        let kept = Self.run(1)
        let refused = Self.run(2)
        try ledger.append([Self.started(kept)], to: kept, expectedVersion: 0, actor: "u@h", at: Date())
        // Refused at the projections, after the event's own insert went through.
        try Self.refuse(refused, in: database, table: "runs")
        let before = try Self.heads(ledger)
        let error = #expect(throws: LedgerError.self) {
            try ledger.append([Self.started(refused)], to: refused, expectedVersion: 0, actor: "u@h", at: Date())
        }
        #expect("\(String(describing: error))".contains("refused by the test"), "the server's words are told")
        #expect(try Self.heads(ledger) == before, "nothing of the append is recorded, the head did not move")
        #expect(try ledger.runs().map(\.runID) == [kept])
        // The same session goes on: out of pipeline mode, its transaction rolled back.
        try ledger.append(
            [.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: "after"))], to: kept,
            expectedVersion: 1, actor: "u@h", at: Date())
        #expect(try ledger.verifyChain().firstMismatch == nil)
        #expect(try ledger.checkProjections().isEmpty)
        #expect(try Self.heads(ledger).head?.sequence == 2)
    }

    /// The first append of a session is refused at its first write: the statements after it in
    /// the pipeline were never parsed, and must not be taken as prepared by the next append.
    @Test func aStatementWhoseParseWasCutShortIsPreparedAgain() throws {
        let (first, database) = try Self.newLedger()
        let run = Self.run(3)
        try Self.refuse(run, in: database)
        let url = try TestLedger.server().url(database: database)
        let ledger = try Ledger.open(postgres: try PostgresAddress.parse(url), mustExist: true)
        first.store.close()
        #expect(throws: LedgerError.self) {
            try ledger.append([Self.started(run)], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        }
        _ = try TestLedger.server().psql("DROP TRIGGER refuse ON events", database: database)
        try ledger.append([Self.started(run)], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        try ledger.append(
            [.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: "again"))], to: run,
            expectedVersion: 1, actor: "u@h", at: Date())
        #expect(try ledger.state(of: run).version == 2)
        #expect(try ledger.checkProjections().isEmpty)
    }

    /// Thousands of statements in one transaction: sent in parts (PostgresSession.deferredLimit),
    /// recorded whole, or not at all.
    @Test func aTransactionOfThousandsOfStatementsIsRecordedWholeOrNotAtAll() throws {
        let (ledger, database) = try Self.newLedger()
        let waiting = RunEvent.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: "batch"))
        let batch = (0..<40).map { index in
            (
                stream: Self.run(index), expectedVersion: 0,
                events: [Self.started(Self.run(index))] + Array(repeating: waiting, count: 14)
            )
        }
        let session = try Self.session(ledger)
        let before = session.roundTrips
        try ledger.appendBatch(batch, actor: "u@h", at: Date())
        #expect(session.roundTrips - before > 3, "sent in parts")
        #expect(try Self.heads(ledger).events == 600 && Self.heads(ledger).head?.sequence == 600)
        #expect(try ledger.verifyChain().firstMismatch == nil)
        #expect(try ledger.checkProjections().isEmpty)
        // The last run of another such batch is refused: none of the batch is recorded, though
        // its first parts were sent before.
        try Self.refuse(Self.run(79), in: database)
        let second = (40..<80).map { index in
            (
                stream: Self.run(index), expectedVersion: 0,
                events: [Self.started(Self.run(index))] + Array(repeating: waiting, count: 14)
            )
        }
        #expect(throws: LedgerError.self) { try ledger.appendBatch(second, actor: "u@h", at: Date()) }
        #expect(try Self.heads(ledger).events == 600 && Self.heads(ledger).head?.sequence == 600)
        #expect(try ledger.runs(limit: 1000).count == 40)
    }

    /// Another connection appends between two appends of this one, to the same run or another:
    /// this one's next append sees it (its conflict check, its state) whatever it folded before.
    @Test(arguments: [false, true])
    func anotherWritersEventIsSeenByTheNextAppend(postgres: Bool) throws {
        let directory = NSTemporaryDirectory() + "casa-release-pipeline-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (mine, theirs): (Ledger, Ledger)
        if postgres {
            let url = try TestLedger.newDatabase()
            mine = try Ledger.open(postgres: try PostgresAddress.parse(url))
            theirs = try Ledger.open(postgres: try PostgresAddress.parse(url), mustExist: true)
        } else {
            mine = try Ledger.open(path: directory + "/l.sqlite")
            theirs = try Ledger.open(path: directory + "/l.sqlite")
        }
        let run = Self.run(1)
        let other = Self.run(2)
        let note = { (text: String) in
            RunEvent.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: text))
        }
        try mine.append([Self.started(run)], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        try mine.append([note("mine")], to: run, expectedVersion: 1, actor: "u@h", at: Date())
        // Theirs, to my run: my next append at version 2 is a conflict, not a fork.
        try theirs.append([note("theirs")], to: run, expectedVersion: 2, actor: "u@h", at: Date())
        let conflict = #expect(throws: LedgerError.self) {
            try mine.append([note("mine again")], to: run, expectedVersion: 2, actor: "u@h", at: Date())
        }
        guard case .conflict(_, _, let actual)? = conflict else {
            Issue.record("not a conflict: \(String(describing: conflict))")
            return
        }
        #expect(actual == 3)
        // Theirs, to another run; then a decision of mine folds from the log's state of my run.
        try theirs.append([Self.started(other)], to: other, expectedVersion: 0, actor: "u@h", at: Date())
        try theirs.append(
            [.leaseAcquired(LeaseAcquired(holder: Self.holder, takenOverFrom: nil))], to: run, expectedVersion: 3,
            actor: "u@h", at: Date())
        let (_, state) = try mine.execute(
            .acquireLease(Self.holder, currentHolderIsAlive: true), run: run, by: Self.holder, actor: "u@h", at: Date())
        #expect(state.version == (try theirs.state(of: run)).version)
        #expect(state.lease == Self.holder)
        #expect(try mine.verifyChain().firstMismatch == nil)
        #expect(try mine.checkProjections().isEmpty)
    }

    /// A copy into PostgreSQL commits its events a batch at a time: cut after some batches (a
    /// refusal the test puts in the server), the same copy run again goes on from there, and the
    /// result is the source's history with its projections, as verify checks them.
    @Test func anInterruptedCopyGoesOnFromWhereItStopped() throws {
        let directory = NSTemporaryDirectory() + "casa-release-copy-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try Ledger.open(path: directory + "/source.sqlite")
        let waiting = RunEvent.stepAwaitingOperator(
            StepAwaitingOperator(step: .record, instructions: "tab\there\nline \\ ✓"))
        try source.appendBatch(
            (0..<10).map {
                (
                    stream: Self.run($0), expectedVersion: 0,
                    events: [Self.started(Self.run($0))] + Array(repeating: waiting, count: 9)
                )
            },
            actor: "u@h", at: Date())
        let (destination, database) = try Self.newLedger()
        // The events of run 7 are refused: the batches before its first event commit.
        try Self.refuse(Self.run(7), in: database)
        #expect(throws: LedgerError.self) { try destination.copyHistory(from: source, verified: nil, batch: 15) }
        let kept = try destination.eventCount()
        #expect(kept == 60, "four batches of 15 committed, the fifth (events 61 to 75, run 7's among them) did not")
        #expect(try destination.store.recordedHead()?.sequence == 60)
        _ = try TestLedger.server().psql("DROP TRIGGER refuse ON events", database: database)
        let report = try destination.copyHistory(from: source, verified: nil, batch: 15)
        #expect(report.copied == 40 && report.destinationEvents == 100)
        #expect(try destination.verifyChain().firstMismatch == nil)
        #expect(try destination.checkProjections().isEmpty, "the projections are the whole history's")
        #expect(try destination.runs(limit: 100).map(\.runID).sorted() == (0..<10).map(Self.run))
        #expect(try destination.store.recordedHead()?.sequence == 100)
        // Once more: nothing to copy, nothing touched.
        #expect(try destination.copyHistory(from: source, verified: nil, batch: 15).copied == 0)
        // From PostgreSQL too: its projection rows in the order it wrote them.
        let (third, _) = try Self.newLedger()
        #expect(try third.copyHistory(from: destination, verified: nil, batch: 30).copied == 100)
        #expect(try third.checkProjections().isEmpty)
        #expect(try third.runs(limit: 100) == (try source.runs(limit: 100)))
    }
    /// A source of ten runs of ten events each, in a directory of its own.
    static func tenRunSource() throws -> (source: Ledger, directory: String) {
        let directory = NSTemporaryDirectory() + "casa-release-copy-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = try Ledger.open(path: directory + "/source.sqlite")
        let waiting = RunEvent.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: "wait"))
        try source.appendBatch(
            (0..<10).map {
                (
                    stream: Self.run($0), expectedVersion: 0,
                    events: [Self.started(Self.run($0))] + Array(repeating: waiting, count: 9)
                )
            },
            actor: "u@h", at: Date())
        return (source, directory)
    }

    /// The projections commit with the last events: a copy the server stops at its projections
    /// keeps no event of its last batch, so the same copy run again copies that batch and the
    /// projections (were they apart, it would find every event there and copy no projection).
    @Test func aCopyStoppedAtItsProjectionsKeepsNotItsLastEventsEither() throws {
        let (source, directory) = try Self.tenRunSource()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (destination, database) = try Self.newLedger()
        try Self.refuse(Self.run(3), in: database, table: "runs")
        #expect(throws: LedgerError.self) { try destination.copyHistory(from: source, verified: nil, batch: 30) }
        #expect(try Self.heads(destination).events == 90, "three batches of 30 committed, not the last")
        #expect(try destination.runs(limit: 100).isEmpty, "no projection without the last events")
        _ = try TestLedger.server().psql("DROP TRIGGER refuse ON runs", database: database)
        let report = try destination.copyHistory(from: source, verified: nil, batch: 30)
        #expect(report.copied == 10 && report.destinationEvents == 100)
        // The step rows, more than a batch, went in several COPY statements, in their order.
        #expect(try destination.read { try $0.value(Int.self, "SELECT count(*) FROM steps") } ?? 0 > 30)
        // And the planner has the statistics of the tables the copy filled.
        #expect(
            try TestLedger.server().psql(
                "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NULL AND relname IN ('events', 'runs', 'steps', 'run_inputs')",
                database: database) == "0")
        // Of the columns its reads look rows up by, not of the bodies the rows carry.
        #expect(
            try TestLedger.server().psql(
                """
                SELECT string_agg(tablename || '.' || attname, ' ' ORDER BY tablename, attname) FROM pg_stats
                WHERE (tablename, attname) IN (('events', 'stream_id'), ('events', 'payload'), ('runs', 'pipeline'),
                    ('runs', 'parameters'), ('steps', 'run_id'), ('steps', 'detail'))
                """, database: database) == "events.stream_id runs.pipeline steps.run_id")
        #expect(try destination.checkProjections().isEmpty)
        #expect(try destination.runs(limit: 100) == (try source.runs(limit: 100)))
    }

    /// A source whose projections were edited is refused by the check that runs beside the copy,
    /// before the last transaction: the batches committed before it failed stay (authentic
    /// events, the chain walked first), no projection is copied, and once the source's
    /// projections are rebuilt the same copy finishes.
    @Test func aSourceWithEditedProjectionsIsRefusedBeforeTheCopysLastCommit() throws {
        let (source, directory) = try Self.tenRunSource()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try source.immediateTransaction { db in
            try db.execute("UPDATE runs SET status = 'succeeded' WHERE run_id = ?", [Self.run(5)])
        }
        let (destination, _) = try Self.newLedger()
        do {
            _ = try destination.copyHistory(from: source, verified: nil, batch: 30)
            Issue.record("an edited source was copied")
        } catch let error as LedgerError {
            #expect("\(error)".contains("projections do not match"), "\(error)")
        }
        // Whole batches only, and never the last: as many as went before the check failed.
        let committed = try Self.heads(destination).events
        #expect(committed % 30 == 0 && committed < 100, "\(committed) events committed")
        #expect(try destination.runs(limit: 100).isEmpty)
        try source.rebuildProjections()
        let report = try destination.copyHistory(from: source, verified: nil, batch: 30)
        #expect(report.copied == 10)
        #expect(try destination.checkProjections().isEmpty)
    }

    /// A check that has failed already stops the copy before its next batch: here before its
    /// first, so nothing is committed at all.
    @Test func aCopyWhoseCheckFailedAlreadyCommitsNoFurtherBatch() throws {
        let (source, directory) = try Self.tenRunSource()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try source.immediateTransaction { db in
            try db.execute("UPDATE runs SET status = 'succeeded' WHERE run_id = ?", [Self.run(5)])
        }
        let check = try CopySourceCheck(of: source)
        #expect(throws: LedgerError.self) { try check.passed() }
        let (destination, _) = try Self.newLedger()
        do {
            _ = try destination.copyHistory(from: source, verified: nil, check: check, batch: 30)
            Issue.record("an edited source was copied")
        } catch let error as LedgerError {
            #expect("\(error)".contains("projections do not match"), "\(error)")
        }
        #expect(try Self.heads(destination).events == 0)
    }

    /// A copy copies the events its chain walk checked, none recorded after: a source written to
    /// during the copy (here between the walk and the copy) is told as such, exit 75's case,
    /// before the last transaction; the same copy run again copies the rest.
    @Test func aSourceWrittenToDuringTheCopyIsCopiedOnlyAsFarAsItWasChecked() throws {
        let (source, directory) = try Self.tenRunSource()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let walked = try source.verifyCopySource()
        try source.appendBatch(
            [(stream: Self.run(10), expectedVersion: 0, events: [Self.started(Self.run(10))])], actor: "u@h",
            at: Date())
        let (destination, _) = try Self.newLedger()
        do {
            _ = try destination.copyHistory(from: source, verified: walked, batch: 30)
            Issue.record("a source written to during the copy was copied")
        } catch LedgerError.sourceChanged(_, let reason) {
            #expect(reason.contains("events 101...101"), "\(reason)")
        }
        #expect(try Self.heads(destination).events == 90)
        let report = try destination.copyHistory(from: source, verified: nil, batch: 30)
        #expect(report.copied == 11 && report.destinationEvents == 101)
        #expect(try destination.checkProjections().isEmpty)
    }
    /// Each transaction of a copy walks the chain of what the server stored before it commits:
    /// a server that stores other bytes than those sent (here a trigger rewriting run 5's
    /// actor) commits nothing of that batch, and the copy names the event.
    @Test func aBatchTheServerStoresOtherwiseIsNotCommitted() throws {
        let (source, directory) = try Self.tenRunSource()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (destination, database) = try Self.newLedger()
        _ = try TestLedger.server().psql(
            """
            CREATE FUNCTION rewrite() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN IF NEW.stream_id = ''\(Self.run(5))'' THEN NEW.actor := ''someone else''; END IF; RETURN NEW; END';
            CREATE TRIGGER rewrite BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION rewrite();
            """, database: database)
        do {
            _ = try destination.copyHistory(from: source, verified: nil, batch: 30)
            Issue.record("a copy the server stored otherwise was committed")
        } catch LedgerError.notALedger(_, let reason) {
            #expect(reason.contains("does not verify at event 51"), "\(reason)")
        }
        #expect(try Self.heads(destination).events == 30, "the first batch committed, not the second")
        _ = try TestLedger.server().psql("DROP TRIGGER rewrite ON events", database: database)
        let report = try destination.copyHistory(from: source, verified: nil, batch: 30)
        #expect(report.copied == 70 && report.destinationEvents == 100)
        #expect(try destination.checkProjections().isEmpty)
    }
}
