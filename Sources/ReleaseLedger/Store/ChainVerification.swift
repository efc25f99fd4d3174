import Foundation

/// The result of walking the hash chain.
public struct ChainReport: Equatable, Sendable {
    public var checked: Int
    /// The first event that does not match, and why; nil when the chain is intact.
    public var firstMismatch: (sequence: Int64, reason: String)?

    public static func == (lhs: ChainReport, rhs: ChainReport) -> Bool {
        lhs.checked == rhs.checked && lhs.firstMismatch?.sequence == rhs.firstMismatch?.sequence
            && lhs.firstMismatch?.reason == rhs.firstMismatch?.reason
    }
}

extension Ledger {
    /// Walks every event in order and checks the chain: consecutive sequences, each `prev_hash`
    /// equal to the previous event's hash, each hash equal to the one recomputed from the stored
    /// fields, and consecutive versions within each run. Stops at the first mismatch.
    public func verifyChain() throws -> ChainReport {
        try read { db in
            var walk = ChainWalk()
            return try walk.continue(in: db)
        }
    }
}

/// A walk of the hash chain that can stop and go on: a copy walks each batch of events it sent,
/// in the transaction that sent them, before it commits them (LedgerBulkCopy.swift).
struct ChainWalk {
    private var previousHash = HashChain.genesis
    private var expectedSequence: Int64 = 1
    /// Each run's events among those walked: how many (its last stream_version), and the
    /// sequence of its last.
    private(set) var runEnds: [String: (version: Int, last: Int64)] = [:]
    private var checked = 0
    private var canonical: [UInt8] = []

    /// The last event walked: its sequence (0 before any) and its hash.
    var end: (sequence: Int64, hash: String) { (expectedSequence - 1, previousHash) }

    /// The events of `db` after those walked so far, up to its end (a snapshot, or a write
    /// transaction, which sees what it wrote). The report covers every event walked since the
    /// first.
    mutating func `continue`(in db: LedgerSQL) throws -> ChainReport {
        // Columns by position: a lookup by name per column and row was a tenth of the walk.
        let cursor = try db.cursor(
            """
            SELECT sequence, stream_id, stream_version, type, payload, recorded_at, actor, prev_hash, hash FROM events WHERE sequence >= \(expectedSequence) ORDER BY sequence
            """)
        while let row = try cursor.next() {
            let event = RecordedEvent(
                sequence: row[0], streamID: row[1], streamVersion: row[2], type: row[3], payload: row[4],
                recordedAt: row[5], actor: row[6], previousHash: row[7], hash: row[8])
            if let reason = check(event) { return ChainReport(checked: checked, firstMismatch: reason) }
        }
        return ChainReport(checked: checked, firstMismatch: nil)
    }

    /// The event checked against the walk so far, which it then extends; or where and why it
    /// breaks the chain.
    private mutating func check(_ event: RecordedEvent) -> (sequence: Int64, reason: String)? {
        if event.sequence != expectedSequence {
            return (expectedSequence, "event \(expectedSequence) is missing (the next is \(event.sequence))")
        }
        if event.previousHash != previousHash {
            return (event.sequence, "its prev_hash does not match the hash of event \(event.sequence - 1)")
        }
        HashChain.appendCanonical(
            sequence: event.sequence, streamID: event.streamID, streamVersion: event.streamVersion, type: event.type,
            payload: event.payload, recordedAt: event.recordedAt, actor: event.actor, to: &canonical)
        if canonical.withUnsafeBytes({ HashChain.hash(previous: event.previousHash, canonical: $0) }) != event.hash {
            return (event.sequence, "its content does not match its hash (type \(event.type), run \(event.streamID))")
        }
        let expectedVersion = (runEnds[event.streamID]?.version ?? 0) + 1
        if event.streamVersion != expectedVersion {
            return (
                event.sequence,
                "run \(event.streamID) jumps to version \(event.streamVersion), expected \(expectedVersion)"
            )
        }
        runEnds[event.streamID] = (expectedVersion, event.sequence)
        previousHash = event.hash
        expectedSequence += 1
        checked += 1
        return nil
    }
}
