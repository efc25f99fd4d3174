import Foundation

extension Ledger {
    /// The events a copy into PostgreSQL commits at a time: an interrupted copy keeps what it
    /// committed, and the same command goes on from there (`copyHistory`).
    static let bulkCopyBatch = 50_000

    /// The copy into PostgreSQL, with `COPY … FROM STDIN`: the events after `present`, a batch per
    /// transaction; then, in one transaction, the projection tables replaced by the source's
    /// rows, in the order the source wrote them (its `rowid`: the order of the events that made
    /// them). Those rows are the events' own projections: `verifyCopySource` rebuilt them from
    /// the events and compared them row by row, and the copy's events are the source's, hash for
    /// hash. So a copy folds the history once (in that check), not twice.
    ///
    /// Returns how many events were copied. Nothing to copy leaves the projections untouched
    /// (a destination written to after an earlier copy keeps its own).
    func bulkCopy(
        from source: Ledger, after present: Int64, sourceEvents: Int, batch: Int, session: PostgresSession
    ) throws -> Int {
        guard present < Int64(sourceEvents) else { return 0 }
        var copied = 0
        var next = present
        while next < Int64(sourceEvents) {
            let count = try immediateTransaction { destination -> Int in
                try requireHead(next, destination)
                return try source.read { origin in
                    let rows = try origin.cursor(
                        """
                        SELECT \(Self.eventColumns) FROM events WHERE sequence > \(next) ORDER BY sequence LIMIT \(batch)
                        """)
                    return try session.copyIn("COPY events (\(Self.eventColumns)) FROM STDIN") {
                        try rows.next()?.values
                    }
                }
            }
            guard count > 0 else { break }
            copied += count
            next += Int64(count)
        }
        try immediateTransaction { destination in
            for table in Self.projectionTables.reversed() { try destination.execute("DELETE FROM \(table.name)") }
            try source.read { origin in
                for table in Self.projectionTables {
                    try copyRows(of: table.name, key: table.key, from: origin, session: session)
                }
            }
        }
        return copied
    }

    static let eventColumns = "sequence, stream_id, stream_version, type, payload, recorded_at, actor, prev_hash, hash"

    /// One projection table's rows from `origin`, in the order they were written, without the
    /// `rowid` (the destination numbers its rows itself, in the same order).
    private func copyRows(of table: String, key: [String], from origin: LedgerSQL, session: PostgresSession) throws {
        // SQLite numbers every table's rows; PostgreSQL's ledger those that have a rowid column.
        let order =
            origin.dialect == .sqlite || ["runs", "artifacts", "run_outputs"].contains(table)
            ? "rowid" : key.joined(separator: ", ")
        let rows = try origin.cursor("SELECT * FROM \(table) ORDER BY \(order)")
        guard let first = try rows.next() else { return }
        let kept = first.columns.indices.filter { first.columns[$0] != "rowid" }
        var pending: SQLRow? = first
        try session.copyIn("COPY \(table) (\(kept.map { first.columns[$0] }.joined(separator: ", "))) FROM STDIN") {
            guard let row = try pending ?? rows.next() else { return nil }
            pending = nil
            return kept.map { row.values[$0] }
        }
    }
}
