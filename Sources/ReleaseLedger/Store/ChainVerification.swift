import Foundation
import GRDB

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
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY sequence")
            while let row = try cursor.next() {
                let event = RecordedEvent(row: row)
                func mismatch(_ reason: String) -> ChainReport {
                    ChainReport(checked: checked, firstMismatch: (event.sequence, reason))
                }
                if event.sequence != expectedSequence {
                    return ChainReport(checked: checked, firstMismatch: (expectedSequence, "event \(expectedSequence) is missing (the next is \(event.sequence))"))
                }
                if event.previousHash != previousHash {
                    return mismatch("its prev_hash does not match the hash of event \(event.sequence - 1)")
                }
                if HashChain.expectedHash(of: event) != event.hash {
                    return mismatch("its content does not match its hash (type \(event.type), run \(event.streamID))")
                }
                let expectedVersion = (versions[event.streamID] ?? 0) + 1
                if event.streamVersion != expectedVersion {
                    return mismatch("run \(event.streamID) jumps to version \(event.streamVersion), expected \(expectedVersion)")
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
