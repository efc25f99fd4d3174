import Foundation
import GRDB

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
        try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        let rows = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        var answer: [SQLRow] = []
        while try rows.next() != nil {
            answer.append(SQLRow(columns: columns, values: Self.values(of: statement)))
        }
        return answer
    }

    func cursor(_ sql: String, _ arguments: SQLArguments) throws -> SQLCursor {
        let statement = try db.makeStatement(sql: sql)
        return Cursor(statement: statement, rows: try Row.fetchCursor(statement, arguments: Self.arguments(arguments)))
    }

    private final class Cursor: SQLCursor {
        let columns: [String]
        let statement: Statement
        let rows: RowCursor

        init(statement: Statement, rows: RowCursor) {
            columns = statement.columnNames
            self.statement = statement
            self.rows = rows
        }

        func next() throws -> SQLRow? {
            guard try rows.next() != nil else { return nil }
            return SQLRow(columns: columns, values: SQLiteLedgerSQL.values(of: statement))
        }
    }

    /// The values of the row the statement stands on, read from SQLite's columns directly: read
    /// through GRDB's generic row subscript, one column at a time, they were a fifth of
    /// `verify --chain-only`.
    static func values(of statement: Statement) -> [SQLValue] {
        let columnCount = statement.columnCount
        var values: [SQLValue] = []
        values.reserveCapacity(columnCount)
        for index in 0..<columnCount {
            values.append(value(DatabaseValue(sqliteStatement: statement.sqliteStatement, index: CInt(index))))
        }
        return values
    }

    static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        // As optional existentials: GRDB's initialiser for a sequence of a concrete type maps it
        // with a key path, resolved at run time at each call (a tenth of an append's time).
        StatementArguments(
            arguments.map { argument -> (any DatabaseValueConvertible)? in
                switch argument?.sqlValue ?? .null {
                case .null: return DatabaseValue.null
                case .integer(let number): return number.databaseValue
                case .real(let number): return number.databaseValue
                case .text(let text): return text.databaseValue
                case .bool(let flag): return (flag ? 1 : 0).databaseValue
                case .blob(let data): return data.databaseValue
                }
            })
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: return .null
        case .int64(let number): return .integer(number)
        case .double(let number): return .real(number)
        case .string(let text): return .text(text)
        case .blob(let data): return .blob(data)
        }
    }
}
