import Foundation
import Hashing

/// A digest of each run's rows in the projection tables, as the ledger holds them: what a
/// verification checkpoint remembers of the runs it proved (VerificationCheckpoint.swift), so
/// that the next `verify` can tell that a run's rows are unchanged without replaying its events.
///
/// Every projection row has its run's id (RunRanges.swift). A run's digest is SHA-256 over its
/// rows, table by table in `Ledger.projectionTables`' order, each table's in its key order, each
/// row as its table's number, its column count and its values, each value as its type, its length
/// and its bytes: a row edited, added or removed changes it. PostgreSQL's `rowid` columns are
/// left out, as the comparison leaves them out (a rebuild numbers them anew).
struct ProjectionDigests: Equatable {
    /// Each run's digest; a run without a row has none.
    var byRun: [String: [UInt8]]
    /// Whether some row has no run_id (only a hand-made one can): no digest covers it.
    var hasRowsWithoutRun: Bool
    /// Each run's `last_sequence`, as its `runs` row says: the sequence of the last event that
    /// made the rows digested.
    var lastSequences: [String: Int64] = [:]

    /// The digests of every run's rows in `db`, on one snapshot.
    static func read(from db: LedgerSQL) throws -> ProjectionDigests {
        let digester = ProjectionDigester()
        for (number, table) in Ledger.projectionTables.enumerated() {
            let cursor = try db.cursor(
                "SELECT * FROM \(table.name) ORDER BY \(Ledger.keyOrder(of: table, in: db.dialect))")
            while let row = try cursor.next() { digester.add(row, table: number) }
        }
        return digester.digests()
    }
}

/// Makes `ProjectionDigests` of the rows it is handed, table by table in
/// `Ledger.projectionTables`' order, each table's rows in its key order (a check's comparison
/// hands it the ledger's rows as it walks them).
///
/// Not shared: each worker of a check has its own, and their digests are merged once they end.
final class ProjectionDigester: @unchecked Sendable {
    private var hashers: [String: SHA256] = [:]
    private var lastSequences: [String: Int64] = [:]
    private var lastSequenceColumn: Int?
    private var withoutRun = false
    private var bytes: [UInt8] = []
    private var table = -1
    private var digested: [Int] = []
    private var runColumn = 0
    private var run: String?
    private var hasher = SHA256()

    /// A row of the table numbered `table` in `Ledger.projectionTables`.
    func add(_ row: SQLRow, table number: Int) {
        if number != table {
            table = number
            digested = row.columns.indices.filter { row.columns[$0] != "rowid" }
            runColumn = row.columns.firstIndex(of: "run_id") ?? 0
            lastSequenceColumn =
                Ledger.projectionTables[number].name == "runs" ? row.columns.firstIndex(of: "last_sequence") : nil
        }
        guard case .text(let rowRun) = row.values[runColumn] else {
            withoutRun = true
            return
        }
        if rowRun != run {
            if let run { hashers[run] = hasher }
            hasher = hashers[rowRun] ?? SHA256()
            run = rowRun
        }
        if let lastSequenceColumn, case .integer(let last) = row.values[lastSequenceColumn] {
            lastSequences[rowRun] = last
        }
        bytes.removeAll(keepingCapacity: true)
        bytes.append(UInt8(number))
        ProjectionDigests.append(UInt64(digested.count), to: &bytes)
        for column in digested { ProjectionDigests.append(row.values[column].asSQLite, to: &bytes) }
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
    }

    /// The digests of every run handed so far.
    func digests() -> ProjectionDigests {
        if let run { hashers[run] = hasher }
        run = nil
        return ProjectionDigests(
            byRun: hashers.mapValues { $0.finalize() }, hasRowsWithoutRun: withoutRun, lastSequences: lastSequences)
    }
}

extension ProjectionDigests {
    /// These digests and those of `other`, of other runs (two workers' halves).
    func merging(_ other: ProjectionDigests) -> ProjectionDigests {
        ProjectionDigests(
            byRun: byRun.merging(other.byRun) { mine, _ in mine },
            hasRowsWithoutRun: hasRowsWithoutRun || other.hasRowsWithoutRun,
            lastSequences: lastSequences.merging(other.lastSequences) { mine, _ in mine })
    }

    /// A value as its type (the order of SQLite's storage classes), its length and its bytes.
    static func append(_ value: SQLValue, to bytes: inout [UInt8]) {
        switch value {
        case .null:
            bytes.append(0)
        case .integer(let integer):
            bytes.append(1)
            append(UInt64(bitPattern: integer), to: &bytes)
        case .real(let real):
            bytes.append(2)
            append(real.bitPattern, to: &bytes)
        case .text(var text):
            bytes.append(3)
            text.withUTF8 { utf8 in
                append(UInt64(utf8.count), to: &bytes)
                bytes.append(contentsOf: utf8)
            }
        case .blob(let blob):
            bytes.append(4)
            append(UInt64(blob.count), to: &bytes)
            bytes.append(contentsOf: blob)
        case .bool(let flag):
            // (asSQLite makes booleans integers before they come here.)
            append(.integer(flag ? 1 : 0), to: &bytes)
        }
    }

    static func append(_ number: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: number.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
