import Foundation
import Hashing
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
        var bytes: [UInt8] = []
        appendCanonical(
            sequence: sequence, streamID: streamID, streamVersion: streamVersion, type: type,
            payload: payload, recordedAt: recordedAt, actor: actor, to: &bytes)
        return Data(bytes)
    }

    /// The canonical bytes written into `bytes` (emptied first), so that a walk of the chain
    /// reuses one buffer instead of allocating per field and per event.
    static func appendCanonical(
        sequence: Int64, streamID: String, streamVersion: Int, type: String,
        payload: String, recordedAt: String, actor: String, to bytes: inout [UInt8]
    ) {
        bytes.removeAll(keepingCapacity: true)
        func field(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                bytes.append(contentsOf: String(utf8.count).utf8)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: utf8)
            }
        }
        field(String(sequence)); field(streamID); field(String(streamVersion)); field(type)
        field(recordedAt); field(actor); field(payload)
    }

    public static func hash(previous: String, canonical: Data) -> String {
        canonical.withUnsafeBytes { hash(previous: previous, canonical: $0) }
    }

    static func hash(previous: String, canonical: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        var previous = previous
        previous.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        hasher.update(bufferPointer: canonical)
        return Hex.encode(hasher.finalize())
    }

    /// The hash the event should have, recomputed from its stored fields.
    public static func expectedHash(of event: RecordedEvent) -> String {
        hash(
            previous: event.previousHash,
            canonical: canonicalBytes(
                sequence: event.sequence, streamID: event.streamID, streamVersion: event.streamVersion,
                type: event.type, payload: event.payload, recordedAt: event.recordedAt, actor: event.actor))
    }
}
