import Foundation

/// The ledger's SQL on a PostgreSQL session: the statements' `?` become `$1`, `$2`, … (once
/// per statement text), and an answer streamed row by row is read through a cursor, a page at a
/// time, inside the transaction the store holds.
final class PostgresLedgerSQL: LedgerSQL {
    let session: PostgresSession
    var dialect: SQLDialect { .postgres }
    private var numbered: [String: String] = [:]
    private var cursors = 0
    /// Rows fetched per page of a streamed answer.
    static let pageSize = 5000

    init(_ session: PostgresSession) {
        self.session = session
    }

    func execute(_ sql: String, _ arguments: SQLArguments) throws {
        _ = try session.fetch(placeholders(sql), arguments.sqlValues)
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let answer = try session.fetch(placeholders(sql), arguments.sqlValues)
        return answer.rows.map { SQLRow(columns: answer.columns, values: $0) }
    }

    /// A server-side cursor (`DECLARE … CURSOR`), fetched a page at a time; it lives until the
    /// transaction ends, as every read and write here is in one.
    func cursor(_ sql: String) throws -> SQLCursor {
        cursors += 1
        let name = "ledger_cursor_\(cursors)"
        try execute("DECLARE \(name) NO SCROLL CURSOR FOR \(sql)")
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

    /// `sql` with its `?` numbered as PostgreSQL's `$n`; a `?` inside quotes is text, not a
    /// placeholder.
    func placeholders(_ sql: String) -> String {
        if let known = numbered[sql] { return known }
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var count = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                count += 1
                result += "$\(count)"
            } else {
                result.append(character)
            }
        }
        // Statements built with a list of placeholders (`IN (?, ?, …)`) vary; keep the cache small.
        if numbered.count > 512 { numbered.removeAll(keepingCapacity: true) }
        numbered[sql] = result
        return result
    }
}
