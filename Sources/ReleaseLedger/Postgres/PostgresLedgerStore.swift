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
        try told { try appendTransaction(body) }
    }

    /// An append's failures in the ledger's terms: the chain's lock not granted names its holder,
    /// a session ended by the server says that nothing was recorded.
    private func told<T>(_ append: () throws -> T) throws -> T {
        if isReadOnly { throw LedgerError.cannotOpen(path: location, reason: "opened read-only") }
        precondition(!inTransaction, "a ledger write inside another transaction")
        do {
            return try append()
        } catch is ChainLockNotGranted {
            throw LedgerError.busy(address: location, reason: try chainHolder())
        } catch LedgerError.unreachable(let address, let reason) where reason.contains("closed the connection") {
            // The session ended inside the append: the server rolled it back, whatever it held.
            throw LedgerError.unreachable(
                address: address,
                reason:
                    "the server ended this process's session in the middle of an append, and nothing of it was recorded (a session whose transaction sits idle longer than idle_in_transaction_session_timeout is ended, as a stopped process's is; or the server restarted)"
            )
        }
    }

    /// Not granted the chain's lock within `lock_timeout`: told once the transaction is rolled
    /// back, with the holder found then.
    private struct ChainLockNotGranted: Error {}

    /// An append that presumes the chain's head is `head`, the one this process committed
    /// last, sent whole with its COMMIT: one round trip where `write` takes two. The first
    /// statement takes the chain's lock and checks the head under it; if another writer moved
    /// it, that statement fails (a division by zero, its divisor read from the locked row, so
    /// that the planner cannot fold it away), the server skips the rest and rolls the
    /// transaction back, and the append is done again as `write` does it. A read in the body
    /// sends what waits before it, the check first, so it never reads past a moved head.
    func write<T>(presuming head: ChainAnchor?, _ body: (LedgerSQL) throws -> T) throws -> T {
        guard let head else { return try write(body) }
        do {
            return try told {
                sql.defersWrites = true
                defer { sql.defersWrites = false }
                do {
                    return try transaction(begin: "BEGIN") {
                        try sql.execute(
                            "SELECT 1 / (CASE WHEN sequence = ? AND hash = ? THEN 1 ELSE 0 END) FROM chain_head FOR UPDATE",
                            [head.sequence, head.hash])
                        sql.lockedHead = .some(head)
                        defer { sql.lockedHead = nil }
                        let result = try body(sql)
                        try sql.execute(Self.headMoves)
                        return result
                    }
                } catch LedgerError.busy(_, let reason) where reason.contains("lock_timeout") {
                    // The chain's lock, the one lock every append waits for, and the first.
                    throw ChainLockNotGranted()
                }
            }
        } catch LedgerError.serverError(_, let state, _) where Self.headMovedStates.contains(state) {
            optimisticMisses += 1
            return try write(body)
        }
    }

    /// How a presumed head that moved is told: PostgreSQL's division_by_zero; or, should the body
    /// have caught that error from one of its reads and gone on, the next statement's "current
    /// transaction is aborted". Either way nothing was recorded, and the append made again as a
    /// first one meets any other cause again.
    private static let headMovedStates: Set<String> = ["22012", "25P02"]

    /// How many appends presumed a head that another writer had moved (tests count them).
    private(set) var optimisticMisses = 0

    /// The head row moves with the events, in the same commit: one statement, one round trip, a
    /// no-op when the body appended nothing.
    private static let headMoves = """
        UPDATE chain_head SET sequence = last.sequence, hash = last.hash
        FROM (SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1) AS last
        WHERE chain_head.sequence <> last.sequence
        """

    private func appendTransaction<T>(_ body: (LedgerSQL) throws -> T) throws -> T {
        // The inserts and updates go with the COMMIT: an append costs a round trip for each of
        // its reads (the first with BEGIN), plus one (PostgresLedgerSQL.defersWrites).
        sql.defersWrites = true
        defer { sql.defersWrites = false }
        return try transaction(begin: "BEGIN") {
            let head: SQLRow?
            do {
                head = try sql.row("SELECT sequence, hash FROM chain_head FOR UPDATE")
            } catch LedgerError.busy {
                throw ChainLockNotGranted()
            }
            guard let head else {
                throw LedgerError.notALedger(path: location, reason: "its chain_head row is missing")
            }
            // The row moves with the events at each commit (below), so it is the log's head:
            // the append reads it from here instead of asking again.
            let sequence: Int64 = head[0]
            sql.lockedHead = .some(sequence == 0 ? nil : ChainAnchor(sequence: sequence, hash: head[1]))
            defer { sql.lockedHead = nil }
            let result = try body(sql)
            try sql.execute(Self.headMoves)
            return result
        }
    }

    /// Who holds the chain's lock, as the server sees it: the oldest other writer's transaction
    /// (every writer holds `chain_head` in ROW SHARE mode, granted, while it holds or waits for
    /// the row), named by its `application_name` (`casa-release pid N on HOST`).
    private func chainHolder() throws -> String {
        let wait = (try? sql.value(String.self, "SELECT current_setting('lock_timeout')", [])) ?? "lock_timeout"
        let holder = try sql.row(
            """
            SELECT a.application_name AS name, a.usename AS role, a.pid AS pid, a.state AS state,
                   to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
            FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'relation' AND l.relation = 'chain_head'::regclass AND l.mode = 'RowShareLock'
              AND l.granted AND l.pid <> pg_backend_pid()
            ORDER BY a.xact_start NULLS LAST LIMIT 1
            """)
        var text = "another writer held the chain's lock for longer than lock_timeout (\(wait))"
        guard let holder else { return text + ", and has let it go since" }
        let name: String? = holder["name"]
        let role: String? = holder["role"]
        let pid: Int64? = holder["pid"]
        let state: String? = holder["state"]
        let since: String? = holder["since"]
        text += ": " + (name.flatMap { $0.isEmpty ? nil : $0 } ?? "a session of \(role ?? "another role")")
        text += " (server process \(pid.map(String.init) ?? "?")"
        if let state { text += ", \(state)" }
        if let since { text += ", in its transaction since \(since)" }
        text += ")"
        return text
    }

    private func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        // Sent with the transaction's first statement.
        try session.sendLater(begin, [])
        inTransaction = true
        defer { inTransaction = false }
        do {
            let result = try body()
            // Sent now, with whatever writes were deferred: an error in one of them is thrown
            // here, and the transaction is rolled back below.
            _ = try session.query("COMMIT")
            return result
        } catch {
            // On a connection the server dropped there is nothing to roll back: the server
            // already has. After a COMMIT that failed there is no transaction left, and the
            // ROLLBACK is only a warning.
            session.discardDeferred()
            _ = try? session.query("ROLLBACK")
            throw error
        }
    }

    func openReader() throws -> LedgerStore {
        PostgresLedgerStore(session: try PostgresSession.connect(session.address), readOnly: true)
    }

    func recordedHead() throws -> ChainAnchor? {
        try read { sql in
            try sql.row("SELECT sequence, hash FROM chain_head").map {
                ChainAnchor(sequence: $0["sequence"], hash: $0["hash"])
            }
        }
    }

    func close() {
        session.close()
    }
}
