import Foundation

/// The SQL of the ledger's queries and projections, spoken to either store. Statements are
/// written once, with `?` placeholders and the SQL both SQLite and PostgreSQL read the same way
/// (`IS NOT DISTINCT FROM`, `ON CONFLICT … DO UPDATE`, `rowid` columns the PostgreSQL schema has
/// too); the few spots where the two differ ask `dialect`.
protocol LedgerSQL: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs a statement that returns no rows.
    func execute(_ sql: String, _ arguments: SQLArguments) throws
    /// Runs a query and returns all its rows.
    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow]
    /// Runs a query whose rows are read one at a time, without holding them all (the whole
    /// log, the whole of a projection). Valid until the transaction ends.
    func cursor(_ sql: String, _ arguments: SQLArguments) throws -> SQLCursor
    /// The chain's last event as this transaction sees it (nil for an empty log).
    func chainHead() throws -> ChainAnchor?
    /// Told by an append once it inserted events up to `head` in this transaction.
    func chainHeadMoved(to head: ChainAnchor)
}

/// The rows of an answer, read in order.
protocol SQLCursor: AnyObject {
    /// The next row; nil after the last.
    func next() throws -> SQLRow?
}

/// Where SQLite and PostgreSQL differ in what the ledger asks of them.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// A condition that `column` starts with a lowercase hexadecimal prefix (run ids, digests:
    /// no character in them needs escaping), and the pattern to bind with it.
    func hexPrefix(_ column: String, _ prefix: String) -> (condition: String, pattern: String) {
        switch self {
        // GLOB is case-sensitive, so SQLite reads it as a range of the column's index.
        case .sqlite: return ("\(column) GLOB ?", prefix + "*")
        case .postgres: return ("\(column) LIKE ?", prefix + "%")
        }
    }

    /// `column` in an ORDER BY that sorts as SQLite's BINARY collation does (text by its bytes,
    /// NULL first), so that rows from both stores walk in the same order.
    func byteOrder(_ column: String) -> String {
        switch self {
        case .sqlite: return column
        case .postgres: return "\(bytewise(column)) NULLS FIRST"
        }
    }

    /// `column` compared as SQLite's BINARY collation compares it (text by its bytes), in a
    /// condition (`run_id < ?`).
    func bytewise(_ column: String) -> String {
        switch self {
        case .sqlite: return column
        case .postgres: return "\(column) COLLATE \"C\""
        }
    }
}

extension LedgerSQL {
    /// A cursor over a query without arguments.
    func cursor(_ sql: String) throws -> SQLCursor { try cursor(sql, []) }

    func chainHead() throws -> ChainAnchor? { try queriedChainHead() }

    /// The chain's last event, asked of the database.
    func queriedChainHead() throws -> ChainAnchor? {
        try row("SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1").map {
            ChainAnchor(sequence: $0[0], hash: $0[1])
        }
    }

    func chainHeadMoved(to head: ChainAnchor) {}

    func execute(_ sql: String) throws { try execute(sql, []) }

    func rows(_ sql: String) throws -> [SQLRow] { try rows(sql, []) }

    /// Hands the rows of `sql` to `body` one at a time.
    func forEachRow(_ sql: String, _ body: (SQLRow) throws -> Void) throws {
        let rows = try cursor(sql)
        while let row = try rows.next() { try body(row) }
    }

    /// The first row, if any.
    func row(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row, as `T`; nil when there is no row or the value is NULL.
    func value<T: SQLReadable>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> T? {
        guard let first = try rows(sql, arguments).first?.values.first else { return nil }
        return T.fromSQL(first)
    }

    /// The first column of every row, as `T` (NULLs left out).
    func values<T: SQLReadable>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> [T] {
        try rows(sql, arguments).compactMap { $0.values.first.flatMap(T.fromSQL) }
    }
}
