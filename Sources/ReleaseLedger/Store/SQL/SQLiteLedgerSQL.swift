import Foundation
import GRDB
import GRDBSQLite

/// The ledger's SQL on a SQLite connection (GRDB), inside whatever transaction GRDB holds.
/// Statements are prepared once per connection (GRDB's statement cache).
final class SQLiteLedgerSQL: LedgerSQL {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    /// The chain's head once read (or moved by an append) in this object's transaction: an
    /// object lives for one transaction, which holds the writer's lock when it writes.
    private var knownHead: ChainAnchor??

    init(_ db: Database) {
        self.db = db
    }

    func chainHead() throws -> ChainAnchor? {
        if let knownHead { return knownHead }
        let head = try queriedChainHead()
        knownHead = .some(head)
        return head
    }

    func chainHeadMoved(to head: ChainAnchor) {
        knownHead = .some(head)
    }

    func execute(_ sql: String, _ arguments: SQLArguments) throws {
        try SQLiteBinding.execute(try db.cachedStatement(sql: sql), arguments, in: db)
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        try SQLiteBinding.bind(arguments, to: statement, in: db)
        var answer: [SQLRow] = []
        while try SQLiteBinding.step(statement, in: db) {
            answer.append(SQLRow(columns: columns, values: Self.values(of: statement)))
        }
        return answer
    }

    func cursor(_ sql: String, _ arguments: SQLArguments) throws -> SQLCursor {
        let statement = try db.makeStatement(sql: sql)
        try SQLiteBinding.bind(arguments, to: statement, in: db)
        return Cursor(statement: statement, db: db)
    }

    private final class Cursor: SQLCursor {
        let columns: [String]
        let statement: Statement
        let db: Database
        private var done = false

        init(statement: Statement, db: Database) {
            columns = statement.columnNames
            self.statement = statement
            self.db = db
        }

        func next() throws -> SQLRow? {
            guard !done else { return nil }
            guard try SQLiteBinding.step(statement, in: db) else {
                done = true
                return nil
            }
            return SQLRow(columns: columns, values: SQLiteLedgerSQL.values(of: statement))
        }
    }

    /// The values of the row the statement stands on, read from SQLite's columns directly: read
    /// through GRDB's generic row subscript, one column at a time, they were a fifth of
    /// `verify --chain-only`. A text is read with its length, as it was bound (SQLiteBinding):
    /// read as a C string, it ended at its first NUL.
    static func values(of statement: Statement) -> [SQLValue] {
        let handle = statement.sqliteStatement
        let columnCount = statement.columnCount
        var values: [SQLValue] = []
        values.reserveCapacity(columnCount)
        for index in 0..<CInt(columnCount) {
            switch sqlite3_column_type(handle, index) {
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(handle, index)))
            case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(handle, index)))
            case SQLITE_TEXT:
                // (Text first, then its length: the order SQLite's documentation asks for.)
                let text = sqlite3_column_text(handle, index)
                let count = Int(sqlite3_column_bytes(handle, index))
                values.append(
                    .text(
                        text.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? ""
                    ))
            case SQLITE_BLOB:
                let bytes = sqlite3_column_blob(handle, index)
                let count = Int(sqlite3_column_bytes(handle, index))
                values.append(.blob(bytes.map { Data(bytes: $0, count: count) } ?? Data()))
            default: values.append(.null)
            }
        }
        return values
    }
}
