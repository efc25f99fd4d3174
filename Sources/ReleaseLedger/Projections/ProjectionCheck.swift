import Foundation
import GRDB
import ReleaseStateMachine

/// A projection row that is not what the events say it should be.
public struct ProjectionDifference: Equatable, Sendable, CustomStringConvertible {
    public var table: String
    /// The row's primary key, as `column=value` pairs.
    public var key: String
    /// What differs: a column's two values, or a row present on one side only.
    public var detail: String

    public var description: String { "\(table) row \(key): \(detail)" }
}

extension Ledger {
    /// The projection tables, each with the columns of its primary key (text, but for the
    /// integer `numbers`).
    static let projectionTables: [(name: String, key: [String], numbers: Set<String>)] = [
        ("runs", ["run_id"], []), ("steps", ["run_id", "step"], []), ("artifacts", ["run_id", "path"], []),
        ("publications", ["run_id", "target", "imported_file"], []), ("run_outputs", ["run_id", "path"], []),
        ("run_inputs", ["run_id", "output_path", "position"], ["position"]),
        ("build_number_reservations", ["target", "image_name", "build_number"], ["build_number"]),
    ]

    /// Rebuilds every projection from the events into private scratch databases, and compares
    /// them row by row with the tables of the ledger: a row edited, added or removed by hand is
    /// a difference. Reads only; at most `limit` differences are returned.
    ///
    /// The runs are folded by two workers (every projection row belongs to one run, so halves of
    /// the runs never touch the same row), into files rather than memory, and each table is
    /// compared as two cursors walked side by side in key order: the memory it takes does not
    /// grow with the ledger.
    /// (`keptRuns`: how many unfinished runs each worker keeps folded; tests make it small.)
    public func checkProjections(limit: Int = 20, keptRuns: Int = 4096) throws -> [ProjectionDifference] {
        try checkProjections(limit: limit, keptRuns: keptRuns, stop: nil)
    }

    /// `checkProjections`, ended early by `stop` (with `CancellationError`), its scratch files
    /// in `scratchDirectory`.
    func checkProjections(
        limit: Int, keptRuns: Int = 4096, stop: StopSignal?, scratchDirectory: String = NSTemporaryDirectory()
    ) throws -> [ProjectionDifference] {
        let scratch = try ProjectionScratch(partitions: 2, in: scratchDirectory)
        defer { scratch.remove() }
        try read { ledgerDB in
            try Projections.replay(
                from: ledgerDB, into: scratch.partitions, keptRuns: keptRuns, openReader: store.openReader, stop: stop)
        }
        try scratch.attachPartitions()
        var differences: [ProjectionDifference] = []
        try read { ledgerDB in
            try scratch.partitions[0].read { expectedDB in
                for table in Self.projectionTables where differences.count < limit {
                    let expected = try SQLiteLedgerSQL(expectedDB).cursor(
                        """
                        SELECT * FROM (SELECT * FROM main.\(table.name) UNION ALL \(scratch.attachedNames.map { "SELECT * FROM \($0).\(table.name)" }.joined(separator: " UNION ALL "))) ORDER BY \(table.key.joined(separator: ", "))
                        """)
                    // Both sides in SQLite's order, whichever store the ledger is in.
                    let actual = try ledgerDB.cursor(
                        "SELECT * FROM \(table.name) ORDER BY \(table.key.map { table.numbers.contains($0) ? $0 : ledgerDB.dialect.byteOrder($0) }.joined(separator: ", "))"
                    )
                    try Self.compare(
                        table.name, key: table.key, expected: expected, actual: actual, limit: limit, into: &differences
                    )
                }
            }
        }
        return Array(differences.prefix(limit))
    }

    /// Walks two cursors in key order (SQLite's: integers before text, text by its bytes) and
    /// notes every row missing on one side or differing in a column.
    static func compare(
        _ table: String, key: [String], expected: SQLCursor, actual: SQLCursor, limit: Int,
        into differences: inout [ProjectionDifference]
    ) throws {
        func keyText(_ row: SQLRow) -> String {
            key.map { "\($0)=\(row.value($0).plain)" }.joined(separator: ", ")
        }
        func keyValues(_ row: SQLRow) -> [SQLValue] { key.map { row.value($0).asSQLite } }
        var want = try expected.next()
        var have = try actual.next()
        while differences.count < limit, want != nil || have != nil {
            let order: Int
            if let want, let have {
                order = SQLiteOrder.compare(keyValues(want), keyValues(have))
            } else {
                order = want == nil ? 1 : -1
            }
            if order < 0, let row = want {
                differences.append(
                    ProjectionDifference(table: table, key: keyText(row), detail: "missing (the events make it)"))
                want = try expected.next()
            } else if order > 0, let row = have {
                differences.append(
                    ProjectionDifference(table: table, key: keyText(row), detail: "present, but no event makes it"))
                have = try actual.next()
            } else if let wanted = want, let found = have {
                // The columns the events make: a PostgreSQL ledger's rowid columns are not among them.
                for column in wanted.columns {
                    let wantedValue = wanted.value(column).asSQLite
                    let foundValue = found.value(column).asSQLite
                    if wantedValue != foundValue {
                        differences.append(
                            ProjectionDifference(
                                table: table, key: keyText(wanted),
                                detail: "\(column) is \(foundValue.plain), the events say \(wantedValue.plain)"))
                    }
                }
                want = try expected.next()
                have = try actual.next()
            }
        }
    }

    /// What the head the store recorded apart from the log (the anchor file beside a SQLite
    /// ledger, the `chain_head` row of a PostgreSQL one) says of the log's end. A log cut at its
    /// end, or an older copy put in the ledger's place, lacks the event the head names.
    public func checkAnchor() throws -> AnchorFinding {
        guard let anchor = try store.recordedHead() else { return .absent }
        if anchor.sequence == 0 { return .agrees(anchor) }
        let stored = try read { db in
            try db.value(String.self, "SELECT hash FROM events WHERE sequence = ?", [anchor.sequence])
        }
        let last = try read { db in try db.value(Int64.self, "SELECT MAX(sequence) FROM events") } ?? 0
        guard let stored else {
            return .mismatch(
                "the ledger ends at event \(last), but its head anchor says event \(anchor.sequence) was recorded: events \(last + 1)...\(anchor.sequence) are missing (the log was cut at its end, or an older copy was put in its place)"
            )
        }
        guard stored == anchor.hash else {
            return .mismatch(
                "event \(anchor.sequence) is not the one the head anchor names (hash \(stored.prefix(12))..., anchored \(anchor.hash.prefix(12))...): the ledger was replaced by another history"
            )
        }
        return .agrees(anchor)
    }
}

/// What the head anchor says of the ledger.
public enum AnchorFinding: Equatable, Sendable {
    /// No anchor beside the ledger (a ledger last written before anchors existed, or a copy
    /// taken without it): a cut at the end cannot be told.
    case absent
    case agrees(ChainAnchor)
    case mismatch(String)
}
