import Foundation
import GRDB
import GRDBSQLite

/// Runs GRDB's prepared statements with the ledger's values bound straight to SQLite.
///
/// GRDB binds `StatementArguments`, built from `DatabaseValueConvertible` existentials, checked
/// against the statement, then turned into `DatabaseValue`s: a tenth of a replay's CPU time, more
/// than SQLite's own work on the same statements (perf of `verify`, docs/benchmarks.md). The
/// ledger's values are already one of SQLite's storage classes (SQLValue): they are bound as
/// such, and the statement stepped here. GRDB still opens the connection, prepares and caches
/// the statements, and holds the transaction; none of the ledger's connections has a
/// transaction observer, which is what GRDB's own stepping would notify.
enum SQLiteBinding {
    /// Runs a statement that returns no rows, with `arguments` bound to its `?`s in order.
    static func execute(_ statement: Statement, _ arguments: SQLArguments, in db: Database) throws {
        try bind(arguments, to: statement, in: db)
        while true {
            switch sqlite3_step(statement.sqliteStatement) {
            case SQLITE_DONE: return
            case SQLITE_ROW: continue
            case let code: throw failure(code, statement, db)
            }
        }
    }

    /// Binds `arguments` to the statement's `?`s in order, after a reset: the statement can then
    /// be stepped (`step`) from its first row.
    static func bind(_ arguments: SQLArguments, to statement: Statement, in db: Database) throws {
        let handle = statement.sqliteStatement
        // (A reset answers the error of the statement's last step, if it failed: that error
        // was thrown then.)
        sqlite3_reset(handle)
        guard sqlite3_bind_parameter_count(handle) == CInt(arguments.count) else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "wrong number of statement arguments: \(arguments.count) for "
                    + "\(sqlite3_bind_parameter_count(handle)) placeholders",
                sql: statement.sql)
        }
        for (offset, argument) in arguments.enumerated() {
            let index = CInt(offset + 1)
            let code: CInt
            switch argument?.sqlValue ?? .null {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .bool(let flag): code = sqlite3_bind_int64(handle, index, flag ? 1 : 0)
            case .text(var text):
                // With its length: a NUL inside is kept, and no strlen is run. An empty text has
                // no buffer, and a null pointer would bind NULL.
                code = text.withUTF8 { bytes in
                    sqlite3_bind_text(
                        handle, index,
                        bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                            ?? emptyText, CInt(bytes.count), transient)
                }
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    bytes.baseAddress.map { sqlite3_bind_blob(handle, index, $0, CInt(bytes.count), transient) }
                        ?? sqlite3_bind_zeroblob(handle, index, 0)
                }
            }
            guard code == SQLITE_OK else { throw failure(code, statement, db) }
        }
    }

    /// Steps a bound statement: true on a row (read with `SQLiteLedgerSQL.values(of:)`), false
    /// once it is done.
    static func step(_ statement: Statement, in db: Database) throws -> Bool {
        switch sqlite3_step(statement.sqliteStatement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw failure(code, statement, db)
        }
    }

    private static func failure(_ code: CInt, _ statement: Statement, _ db: Database) -> DatabaseError {
        let message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }

    /// SQLite copies the value before the bind returns (`SQLITE_TRANSIENT`): the Swift buffers
    /// live only for the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    private static let emptyText: UnsafePointer<CChar> = {
        let empty = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        empty.initialize(to: 0)
        return UnsafePointer(empty)
    }()
}
