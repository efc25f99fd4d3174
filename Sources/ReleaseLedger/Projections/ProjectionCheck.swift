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
    /// a difference. Reads only; at most `limit` differences are returned, each table's in key
    /// order (the reservations' in key order within each half of the runs).
    ///
    /// The runs are folded by two workers, each a half of the run_ids (`RunRanges`: every
    /// projection row belongs to one run, so the halves never touch the same row), into files
    /// rather than memory. Each worker then compares its half, on its own connection to the
    /// ledger, while the other may still fold: each table as two cursors walked side by side in
    /// key order, so that the memory it takes does not grow with the ledger.
    /// (`keptRuns`: how many unfinished runs each worker keeps folded; tests make it small.)
    public func checkProjections(limit: Int = 20, keptRuns: Int = 4096) throws -> [ProjectionDifference] {
        try checkProjections(limit: limit, keptRuns: keptRuns, stop: nil)
    }

    /// `checkProjections`, ended early by `stop` (with `CancellationError`); `scratchCacheKiB`:
    /// the memory each worker's rebuild keeps before it spills to disk (ProjectionScratch).
    func checkProjections(
        limit: Int, keptRuns: Int = 4096, stop: StopSignal?,
        scratchCacheKiB: Int = ProjectionScratch.defaultCacheKiB
    ) throws -> [ProjectionDifference] {
        try checkProjections(
            limit: limit, keptRuns: keptRuns, stop: stop, scratchCacheKiB: scratchCacheKiB, digesting: false
        ).differences
    }

    /// `checkProjections`, and with `digesting`, the digests of the ledger's rows that it found
    /// to be what the events make (ProjectionDigests), read as it compared them: on the same
    /// snapshot as the comparison, so that what a checkpoint remembers is what was checked.
    func checkProjections(
        limit: Int, keptRuns: Int = 4096, stop: StopSignal?, scratchCacheKiB: Int = ProjectionScratch.defaultCacheKiB,
        digesting: Bool
    ) throws -> (differences: [ProjectionDifference], digests: ProjectionDigests?) {
        let scratch = try ProjectionScratch(partitions: 2, cacheKiB: scratchCacheKiB)
        defer { scratch.remove() }
        let ranges = try read { try RunRanges.halves(of: $0) }
        let found = FoundDifferences(ranges: ranges.count)
        let digesters =
            digesting ? ranges.bounds.indices.map { _ in ProjectionDigester() } + [ProjectionDigester()] : nil
        let store = self.store
        let partitions = scratch.partitions
        try read { ledgerDB in
            // The last event replayed: each worker compares on a snapshot of its own, taken once
            // its fold ends, in which other writers may have appended since.
            let replayedEnd = try ledgerDB.value(Int64.self, "SELECT MAX(sequence) FROM events") ?? 0
            try Projections.replay(
                from: ledgerDB, into: partitions, ranges: ranges, keptRuns: keptRuns, openReader: store.openReader,
                stop: stop
            ) { range in
                let reader = try store.openReader()
                defer { reader.close() }
                let (differences, moved) = try reader.read { ledgerDB in
                    // Runs written to after the replay's snapshot have rows its events did not
                    // make: they are left out here and checked apart, on one snapshot.
                    let moved = try Self.runs(after: replayedEnd, in: ledgerDB)
                    return try partitions[range].read { expectedDB in
                        (
                            try Self.compareProjections(
                                expected: SQLiteLedgerSQL(expectedDB), actual: ledgerDB,
                                where: ranges.condition(range, dialect: ledgerDB.dialect), limit: limit, stop: stop,
                                digester: digesters?[range], skipping: moved),
                            moved
                        )
                    }
                }
                found.set(range, differences, moved: moved)
            }
        }
        let moved = found.moved()
        let movedDifferences = moved.isEmpty ? [] : try read { try Self.checkRuns(moved, in: $0, limit: limit) }
        // Table by table, the halves in run_id order (then the runs that moved).
        let merged = Self.tableByTable(Array(found.all().joined()) + movedDifferences)
        let digests = digesters?.map { $0.digests() }.reduce(ProjectionDigests(byRun: [:], hasRowsWithoutRun: false)) {
            $0.merging($1)
        }
        return (Array(merged.prefix(limit)), digests)
    }

    /// The runs with an event after `sequence`.
    static func runs(after sequence: Int64, in db: LedgerSQL) throws -> Set<String> {
        Set(try db.values(String.self, "SELECT DISTINCT stream_id FROM events WHERE sequence > ?", [sequence]))
    }

    /// The differences between one range of runs' projections, rebuilt in `expected`, and the
    /// ledger's rows of the same runs (`condition`), table by table, at most `limit`. With
    /// `bothSides`, the rows of `expected` are those of `condition` too.
    static func compareProjections(
        expected: LedgerSQL, actual: LedgerSQL, where condition: (sql: String, arguments: SQLArguments),
        bothSides: Bool = false, limit: Int, stop: StopSignal?, digester: ProjectionDigester? = nil,
        skipping: Set<String> = []
    ) throws -> [ProjectionDifference] {
        var differences: [ProjectionDifference] = []
        for (number, table) in projectionTables.enumerated() where differences.count < limit {
            let rebuilt = try expected.cursor(
                "SELECT * FROM \(table.name) \(bothSides ? "WHERE \(condition.sql) " : "")ORDER BY \(table.key.joined(separator: ", "))",
                bothSides ? condition.arguments : [])
            // Both sides in SQLite's order, whichever store the ledger is in.
            let recorded = try actual.cursor(
                "SELECT * FROM \(table.name) WHERE \(condition.sql) ORDER BY \(keyOrder(of: table, in: actual.dialect))",
                condition.arguments)
            try compare(
                table.name, key: table.key, expected: rebuilt, actual: recorded, limit: limit, stop: stop,
                into: &differences, digesting: digester.map { ($0, number) }, skipping: skipping)
        }
        return differences
    }

    /// The differences of `runs` alone, on the snapshot `db` reads: their events replayed into a
    /// scratch database, then compared with their rows in `db`, a few hundred runs at a time; at
    /// most `limit`, table by table as `checkProjections` tells them. What a verification that
    /// starts from a checkpoint replays: the runs that are not as it remembers them.
    static func checkRuns(_ runs: Set<String>, in db: LedgerSQL, limit: Int) throws -> [ProjectionDifference] {
        guard !runs.isEmpty else { return [] }
        let sorted = runs.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let scratch = try ProjectionScratch(partitions: 1)
        defer { scratch.remove() }
        try scratch.partitions[0].write { scratchDB in
            let target = SQLiteLedgerSQL(scratchDB)
            var folder = Projections.RunFolder { run, sequence in
                try Projections.RunFolder.events(of: run, before: sequence, in: db)
            }
            for run in sorted {
                for event in try Projections.RunFolder.events(of: run, before: .max, in: db) {
                    try folder.fold(event, into: target)
                }
            }
            try folder.flush(into: target)
        }
        var differences: [ProjectionDifference] = []
        try scratch.partitions[0].read { scratchDB in
            // (SQLite binds at most 32,766 values to a statement.)
            for start in stride(from: 0, to: sorted.count, by: 500) {
                let chunk = sorted[start..<min(start + 500, sorted.count)]
                let condition = (
                    sql: "run_id IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))",
                    arguments: chunk.map { $0 as (any SQLBindable)? }
                )
                differences += try compareProjections(
                    expected: SQLiteLedgerSQL(scratchDB), actual: db, where: condition, bothSides: true, limit: limit,
                    stop: nil)
            }
        }
        return Array(tableByTable(differences).prefix(limit))
    }

    /// Differences table by table, in `projectionTables`' order, each table's in the order found.
    static func tableByTable(_ differences: [ProjectionDifference]) -> [ProjectionDifference] {
        projectionTables.flatMap { table in differences.filter { $0.table == table.name } }
    }

    /// A projection table's `ORDER BY`: its key, in SQLite's order whichever store answers.
    static func keyOrder(
        of table: (name: String, key: [String], numbers: Set<String>), in dialect: SQLDialect
    ) -> String {
        table.key.map { table.numbers.contains($0) ? $0 : dialect.byteOrder($0) }.joined(separator: ", ")
    }

    /// What each worker of a check found, set from its thread.
    private final class FoundDifferences: @unchecked Sendable {
        private let lock = NSLock()
        private var byRange: [[ProjectionDifference]]
        private var movedRuns: Set<String> = []

        init(ranges: Int) { byRange = Array(repeating: [], count: ranges) }

        func set(_ range: Int, _ differences: [ProjectionDifference], moved: Set<String>) {
            lock.lock()
            byRange[range] = differences
            movedRuns.formUnion(moved)
            lock.unlock()
        }

        /// The runs some worker left out: written to after the replay's snapshot.
        func moved() -> Set<String> {
            lock.lock()
            defer { lock.unlock() }
            return movedRuns
        }

        func all() -> [[ProjectionDifference]] {
            lock.lock()
            defer { lock.unlock() }
            return byRange
        }
    }

    /// Walks two cursors in key order (SQLite's: integers before text, text by its bytes) and
    /// notes every row missing on one side or differing in a column.
    static func compare(
        _ table: String, key: [String], expected: SQLCursor, actual: SQLCursor, limit: Int, stop: StopSignal? = nil,
        into differences: inout [ProjectionDifference], digesting: (ProjectionDigester, table: Int)? = nil,
        skipping: Set<String> = []
    ) throws {
        func keyText(_ row: SQLRow) -> String {
            key.map { "\($0)=\(row.value($0).plain)" }.joined(separator: ", ")
        }
        func keyValues(_ row: SQLRow) -> [SQLValue] { key.map { row.value($0).asSQLite } }
        /// The next row of `cursor` that is not of a run in `skipping`.
        func next(_ cursor: SQLCursor) throws -> SQLRow? {
            while let row = try cursor.next() {
                if skipping.isEmpty { return row }
                guard case .text(let run) = row.value("run_id"), skipping.contains(run) else { return row }
            }
            return nil
        }
        var steps = 0
        var want = try next(expected)
        var have = try next(actual)
        while differences.count < limit, want != nil || have != nil {
            steps += 1
            if steps & 1023 == 0, let stop, stop.isStopped { throw CancellationError() }
            let order: Int
            if let want, let have {
                order = SQLiteOrder.compare(keyValues(want), keyValues(have))
            } else {
                order = want == nil ? 1 : -1
            }
            if order < 0, let row = want {
                differences.append(
                    ProjectionDifference(table: table, key: keyText(row), detail: "missing (the events make it)"))
                want = try next(expected)
            } else if order > 0, let row = have {
                differences.append(
                    ProjectionDifference(table: table, key: keyText(row), detail: "present, but no event makes it"))
                have = try next(actual)
            } else if let wanted = want, let found = have {
                digesting?.0.add(found, table: digesting!.table)
                // The columns the events make: a PostgreSQL ledger's rowid columns are not among them.
                for column in wanted.columns {
                    let wantedValue = wanted.value(column).asSQLite
                    let foundValue = found.value(column).asSQLite
                    if !wantedValue.isIdentical(to: foundValue) {
                        differences.append(
                            ProjectionDifference(
                                table: table, key: keyText(wanted),
                                detail: "\(column) is \(foundValue.plain), the events say \(wantedValue.plain)"))
                    }
                }
                want = try next(expected)
                have = try next(actual)
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
