import Foundation
import GRDB
import Testing

@testable import ReleaseLedger

/// The ledger's values bound straight to SQLite (SQLiteBinding) are stored as GRDB stores them,
/// and every failure is a DatabaseError naming its cause.
struct SQLiteBindingTests {
    private func withTable<T>(_ body: (SQLiteLedgerSQL, Database) throws -> T) throws -> T {
        let queue = try DatabaseQueue()
        return try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v)")
            return try body(SQLiteLedgerSQL(db), db)
        }
    }

    /// Each storage class, at its edges, reads back the same, and as what GRDB binds (typeof).
    @Test func everyKindOfValueReadsBackAsBound() throws {
        let values: [(SQLValue, String)] = [
            (.null, "null"), (.integer(0), "integer"), (.integer(.max), "integer"), (.integer(.min), "integer"),
            (.real(-0.5), "real"), (.real(1e300), "real"), (.bool(true), "integer"), (.bool(false), "integer"),
            (.text(""), "text"), (.text("plain"), "text"), (.text("é, 名前, 🚀"), "text"),
            (.text("before\u{0}after"), "text"), (.text(String(repeating: "x", count: 100_000)), "text"),
            (.blob(Data()), "blob"), (.blob(Data([0, 1, 255])), "blob"),
        ]
        try withTable { sql, db in
            for (key, (value, type)) in values.enumerated() {
                try sql.execute("INSERT INTO t (k, v) VALUES (?, ?)", [key, value])
                let row = try #require(try sql.rows("SELECT v, typeof(v) FROM t WHERE k = ?", [key]).first)
                #expect(row.values[0].isIdentical(to: value.asSQLite), "\(value)")
                #expect(row.values[1] == .text(type), "\(value)")
                // The same value as GRDB binds it reads the same.
                let grdb = try String.fetchOne(db, sql: "SELECT typeof(?)", arguments: [SQLiteBindingTests.grdb(value)])
                #expect(grdb == type, "\(value)")
            }
            // A text with a NUL keeps its length (the C string's end is not taken for its end).
            #expect(
                try sql.rows("SELECT length(CAST(v AS BLOB)) FROM t WHERE k = 11", []).first?.values == [.integer(12)])
        }
    }

    /// A statement run again after a failure, or with fewer rows read than it has, starts over.
    @Test func aStatementIsResetBeforeEachUse() throws {
        try withTable { sql, _ in
            for key in 1...3 { try sql.execute("INSERT INTO t (k, v) VALUES (?, ?)", [key, "v\(key)"]) }
            #expect(throws: DatabaseError.self) { try sql.execute("INSERT INTO t (k, v) VALUES (?, ?)", [1, "again"]) }
            try sql.execute("INSERT INTO t (k, v) VALUES (?, ?)", [4, "v4"])
            let cursor = try sql.cursor("SELECT k FROM t ORDER BY k", [])
            #expect(try cursor.next()?.values == [.integer(1)])
            #expect(
                try sql.rows("SELECT k FROM t WHERE k >= ? ORDER BY k", [3]).map(\.values) == [
                    [.integer(3)], [.integer(4)],
                ])
            #expect(try sql.rows("SELECT k FROM t WHERE k >= ? ORDER BY k", [4]).map(\.values) == [[.integer(4)]])
            var rest: [[SQLValue]] = []
            while let row = try cursor.next() { rest.append(row.values) }
            #expect(rest == [[.integer(2)], [.integer(3)], [.integer(4)]])
            #expect(try cursor.next() == nil)
        }
    }

    /// Too few or too many values, a constraint broken, a statement SQLite refuses: a
    /// DatabaseError with SQLite's code and message, and the statement's text.
    @Test func failuresAreDatabaseErrorsWithTheirCauses() throws {
        try withTable { sql, _ in
            try sql.execute("INSERT INTO t (k, v) VALUES (?, ?)", [1, "one"])
            for wrong: SQLArguments in [[1], [1, "x", 3], []] {
                #expect {
                    try sql.execute("INSERT INTO t (k, v) VALUES (?, ?)", wrong)
                } throws: { error in
                    let error = error as? DatabaseError
                    return error?.resultCode == .SQLITE_MISUSE
                        && error?.message == "wrong number of statement arguments: \(wrong.count) for 2 placeholders"
                }
            }
            #expect {
                try sql.execute("INSERT INTO t (k, v) VALUES (?, ?)", [1, "again"])
            } throws: { error in
                let error = error as? DatabaseError
                return error?.resultCode == .SQLITE_CONSTRAINT && error?.message?.contains("UNIQUE") == true
                    && error?.sql == "INSERT INTO t (k, v) VALUES (?, ?)"
            }
            #expect {
                try sql.rows("SELECT abs(?)", [Int64.min])
            } throws: { error in
                (error as? DatabaseError)?.message?.contains("integer overflow") == true
            }
            // The failures changed nothing.
            #expect(try sql.rows("SELECT k, v FROM t", []).map(\.values) == [[.integer(1), .text("one")]])
        }
    }

    private static func grdb(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .integer(let number): return number.databaseValue
        case .real(let number): return number.databaseValue
        case .bool(let flag): return flag.databaseValue
        case .text(let text): return text.databaseValue
        case .blob(let data): return data.databaseValue
        }
    }
}
