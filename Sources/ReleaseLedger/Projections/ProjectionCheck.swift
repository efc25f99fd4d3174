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
    /// The projection tables, each with the columns of its primary key.
    static let projectionTables: [(name: String, key: [String])] = [
        ("runs", ["run_id"]), ("steps", ["run_id", "step"]), ("artifacts", ["run_id", "path"]),
        ("publications", ["run_id", "target", "imported_file"]), ("run_outputs", ["run_id", "path"]),
        ("run_inputs", ["run_id", "output_path", "position"]),
    ]

    /// Rebuilds every projection from the events in a private in-memory database, and compares
    /// it row by row with the tables of the ledger: a row edited, added or removed by hand is a
    /// difference. Reads only; at most `limit` differences are returned.
    public func checkProjections(limit: Int = 20) throws -> [ProjectionDifference] {
        let fresh = try DatabaseQueue()
        try Self.migrator.migrate(fresh)
        try read { ledgerDB in
            try fresh.write { db in try Projections.replay(from: ledgerDB, into: db) }
        }
        var differences: [ProjectionDifference] = []
        for table in Self.projectionTables {
            let order = table.key.joined(separator: ", ")
            let sql = "SELECT * FROM \(table.name) ORDER BY \(order)"
            let expected = try fresh.read { db in try Row.fetchAll(db, sql: sql) }
            let actual = try read { db in try Row.fetchAll(db, sql: sql) }
            differences += Self.compare(table.name, key: table.key, expected: expected, actual: actual)
            if differences.count >= limit { break }
        }
        return Array(differences.prefix(limit))
    }

    static func compare(_ table: String, key: [String], expected: [Row], actual: [Row]) -> [ProjectionDifference] {
        func keyText(_ row: Row) -> String {
            key.map { "\($0)=\(plain(row[$0]))" }.joined(separator: ", ")
        }
        let expectedByKey = Dictionary(expected.map { (keyText($0), $0) }, uniquingKeysWith: { first, _ in first })
        let actualByKey = Dictionary(actual.map { (keyText($0), $0) }, uniquingKeysWith: { first, _ in first })
        var differences: [ProjectionDifference] = []
        for (rowKey, want) in expectedByKey.sorted(by: { $0.key < $1.key }) {
            guard let have = actualByKey[rowKey] else {
                differences.append(ProjectionDifference(table: table, key: rowKey, detail: "missing (the events make it)"))
                continue
            }
            for column in want.columnNames {
                let wanted: DatabaseValue = want[column], found: DatabaseValue = have[column]
                if wanted != found {
                    differences.append(ProjectionDifference(table: table, key: rowKey, detail: "\(column) is \(plain(found)), the events say \(plain(wanted))"))
                }
            }
        }
        for rowKey in actualByKey.keys.sorted() where expectedByKey[rowKey] == nil {
            differences.append(ProjectionDifference(table: table, key: rowKey, detail: "present, but no event makes it"))
        }
        return differences
    }

    /// A value as a person reads it: text unquoted, NULL as NULL.
    static func plain(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .string(let text): return text
        case .int64(let number): return String(number)
        case .double(let number): return String(number)
        case .blob(let data): return "\(data.count) bytes"
        }
    }

    /// What the head anchor beside the ledger says of the log's end: nil when they agree (or
    /// when there is no anchor), else why not. A log cut at its end, or an older copy put in the
    /// ledger's place, lacks the event the anchor names.
    public func checkAnchor() throws -> AnchorFinding {
        guard let anchor = try ChainAnchor.read(for: path) else { return .absent }
        let stored = try read { db in
            try String.fetchOne(db, sql: "SELECT hash FROM events WHERE sequence = ?", arguments: [anchor.sequence])
        }
        let last = try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM events") } ?? 0
        guard let stored else {
            return .mismatch("the ledger ends at event \(last), but its head anchor says event \(anchor.sequence) was recorded: events \(last + 1)...\(anchor.sequence) are missing (the log was cut at its end, or an older copy was put in its place)")
        }
        guard stored == anchor.hash else {
            return .mismatch("event \(anchor.sequence) is not the one the head anchor names (hash \(stored.prefix(12))..., anchored \(anchor.hash.prefix(12))...): the ledger was replaced by another history")
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
