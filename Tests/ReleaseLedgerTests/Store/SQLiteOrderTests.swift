import Foundation
import GRDB
import ReleaseStateMachine
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
        let pairs = try database.write { db -> [[SQLValue]] in
            try db.execute(sql: "CREATE TABLE t (a, b)")
            for (index, value) in values.enumerated() {
                try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [value, index % 3])
            }
            return try SQLiteLedgerSQL(db).rows("SELECT a, b FROM t ORDER BY a, b", []).map(\.values)
        }
        for (earlier, later) in zip(pairs, pairs.dropFirst()) {
            #expect(SQLiteOrder.compare(earlier, later) <= 0, "\(earlier) before \(later)")
        }
        let sorted = pairs.shuffled(using: &generator).sorted { SQLiteOrder.compare($0, $1) < 0 }
        #expect(sorted == pairs)
    }

    /// Two spellings of one character ("é", and "e" with a combining accent) are equal strings to
    /// Swift, but other bytes to the stores and the hash chain: a projection edited from one to
    /// the other is a difference, in a key as in any other column.
    @Test func anotherSpellingOfTheSameTextIsADifference() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed, "Swift's equality, which the check must not use")
        #expect(!SQLValue.text(composed).isIdentical(to: .text(decomposed)))
        // Byte for byte: the same length and one byte apart, equal, empty, a prefix.
        #expect(!SQLValue.text("run-0001").isIdentical(to: .text("run-0002")))
        #expect(SQLValue.text("run-000" + String(1)).isIdentical(to: .text("run-0001")))
        #expect(SQLValue.text("").isIdentical(to: .text("")))
        #expect(!SQLValue.text("run").isIdentical(to: .text("run-0001")))
        #expect(!SQLValue.text("").isIdentical(to: .null))
        #expect(SQLiteOrder.compare(.text(composed), .text(decomposed)) != 0)
        let directory = NSTemporaryDirectory() + "casa-release-spelling-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try Ledger.open(path: directory + "/l.sqlite")
        let run = PostgresPipelineTests.run(1)
        let started = RunEvent.runStarted(
            RunStarted(
                runID: run, pipeline: .publication, steps: Pipeline.steps(of: .publication, RunParameters()),
                parameters: RunParameters(
                    publication: PublicationParameters(target: "file:///m/", image: "/\(composed).sif")),
                chosen: ChosenValues(), host: "h", user: "u", tools: [:]))
        try ledger.append([started], to: run, expectedVersion: 0, actor: "u@h", at: Date())
        #expect(try ledger.checkProjections().isEmpty)
        try ledger.immediateTransaction { db in
            try db.execute("UPDATE runs SET parameters = replace(parameters, ?, ?)", [composed, decomposed])
        }
        #expect(try ledger.checkProjections().map(\.table) == ["runs"])
    }
}
