import Foundation

/// The ledger's SQL on a PostgreSQL session: the statements' `?` become `$1`, `$2`, … (once
/// per statement text), and an answer streamed row by row is read through a cursor, a page at a
/// time, inside the transaction the store holds.
final class PostgresLedgerSQL: LedgerSQL {
    let session: PostgresSession
    var dialect: SQLDialect { .postgres }
    private var numbered: [String: Numbered] = [:]
    private var cursors = 0
    /// Rows fetched per page of a streamed answer.
    static let pageSize = 5000

    init(_ session: PostgresSession) {
        self.session = session
    }

    /// The head the store read when it locked the chain for an append (`.some(nil)`: the log
    /// was empty), moved by the append's inserts: the head without asking the server again. nil
    /// outside an append.
    var lockedHead: ChainAnchor??

    func chainHead() throws -> ChainAnchor? {
        if let lockedHead { return lockedHead }
        return try queriedChainHead()
    }

    func chainHeadMoved(to head: ChainAnchor) {
        if lockedHead != nil { lockedHead = .some(head) }
    }

    /// Set by the store inside an append: a statement whose answer is not read is sent with the
    /// next one that is (at the latest the COMMIT), in one round trip (`PostgresSession.sendLater`).
    var defersWrites = false

    func execute(_ sql: String, _ arguments: SQLArguments) throws {
        if defersWrites {
            let numbered = numbering(sql)
            try session.sendLater(numbered.text, arguments.sqlValues, prepared: numbered.preparable)
        } else {
            _ = try session.fetch(placeholders(sql), arguments.sqlValues)
        }
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let numbered = numbering(sql)
        let answer = try session.fetch(
            numbered.text, arguments.sqlValues, prepared: defersWrites && numbered.preparable)
        return answer.rows.map { SQLRow(columns: answer.columns, values: $0) }
    }

    /// A server-side cursor (`DECLARE … CURSOR`), fetched a page at a time; it lives until the
    /// transaction ends, as every read and write here is in one.
    func cursor(_ sql: String, _ arguments: SQLArguments) throws -> SQLCursor {
        cursors += 1
        let name = "ledger_cursor_\(cursors)"
        try execute("DECLARE \(name) NO SCROLL CURSOR FOR \(sql)", arguments)
        return Cursor(sql: self, fetch: "FETCH FORWARD \(Self.pageSize) FROM \(name)")
    }

    private final class Cursor: SQLCursor {
        let sql: PostgresLedgerSQL
        let fetch: String
        private var page: [SQLRow] = []
        private var index = 0
        private var finished = false

        init(sql: PostgresLedgerSQL, fetch: String) {
            self.sql = sql
            self.fetch = fetch
        }

        func next() throws -> SQLRow? {
            if index == page.count {
                guard !finished else { return nil }
                page = try sql.rows(fetch)
                index = 0
                finished = page.count < PostgresLedgerSQL.pageSize
                if page.isEmpty { return nil }
            }
            index += 1
            return page[index - 1]
        }
    }

    /// A statement as sent to the server.
    struct Numbered {
        /// The text, its `?` numbered as PostgreSQL's `$n`.
        var text: String
        /// Whether it is prepared when an append runs it. An append's statements are: the same
        /// few run at every event, and parsing and planning each anew was half of the server's
        /// time for an append. Not one with a `*`: a prepared `SELECT *` fails once another
        /// host's migration adds a column ("cached plan must not change result type"). (The
        /// other statements, run once or twice per session, are not prepared.)
        var preparable: Bool
    }

    /// `sql` with its `?` numbered as PostgreSQL's `$n`; a `?` inside quotes is text, not a
    /// placeholder.
    func placeholders(_ sql: String) -> String { numbering(sql).text }

    private func numbering(_ sql: String) -> Numbered {
        if let known = numbered[sql] { return known }
        var count = 0
        let result = UnquotedSQL.rewrite(sql) { characters, index in
            guard characters[index] == "?" else { return nil }
            count += 1
            index += 1
            return "$\(count)"
        }
        // Statements built with a list of placeholders (`IN (?, ?, …)`) vary; keep the cache small.
        if numbered.count > 512 { numbered.removeAll(keepingCapacity: true) }
        let statement = Numbered(text: result, preparable: !sql.utf8.contains(UInt8(ascii: "*")))
        numbered[sql] = statement
        return statement
    }
}
