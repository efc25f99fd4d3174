import Foundation
import ReleaseStateMachine

/// What `Ledger.copyHistory(from:)` did.
public struct LedgerCopyReport: Codable, Equatable, Sendable {
    /// Events the source holds.
    public var sourceEvents: Int
    /// Events this copy added to the destination (0 when it already had them all).
    public var copied: Int
    /// Events the destination holds after the copy (more than the source's when it was written
    /// to after an earlier copy).
    public var destinationEvents: Int
    /// The destination's head after the copy: its last event's sequence and hash.
    public var headSequence: Int64
    public var headHash: String
}

extension Ledger {
    /// Checks that a ledger about to be copied is a whole, untouched history: its chain, and its
    /// end against its head anchor. A copy must never turn a cut or forged history into one that
    /// verifies in its new place; this walk is quick (a tenth of a full `verify`), so it is done
    /// before the destination is touched. Returns the chain's walk.
    public func verifyCopySource() throws -> ChainReport {
        let chain = try verifyChain()
        if let mismatch = chain.firstMismatch {
            throw LedgerError.notALedger(
                path: path,
                reason:
                    "its hash chain is broken at event \(mismatch.sequence) (\(mismatch.reason)); a broken history is not copied"
            )
        }
        if case .mismatch(let reason) = try checkAnchor() {
            throw LedgerError.notALedger(path: path, reason: "\(reason); a cut history is not copied")
        }
        return chain
    }

    /// Copies `source`'s whole history into this ledger, event by event with every field (and so
    /// every hash) as recorded, with projections that are those of the events; the chain of
    /// what each transaction wrote is walked before it commits.
    ///
    /// The source's chain and anchor are checked first (`verifyCopySource`); its projections
    /// are checked against its events on a thread of their own while the events are copied, and
    /// the copy's last transaction (its last events, and its projections) commits only once that
    /// check has passed: a source whose projections were edited leaves no projection, and not
    /// its last events, in the destination.
    ///
    /// Into a SQLite file: one transaction, the projections made from the events as appends
    /// make them; a copy interrupted copies nothing. Into PostgreSQL: `COPY … FROM STDIN`, the
    /// events in transactions of `bulkCopyBatch`, the last with the source's projection rows
    /// (an interrupted copy keeps the batches that committed, authentic events without their
    /// projections, and the same command goes on from there) (LedgerBulkCopy.swift).
    ///
    /// The destination must be empty, or already hold the source's events as its beginning (an
    /// earlier copy, whole or interrupted: then only what it lacks is added, and a second copy
    /// of the same source adds nothing). Any other history is `LedgerError.otherHistory`,
    /// untouched. `verified`: the source's `verifyCopySource()`, when the caller checked it
    /// already (before it opened, and so perhaps created, this ledger).
    /// `check`: the source's projection check, when the caller started it already (before its
    /// walk of the source's chain, so that both run at once).
    public func copyHistory(
        from source: Ledger, verified: ChainReport? = nil, check: CopySourceCheck? = nil
    ) throws -> LedgerCopyReport {
        try copyHistory(from: source, verified: verified, check: check, batch: Self.bulkCopyBatch)
    }

    /// `copyHistory`, with the events a copy into PostgreSQL commits at a time (tests make it small).
    func copyHistory(
        from source: Ledger, verified: ChainReport?, check: CopySourceCheck? = nil, batch: Int
    ) throws -> LedgerCopyReport {
        let projectionCheck = try check ?? CopySourceCheck(of: source)
        // Whatever the copy does, the check's thread ends before this returns: it reads the source.
        defer { projectionCheck.stop() }
        let sourceChain = try verified ?? source.verifyCopySource()
        let present = try read { destination in try sharedPrefix(with: source, destination, sourceChain) }
        let (copied, chain) =
            if let postgres = store as? PostgresLedgerStore {
                try bulkCopy(
                    from: source, after: present, sourceEvents: sourceChain.checked, batch: batch,
                    session: postgres.session, check: projectionCheck)
            } else {
                try foldedCopy(
                    from: source, after: present, sourceEvents: sourceChain.checked, check: projectionCheck)
            }
        return try checkCopy(of: source, sourceChain: sourceChain, copied: copied, chain: chain)
    }

    /// How many of the source's events this ledger holds already (0 when it is empty): they must
    /// be its beginning, hash for hash.
    func sharedPrefix(with source: Ledger, _ destination: LedgerSQL, _ sourceChain: ChainReport) throws -> Int64 {
        try source.read { origin in
            let present = try destination.value(Int64.self, "SELECT MAX(sequence) FROM events") ?? 0
            let theirs = try origin.cursor("SELECT sequence, hash FROM events ORDER BY sequence")
            var checked: Int64 = 0
            try destination.forEachRow("SELECT sequence, hash FROM events ORDER BY sequence") { mine in
                let sequence: Int64 = mine[0]
                let hash: String = mine[1]
                guard let other = try theirs.next() else { return }
                guard (other[0] as Int64) == sequence, (other[1] as String) == hash else {
                    throw LedgerError.otherHistory(
                        path: path, reason: "its event \(sequence) is not \(source.path)'s (hash \(hash.prefix(12))…)")
                }
                checked = sequence
            }
            guard checked == present || checked == Int64(sourceChain.checked) else {
                throw LedgerError.otherHistory(path: path, reason: "its events do not follow one another from 1")
            }
            return present
        }
    }

    /// The copy into a SQLite file: one transaction, the events folded into the projections as
    /// they are inserted, committed once the source's projections are checked.
    private func foldedCopy(
        from source: Ledger, after present: Int64, sourceEvents: Int, check: CopySourceCheck
    ) throws -> (copied: Int, chain: ChainReport?) {
        guard present < Int64(sourceEvents) else {
            try check.passed()
            return (0, nil)
        }
        return try immediateTransaction { destination -> (copied: Int, chain: ChainReport?) in
            try requireHead(present, destination)
            let copied = try source.read { origin -> Int in
                var folder = Projections.RunFolder { run, sequence in
                    try Projections.RunFolder.events(of: run, before: sequence, in: destination)
                }
                var count = 0
                // The events the chain walk checked, none the source recorded since.
                try origin.forEachRow(
                    "SELECT * FROM events WHERE sequence > \(present) AND sequence <= \(sourceEvents) ORDER BY sequence"
                ) { row in
                    let record = RecordedEvent(row: row)
                    try destination.execute(
                        """
                        INSERT INTO events (sequence, stream_id, stream_version, type, payload, recorded_at, actor, prev_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            record.sequence, record.streamID, record.streamVersion, record.type, record.payload,
                            record.recordedAt, record.actor, record.previousHash, record.hash,
                        ])
                    try folder.fold(record, into: destination)
                    count += 1
                    if count % 4096 == 0 { try check.throwIfFailed() }
                }
                try folder.flush(into: destination)
                return count
            }
            var walk = ChainWalk()
            let chain = try copiedChain(&walk, destination)
            try check.passed()
            return (copied, chain)
        }
    }

    /// The destination's chain walked on, in a copy's transaction before it commits, as far as
    /// what the transaction sent: what would not verify is not committed.
    func copiedChain(_ walk: inout ChainWalk, _ destination: LedgerSQL) throws -> ChainReport {
        let chain = try walk.continue(in: destination)
        if let mismatch = chain.firstMismatch {
            throw LedgerError.notALedger(
                path: path,
                reason:
                    "the copy's chain does not verify at event \(mismatch.sequence): \(mismatch.reason); nothing of it was committed"
            )
        }
        return chain
    }

    /// In a copy's write: nothing was appended since the events were compared (the chain's lock
    /// is held from here to the commit).
    func requireHead(_ present: Int64, _ destination: LedgerSQL) throws {
        let head = try destination.value(Int64.self, "SELECT MAX(sequence) FROM events") ?? 0
        guard head == present else {
            throw LedgerError.otherHistory(
                path: path, reason: "another writer appended to it during the copy (its event \(head))")
        }
    }

    /// The copy's chain (walked before it committed, or now when nothing was copied), its head
    /// the source's.
    private func checkCopy(
        of source: Ledger, sourceChain: ChainReport, copied: Int, chain walked: ChainReport?
    ) throws -> LedgerCopyReport {
        let chain = try walked ?? verifyChain()
        if let mismatch = chain.firstMismatch {
            throw LedgerError.notALedger(
                path: path,
                reason: "after the copy, its chain does not verify at event \(mismatch.sequence): \(mismatch.reason)")
        }
        // The copy holds the source's head, hash for hash: what was verified there is what is here.
        let sourceHead = try source.read { db in
            try db.row("SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1")
        }
        if let sourceHead {
            let sequence: Int64 = sourceHead["sequence"]
            let hash: String = sourceHead["hash"]
            let copiedHash = try read { db in
                try db.value(String.self, "SELECT hash FROM events WHERE sequence = ?", [sequence])
            }
            guard copiedHash == hash else {
                throw LedgerError.notALedger(
                    path: path,
                    reason: "after the copy, its event \(sequence) is not the source's head (\(hash.prefix(12))…)")
            }
        }
        let head = try read { db in try db.row("SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1") }
        return LedgerCopyReport(
            sourceEvents: sourceChain.checked, copied: copied, destinationEvents: chain.checked,
            headSequence: head?["sequence"] ?? 0, headHash: head?["hash"] ?? HashChain.genesis)
    }
}
