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
            var previousHash = HashChain.genesis
            var expectedSequence: Int64 = 1
            var versions: [String: Int] = [:]
            var checked = 0
            var canonical: [UInt8] = []
            // Columns by position: a lookup by name per column and row was a tenth of the walk.
            let cursor = try db.cursor(
                """
                SELECT sequence, stream_id, stream_version, type, payload, recorded_at, actor, prev_hash, hash FROM events ORDER BY sequence
                """)
            while let row = try cursor.next() {
                let event = RecordedEvent(
                    sequence: row[0], streamID: row[1], streamVersion: row[2], type: row[3], payload: row[4],
                    recordedAt: row[5], actor: row[6], previousHash: row[7], hash: row[8])
                func mismatch(_ reason: String) -> ChainReport {
                    ChainReport(checked: checked, firstMismatch: (event.sequence, reason))
                }
                if event.sequence != expectedSequence {
                    return ChainReport(
                        checked: checked,
                        firstMismatch: (
                            expectedSequence, "event \(expectedSequence) is missing (the next is \(event.sequence))"
                        ))
                }
                if event.previousHash != previousHash {
                    return mismatch("its prev_hash does not match the hash of event \(event.sequence - 1)")
                }
                HashChain.appendCanonical(
                    sequence: event.sequence, streamID: event.streamID, streamVersion: event.streamVersion,
                    type: event.type,
                    payload: event.payload, recordedAt: event.recordedAt, actor: event.actor, to: &canonical)
                if canonical.withUnsafeBytes({ HashChain.hash(previous: event.previousHash, canonical: $0) })
                    != event.hash
                {
                    return mismatch("its content does not match its hash (type \(event.type), run \(event.streamID))")
                }
                let expectedVersion = (versions[event.streamID] ?? 0) + 1
                if event.streamVersion != expectedVersion {
                    return mismatch(
                        "run \(event.streamID) jumps to version \(event.streamVersion), expected \(expectedVersion)")
                }
                versions[event.streamID] = expectedVersion
                previousHash = event.hash
                expectedSequence += 1
                checked += 1
            }
            return ChainReport(checked: checked, firstMismatch: nil)
        }
    }
}
