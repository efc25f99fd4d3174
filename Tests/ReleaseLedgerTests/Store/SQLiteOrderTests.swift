import Foundation
import GRDB
import Testing
@testable import ReleaseLedger

/// `verify` merges two cursors ordered by SQLite: its comparison must be SQLite's, or rows would
/// be reported missing on one side and extra on the other.
@Suite struct SQLiteOrderTests {
    @Test func theOrderIsSQLites() throws {
        let database = try DatabaseQueue()
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aZ09-_./é€😀 ") + ["\u{7f}", "\u{80}"]
        var values: [DatabaseValue] = [
            .null, 0.databaseValue, (-5).databaseValue, Int64.max.databaseValue, 2.5.databaseValue,
        ]
        for _ in 0..<300 {
            values.append(
                String(
                    (0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)!
                    }
                ).databaseValue)
        }
        let ordered = try database.write { db -> [DatabaseValue] in
            try db.execute(sql: "CREATE TABLE t (a, b)")
            for (index, value) in values.enumerated() {
                try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [value, index % 3])
            }
            return try Row.fetchAll(db, sql: "SELECT a, b FROM t ORDER BY a, b").flatMap {
                [$0[0] as DatabaseValue, $0[1] as DatabaseValue]
            }
        }
        let pairs = stride(from: 0, to: ordered.count, by: 2).map {
            [SQLiteLedgerSQL.value(ordered[$0]), SQLiteLedgerSQL.value(ordered[$0 + 1])]
        }
        for (earlier, later) in zip(pairs, pairs.dropFirst()) {
            #expect(SQLiteOrder.compare(earlier, later) <= 0, "\(earlier) before \(later)")
        }
        let sorted = pairs.shuffled(using: &generator).sorted { SQLiteOrder.compare($0, $1) < 0 }
        #expect(sorted == pairs)
    }
}
