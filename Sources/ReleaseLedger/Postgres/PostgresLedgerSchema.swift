import Foundation

/// The PostgreSQL ledger's schema: `Migrations/postgres/*.sql`, embedded at build time, applied
/// in order and recorded in `ledger_migrations`, as `grdb_migrations` records SQLite's.
///
/// Nothing is changed in a database before it is known to be a ledger (or empty): one that holds
/// other tables is another application's (`notALedger`, exit 65), and one with a migration this
/// binary does not know was written by a newer casa-release (`newerSchema`, exit 65). Two hosts
/// opening a new ledger at once migrate it once: the check and the migrations run in one
/// transaction under an advisory lock.
public enum PostgresLedgerSchema {
    /// The advisory lock key of migrations (any fixed number; this one spells "casarel").
    static let lockKey: Int64 = 0x6361_7361_7265_6C

    /// Brings the database's schema to the binary's; returns the migrations it applied.
    @discardableResult
    public static func prepare(_ session: PostgresSession) throws -> [String] {
        try session.query("BEGIN")
        do {
            try session.query("SELECT pg_advisory_xact_lock($1)", [.integer(lockKey)])
            var applied: [String] = []
            if let found = try appliedMigrations(session) {
                applied = found
            } else {
                try session.query(
                    "CREATE TABLE ledger_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
            }
            var done: [String] = []
            for migration in EmbeddedMigrations.postgres where !applied.contains(migration.name) {
                for statement in SQLStatements.split(migration.sql) { try session.query(statement) }
                try session.query("INSERT INTO ledger_migrations (name) VALUES ($1)", [.text(migration.name)])
                done.append(migration.name)
            }
            try session.query("COMMIT")
            return done
        } catch {
            _ = try? session.query("ROLLBACK")
            throw error
        }
    }

    /// Checks, without changing anything, that the database holds a ledger at the binary's
    /// schema: no ledger is `missing`, other tables `notALedger`, a migration the binary lacks
    /// `newerSchema`, one it has that is not applied `olderSchema` (a writer applies it).
    public static func requireCurrent(_ session: PostgresSession) throws {
        guard let applied = try appliedMigrations(session) else {
            throw LedgerError.missing(path: session.address.description)
        }
        let pending = EmbeddedMigrations.postgres.map(\.name).filter { !applied.contains($0) }
        if !pending.isEmpty {
            throw LedgerError.olderSchema(path: session.address.description, pendingMigrations: pending)
        }
    }

    /// The migrations the database's ledger has, by reading only; nil for an empty database.
    /// Another application's database is `notALedger`, a ledger with a migration this binary
    /// does not know `newerSchema`.
    private static func appliedMigrations(_ session: PostgresSession) throws -> [String]? {
        let place = session.address.description
        // pg_class, not information_schema: information_schema lists only what the login has a
        // privilege on, so a release role saw another application's tables as an empty database
        // and laid the ledger beside them. Tables, views, sequences and the rest all count.
        let tables = try session.query(
            """
            SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') ORDER BY c.relname
            """
        ).compactMap { $0.first ?? nil }
        guard tables.contains("ledger_migrations") else {
            if tables.isEmpty { return nil }
            throw LedgerError.notALedger(
                path: place,
                reason:
                    "it holds other tables (\(tables.prefix(5).joined(separator: ", "))\(tables.count > 5 ? ", …" : "")) and no ledger_migrations"
            )
        }
        let applied = try session.query("SELECT name FROM ledger_migrations ORDER BY name").compactMap {
            $0.first ?? nil
        }
        let known = EmbeddedMigrations.postgres.map(\.name)
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty { throw LedgerError.newerSchema(path: place, unknownMigrations: unknown) }
        return applied
    }
}
