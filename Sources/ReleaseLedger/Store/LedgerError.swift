import Foundation

/// Why the ledger refused or could not do something.
public enum LedgerError: Error, Equatable, CustomStringConvertible {
    /// The file cannot be created or written (permissions, missing directory, read-only disk).
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not a casa-release ledger (another database, or not a database).
    case notALedger(path: String, reason: String)
    /// No ledger at this path, for a command that only reads.
    case missing(path: String)
    /// The ledger was written by a newer casa-release, whose migrations this one does not know.
    case newerSchema(path: String, unknownMigrations: [String])
    /// Optimistic concurrency: another writer appended to the stream first.
    case conflict(stream: String, expectedVersion: Int, actualVersion: Int)
    case unknownRun(String)
    case ambiguousRun(prefix: String, matches: [String])
    /// No image the ledger knows answers to this reference.
    case unknownImage(String)
    /// Several different images answer to this reference.
    case ambiguousImage(reference: String, matches: [String])
    /// An event that cannot be read back.
    case unreadableEvent(sequence: Int64, reason: String)
    /// The ledger was written by an older casa-release and needs its migrations, which a
    /// command that only reads does not apply.
    case olderSchema(path: String, pendingMigrations: [String])
    /// The file open as the ledger is no longer the file at its path (deleted or replaced while
    /// a run went on): nothing more may be recorded.
    case moved(path: String)
    /// No ledger at the path, but its head anchor says one was there.
    case vanished(path: String, anchor: ChainAnchor)
    /// A database server of the ledger does not answer, or went away: trying again may work.
    case unreachable(address: String, reason: String)
    /// The ledger's server ended a wait or a statement at its bound (`lock_timeout`,
    /// `statement_timeout`): another writer holds the chain, or the server is overloaded.
    /// Nothing of the statement was recorded; trying again later may work.
    case busy(address: String, reason: String)
    /// A database server answered and refused: the login, the database, TLS. Trying again as is
    /// will not work.
    case refused(address: String, reason: String)
    /// A database server refused a statement for a reason not classified above.
    case serverError(address: String, state: String, message: String)
    /// A ledger copy's destination already holds a history that is not the source's.
    case otherHistory(path: String, reason: String)
    /// A ledger copy's source recorded events while it was copied: what was committed is its
    /// history still, and the same copy run again goes on from there.
    case sourceChanged(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open the ledger \(path): \(reason)"
        case .notALedger(let path, let reason): return "\(path) is not a casa-release ledger: \(reason)"
        case .missing(let path):
            return "no ledger at \(path): nothing has been recorded there (see --ledger and --base-dir)"
        case .newerSchema(let path, let unknown):
            return
                "the ledger \(path) was written by a newer casa-release (unknown migrations: \(unknown.joined(separator: ", ")))"
        case .conflict(let stream, let expected, let actual):
            return
                "conflict on run \(stream): expected to append at version \(expected + 1), but another writer is at version \(actual)"
        case .unknownRun(let prefix): return "no run matches \(prefix) (see 'casa-release runs')"
        case .ambiguousRun(let prefix, let matches):
            return "\(prefix) matches several runs: \(matches.joined(separator: ", ")); give more of the id"
        case .unknownImage(let reference):
            return
                "no image recorded in this ledger answers to \(reference) (an image path, image_id, sha256 or a unique prefix of it, or a published file name or URL; see 'casa-release import' for images made before casa-release)"
        case .ambiguousImage(let reference, let matches):
            return
                "\(reference) names several images: \(matches.joined(separator: "; ")); give more of the sha256, or the image_id"
        case .unreadableEvent(let sequence, let reason): return "event \(sequence) cannot be read: \(reason)"
        case .olderSchema(let path, let pending):
            return
                "the ledger \(path) was written by an older casa-release (missing migrations: \(pending.joined(separator: ", "))); upgrade it once with 'casa-release rebuild-projections' (a command that only reads never changes the file)"
        case .moved(let path):
            return
                "the ledger \(path) was deleted or replaced while this run was going on: the history of this run is in danger, so nothing more is done or recorded; put the ledger back (with its -wal file) and resume"
        case .unreachable(let address, let reason): return "the ledger \(address) cannot be reached: \(reason)"
        case .refused(let address, let reason): return "the ledger \(address) refused: \(reason)"
        case .busy(let address, let reason):
            return "the ledger \(address) is busy: \(reason); nothing more was recorded: run the same command again"
        case .serverError(let address, let state, let message):
            return "the ledger \(address) failed a statement: \(message) (SQLSTATE \(state))"
        case .otherHistory(let path, let reason):
            return
                "the ledger \(path) already holds another history: \(reason); nothing was copied (copy into an empty database)"
        case .sourceChanged(let path, let reason):
            return "the ledger \(path) was written to while it was copied: \(reason)"
        case .vanished(let path, let anchor):
            return
                "the ledger \(path) is missing: its head anchor \(ChainAnchor.path(for: path)) says it held \(anchor.sequence) events: restore it (with its -wal file) rather than start a new history; to start a new ledger on purpose, remove the anchor"
        }
    }
}
