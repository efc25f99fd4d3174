import Foundation

extension Ledger {
    /// The events a copy into PostgreSQL commits at a time: an interrupted copy keeps what it
    /// committed, and the same command goes on from there (`copyHistory`).
    static let bulkCopyBatch = 50_000

    /// The copy into PostgreSQL, with `COPY … FROM STDIN`: the events after `present` (up to
    /// `sourceEvents`, those the chain walk checked), a batch per transaction; the last batch's
    /// transaction also replaces the projection tables with the source's rows, in the order the
    /// source wrote them (its `rowid`: the order of the events that made them). Those rows are
    /// the events' own projections: `check` (the source's rebuild, running beside
    /// the copy) compared them row by row, and the copy's events are the source's, hash for
    /// hash. So a copy folds the history once, and its projections commit with its last events:
    /// a destination that holds the source's whole history holds its projections. Each
    /// transaction walks the chain of what it sent, as the server stored it, before it commits
    /// (`copiedChain`; the first walks the events the destination held already too). The last
    /// sends its events and projections while the source's check is still running, and waits
    /// for it only to commit: the server's work and the check's share the cores. A check that has
    /// failed already stops the copy before its next batch.
    ///
    /// Returns how many events were copied. Nothing to copy leaves the projections untouched
    /// (a destination written to after an earlier copy keeps its own).
    func bulkCopy(
        from source: Ledger, after present: Int64, sourceEvents: Int, batch: Int, session: PostgresSession,
        check: CopySourceCheck
    ) throws -> (copied: Int, chain: ChainReport?) {
        let end = Int64(sourceEvents)
        guard present < end else {
            try check.passed()
            return (0, nil)
        }
        var chain: ChainReport?
        var walk = ChainWalk()
        var next = present
        while next < end {
            try check.throwIfFailed()
            let last = min(next + Int64(batch), end)
            try immediateTransaction { destination in
                try requireHead(next, destination)
                try source.read { origin in
                    let rows = try origin.cursor(
                        """
                        SELECT \(Self.eventColumns) FROM events WHERE sequence > \(next) AND sequence <= \(last) ORDER BY sequence
                        """)
                    let count = try session.copyIn("COPY events (\(Self.eventColumns)) FROM STDIN") {
                        try rows.next()?.values
                    }
                    guard count == last - next else {
                        throw LedgerError.sourceChanged(
                            path: source.path, reason: "it holds \(count) of its events \(next + 1)...\(last) now")
                    }
                    guard last == end else {
                        _ = try copiedChain(&walk, destination)
                        return
                    }
                    // The projections of this snapshot of the source are those of the events
                    // copied only if it recorded nothing since the walk.
                    let head = try origin.value(Int64.self, "SELECT MAX(sequence) FROM events") ?? 0
                    guard head == end else {
                        throw LedgerError.sourceChanged(
                            path: source.path, reason: "it recorded events \(end + 1)...\(head) during the copy")
                    }
                    chain = try copiedChain(&walk, destination)
                    for table in Self.projectionTables.reversed() {
                        try destination.execute("DELETE FROM \(table.name)")
                    }
                    for table in Self.projectionTables {
                        try copyRows(of: table.name, key: table.key, from: origin, session: session, batch: batch)
                    }
                    // Sent, not committed: the server stores the rows while the check goes on.
                    try check.passed()
                }
            }
            next = last
        }
        // The planner's statistics of tables just filled: without them, until autovacuum comes
        // by, `status` of a 1,000,000-run copy took 118 ms instead of 42, a provenance 170 ms
        // instead of 7 (docs/benchmarks.md). (A role that does not own the tables is told a
        // warning, not an error.)
        _ = try session.query(PlannerStatistics.statement)
        return (Int(end - present), chain)
    }

    static let eventColumns = "sequence, stream_id, stream_version, type, payload, recorded_at, actor, prev_hash, hash"

    /// One projection table's rows from `origin`, in the order they were written, without the
    /// `rowid` (the destination numbers its rows itself, in the same order); at most `batch`
    /// rows a `COPY`, so that no statement outlasts the server's `statement_timeout` (a
    /// 1,000,000-run ledger has 13 million step rows: one `COPY` of them was cut).
    private func copyRows(
        of table: String, key: [String], from origin: LedgerSQL, session: PostgresSession, batch: Int
    ) throws {
        // SQLite numbers every table's rows; PostgreSQL's ledger those that have a rowid column.
        let order =
            origin.dialect == .sqlite || ["runs", "artifacts", "run_outputs"].contains(table)
            ? "rowid" : key.joined(separator: ", ")
        let rows = try origin.cursor("SELECT * FROM \(table) ORDER BY \(order)")
        guard let first = try rows.next() else { return }
        let kept = first.columns.indices.filter { first.columns[$0] != "rowid" }
        let statement = "COPY \(table) (\(kept.map { first.columns[$0] }.joined(separator: ", "))) FROM STDIN"
        // The next row not sent, read one ahead: the cursor is never read again once it ended.
        var pending: SQLRow? = first
        while pending != nil {
            var sent = 0
            _ = try session.copyIn(statement) {
                guard sent < batch, let row = pending else { return nil }
                sent += 1
                pending = try rows.next()
                return kept.map { row.values[$0] }
            }
        }
    }
}
