import Foundation
import ReleaseStateMachine

/// An event as stored in the ledger: its envelope (sequence, stream, version, time, actor) and
/// its place in the hash chain.
public struct RecordedEvent: Equatable, Sendable {
    /// Global position in the log, from 1.
    public var sequence: Int64
    /// The run the event belongs to.
    public var streamID: String
    /// Position within the run, from 1.
    public var streamVersion: Int
    public var type: String
    /// The canonical JSON payload.
    public var payload: String
    /// ISO 8601, UTC, milliseconds.
    public var recordedAt: String
    /// user@host
    public var actor: String
    public var previousHash: String
    public var hash: String

    /// The domain event.
    public func decoded() throws -> RunEvent {
        try RunEvent.decode(type: type, payloadText: payload)
    }
}
