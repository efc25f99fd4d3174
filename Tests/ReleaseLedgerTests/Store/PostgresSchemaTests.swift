import Foundation
import Testing
@testable import ReleaseLedger
@testable import TestSupport

/// The PostgreSQL ledger's schema on a real server: made once in an empty database (also when two
/// hosts open it at once), append-only whoever asks, and never laid over another application's
/// database or a newer casa-release's ledger.
@Suite struct PostgresSchemaTests {
    private func session(_ server: PostgresServer, database: String = "postgres") throws -> PostgresSession {
        try PostgresSession.connect(
            try PostgresAddress.parse(server.url(database: database), environment: ["HOME": server.directory]))
    }

    @Test func anEmptyDatabaseBecomesALedgerOnceAndItsLogIsAppendOnly() throws {
        let server = try PostgresServer()
        try server.psql("CREATE DATABASE ledger")
        // Two hosts open the new ledger at once: the migrations run once.
        let first = try session(server, database: "ledger")
        let second = try session(server, database: "ledger")
        let sessions = [first, second]
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            results.add(Result { try PostgresLedgerSchema.prepare(sessions[index]) })
        }
        #expect(
            try results.all.flatMap { try $0.get() } == EmbeddedMigrations.postgres.map(\.name),
            "applied once, by one of the two")
        #expect(try PostgresLedgerSchema.prepare(first).isEmpty, "nothing to do the second time")
        #expect(
            try server.psql("SELECT string_agg(name, ',' ORDER BY name) FROM ledger_migrations", database: "ledger")
                == "0001_ledger,0002_build_number_reservations,0003_prefix_indexes,0004_step_event_references")
        let tables = try server.psql(
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'",
            database: "ledger")
        #expect(
            tables
                == "artifacts,build_number_reservations,chain_head,events,lease_heartbeats,ledger_migrations,publications,run_inputs,run_outputs,runs,steps"
        )

        try server.psql(
            "INSERT INTO events VALUES (1, 'run', 1, 'RunStarted', '{}', '2026-11-26T00:00:00.000Z', 'a@b', repeat('0', 64), repeat('1', 64))",
            database: "ledger")
        for forbidden in ["UPDATE events SET actor = 'someone else'", "DELETE FROM events", "TRUNCATE events"] {
            #expect(throws: (any Error).self, "\(forbidden)") { try server.psql(forbidden, database: "ledger") }
            #expect {
                try first.query(forbidden)
            } throws: { error in
                "\(error)".contains("append-only")
                    || (error as? LedgerError).map { "\($0)".contains("append-only") } == true
            }
        }
        #expect(try server.psql("SELECT count(*) || ':' || min(actor) FROM events", database: "ledger") == "1:a@b")
    }

    /// What concurrent openings returned.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<[String], Error>] = []
        func add(_ result: Result<[String], Error>) { lock.withLock { results.append(result) } }
        var all: [Result<[String], Error>] { lock.withLock { results } }
    }

    @Test func anotherApplicationsDatabaseOrANewerLedgerIsNotTouched() throws {
        let server = try PostgresServer()
        try server.psql("CREATE DATABASE shop")
        try server.psql("CREATE TABLE orders (id INTEGER)", database: "shop")
        let shop = try session(server, database: "shop")
        #expect {
            try PostgresLedgerSchema.prepare(shop)
        } throws: { error in
            guard case .notALedger(_, let reason)? = error as? LedgerError else { return false }
            return reason.contains("orders")
        }
        #expect(
            try server.psql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", database: "shop") == "1"
        )

        try server.psql("CREATE DATABASE future")
        let future = try session(server, database: "future")
        try PostgresLedgerSchema.prepare(future)
        try server.psql("INSERT INTO ledger_migrations (name) VALUES ('0099_from_the_future')", database: "future")
        #expect {
            try PostgresLedgerSchema.prepare(future)
        } throws: { error in
            guard case .newerSchema(_, let unknown)? = error as? LedgerError else { return false }
            return unknown == ["0099_from_the_future"]
        }
    }

    @Test func aLedgerOfAnEarlierSchemaIsReadOnlyByNoOneUntilAWriterBringsItUp() throws {
        let server = try PostgresServer()
        try server.psql("CREATE DATABASE earlier")
        let earlier = try session(server, database: "earlier")
        try PostgresLedgerSchema.prepare(earlier)
        // A ledger made by the casa-release before build numbers were reserved.
        try server.psql(
            "DROP TABLE build_number_reservations; DELETE FROM ledger_migrations WHERE name = '0002_build_number_reservations'",
            database: "earlier")
        #expect {
            try PostgresLedgerSchema.requireCurrent(earlier)
        } throws: { error in
            guard case .olderSchema(_, let pending)? = error as? LedgerError else { return false }
            return pending == ["0002_build_number_reservations"]
        }
        #expect(try PostgresLedgerSchema.prepare(earlier) == ["0002_build_number_reservations"])
        try PostgresLedgerSchema.requireCurrent(earlier)
        #expect(try server.psql("SELECT count(*) FROM build_number_reservations", database: "earlier") == "0")
    }

    @Test func migrationsAreCutIntoStatementsAsPostgreSQLReadsThem() {
        let text = """
            -- a comment; with a semicolon
            CREATE TABLE a (x TEXT DEFAULT 'a;b');
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'no; never';
            END;
            $$;
            CREATE TABLE "odd;name" (y INTEGER); SELECT $1
            """
        #expect(
            SQLStatements.split(text) == [
                "CREATE TABLE a (x TEXT DEFAULT 'a;b')",
                "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    RAISE EXCEPTION 'no; never';\nEND;\n$$",
                "CREATE TABLE \"odd;name\" (y INTEGER)",
                "SELECT $1",
            ])
    }
}
