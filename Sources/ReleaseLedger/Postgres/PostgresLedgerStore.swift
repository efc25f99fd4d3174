import Foundation

/// A ledger in a PostgreSQL database, shared by several release hosts.
///
/// Every write is one transaction that first locks the one `chain_head` row (`SELECT … FOR
/// UPDATE`): writers from every host are serialised on the chain's head, so the log stays one
/// chain, each run's version check sees the last committed event, and the head row moves with
/// the events in the same commit. Reads run in one `REPEATABLE READ` snapshot.
final class PostgresLedgerStore: LedgerStore {
    let session: PostgresSession
    let isReadOnly: Bool
    private let sql: PostgresLedgerSQL
    /// Set while a transaction is open: a read asked for inside a write reads in the write's
    /// transaction (PostgreSQL has no nested BEGIN; a second one would commit the first).
    private var inTransaction = false

    var location: String { session.address.description }
    var dialect: SQLDialect { .postgres }

    private init(session: PostgresSession, readOnly: Bool) {
        self.session = session
        self.isReadOnly = readOnly
        self.sql = PostgresLedgerSQL(session)
    }

    /// Connects and brings the schema to the binary's (creating the ledger in an empty
    /// database). With `mustExist`, a database without a ledger is `LedgerError.missing`.
    static func open(_ address: PostgresAddress, mustExist: Bool) throws -> PostgresLedgerStore {
        let session = try PostgresSession.connect(address)
        do {
            if mustExist {
                do { try PostgresLedgerSchema.requireCurrent(session) } catch LedgerError.olderSchema {}
            }
            try PostgresLedgerSchema.prepare(session)
        } catch {
            session.close()
            throw error
        }
        return PostgresLedgerStore(session: session, readOnly: false)
    }

    /// Connects to a ledger that must exist at the binary's schema, for a command that only reads.
    static func openForReading(_ address: PostgresAddress) throws -> PostgresLedgerStore {
        let session = try PostgresSession.connect(address)
        do {
            try PostgresLedgerSchema.requireCurrent(session)
        } catch {
            session.close()
            throw error
        }
        return PostgresLedgerStore(session: session, readOnly: true)
    }

    func read<T>(_ body: (LedgerSQL) throws -> T) throws -> T {
        if inTransaction { return try body(sql) }
        return try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { try body(sql) }
    }

    func write<T>(_ body: (LedgerSQL) throws -> T) throws -> T {
        if isReadOnly { throw LedgerError.cannotOpen(path: location, reason: "opened read-only") }
        precondition(!inTransaction, "a ledger write inside another transaction")
        return try transaction(begin: "BEGIN") {
            guard try sql.row("SELECT sequence, hash FROM chain_head FOR UPDATE") != nil else {
                throw LedgerError.notALedger(path: location, reason: "its chain_head row is missing")
            }
            let result = try body(sql)
            // The head row moves with the events, in the same commit: one statement, one round
            // trip, a no-op when the body appended nothing.
            try sql.execute("""
                UPDATE chain_head SET sequence = last.sequence, hash = last.hash
                FROM (SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1) AS last
                WHERE chain_head.sequence <> last.sequence
                """)
            return result
        }
    }

    private func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        try sql.execute(begin)
        inTransaction = true
        defer { inTransaction = false }
        let result: T
        do {
            result = try body()
        } catch {
            // On a connection the server dropped there is nothing to roll back: the server
            // already has.
            _ = try? sql.execute("ROLLBACK")
            throw error
        }
        try sql.execute("COMMIT")
        return result
    }

    func openReader() throws -> LedgerStore {
        PostgresLedgerStore(session: try PostgresSession.connect(session.address), readOnly: true)
    }

    func recordedHead() throws -> ChainAnchor? {
        try read { sql in
            try sql.row("SELECT sequence, hash FROM chain_head").map { ChainAnchor(sequence: $0["sequence"], hash: $0["hash"]) }
        }
    }

    func close() {
        session.close()
    }
}
