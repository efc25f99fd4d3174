import Crypto
import Foundation
import ReleaseStateMachine

/// The ledger's hash chain: `hash = SHA-256(prev_hash || canonical bytes of the event)`.
///
/// The canonical bytes are every stored field but the hashes, each preceded by its length in
/// bytes, so that no two different events can have the same bytes (no separator can be forged).
public enum HashChain {
    /// The `prev_hash` of the first event.
    public static let genesis = String(repeating: "0", count: 64)

    public static func canonicalBytes(
        sequence: Int64, streamID: String, streamVersion: Int, type: String,
        payload: String, recordedAt: String, actor: String
    ) -> Data {
        var bytes = Data()
        for field in [String(sequence), streamID, String(streamVersion), type, recordedAt, actor, payload] {
            let utf8 = Data(field.utf8)
            bytes.append(contentsOf: "\(utf8.count):".utf8)
            bytes.append(utf8)
        }
        return bytes
    }

    public static func hash(previous: String, canonical: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(previous.utf8))
        hasher.update(data: canonical)
        return Hex.encode(hasher.finalize())
    }

    /// The hash the event should have, recomputed from its stored fields.
    public static func expectedHash(of event: RecordedEvent) -> String {
        hash(previous: event.previousHash, canonical: canonicalBytes(
            sequence: event.sequence, streamID: event.streamID, streamVersion: event.streamVersion,
            type: event.type, payload: event.payload, recordedAt: event.recordedAt, actor: event.actor))
    }
}
