import Foundation
import GRDB

/// Makes a new SQLite ledger so that it appears at its path only complete: built under a hidden
/// name beside it (journal set to WAL, every migration applied, flushed), then renamed into
/// place. A process killed while the first command creates the ledger leaves at most the hidden
/// file, which the next creation removes; never a file at the ledger's path that no command
/// accepts (a SIGKILL a few milliseconds into the first command once left a 0-byte file there).
///
/// Creators are serialised by a lock on the ledger's directory (`flock`, released by the kernel
/// when a creator dies), and each looks again under the lock: two first commands at once make
/// one ledger, and the second opens the first's.
enum LedgerCreation {
    /// What a creation did: nothing (a ledger was there by the time the lock was held), made a
    /// new ledger, or made one in place of a leftover (described).
    enum Outcome: Equatable {
        case alreadyThere
        case created
        case replacedLeftover(String)
    }

    /// Creates the ledger at `path` unless a ledger is there by the time the directory is
    /// locked. A leftover (`LedgerFile.leftover`) at the path is replaced; anything else found
    /// there is left alone, and `Ledger.open` judges it as usual.
    static func create(at givenPath: String) throws -> Outcome {
        // A link to a leftover: the new ledger goes where the link points, and the link stays.
        let path =
            LedgerFile.isSymbolicLink(givenPath)
            ? (realpath(givenPath, nil).map { pointer in
                defer { free(pointer) }
                return String(cString: pointer)
            } ?? givenPath) : givenPath
        let directory = (path as NSString).deletingLastPathComponent
        let lock = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else {
            throw LedgerError.cannotOpen(path: path, reason: "its directory: \(String(cString: strerror(errno)))")
        }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw LedgerError.cannotOpen(
                    path: path, reason: "cannot lock its directory: \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(lock, LOCK_UN) }

        // A complete ledger made by another creator meanwhile, even one with no event yet, is
        // theirs and in use: only a leftover is replaced.
        let replaced = try LedgerFile.existingLedgerOrLeftover(path)
        if replaced == nil, !LedgerFile.isAbsent(path) { return .alreadyThere }
        // Under the lock no other creator runs: every hidden file of an earlier creation is a
        // leftover of a killed one.
        removeHiddenFiles(for: path)
        let hidden = hiddenPath(for: path)
        do {
            try build(hidden)
        } catch {
            removeHiddenFiles(for: path)
            if let error = error as? DatabaseError { throw SQLiteLedgerStore.classify(error, path: path) }
            throw error
        }
        guard rename(hidden, path) == 0 else {
            let reason = String(cString: strerror(errno))
            removeHiddenFiles(for: path)
            throw LedgerError.cannotOpen(path: path, reason: reason)
        }
        // The rename itself is made durable: a ledger that vanished at a power cut after its
        // first events were reported recorded would break the promise of every append.
        _ = fsync(lock)
        return replaced.map(Outcome.replacedLeftover) ?? .created
    }

    /// The hidden name a ledger is built under: `.<name>.creating` beside it.
    static func hiddenPath(for path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return (directory as NSString).appendingPathComponent("." + (path as NSString).lastPathComponent + ".creating")
    }

    /// Builds a complete, empty ledger at `hidden`, closed, with nothing left in a WAL.
    private static func build(_ hidden: String) throws {
        var configuration = Configuration()
        configuration.label = "casa-release new ledger"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let queue = try DatabaseQueue(path: hidden, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            if mode?.lowercased() != "wal" {
                throw DatabaseError(
                    resultCode: .SQLITE_CANTOPEN, message: "cannot switch the journal to WAL (got \(mode ?? "nothing"))"
                )
            }
        }
        try Ledger.migrator.migrate(queue)
        try queue.writeWithoutTransaction { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        let file = open(hidden, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { throw LedgerError.cannotOpen(path: hidden, reason: String(cString: strerror(errno))) }
        defer { close(file) }
        guard fsync(file) == 0 else {
            throw LedgerError.cannotOpen(path: hidden, reason: String(cString: strerror(errno)))
        }
    }

    private static func removeHiddenFiles(for path: String) {
        let hidden = hiddenPath(for: path)
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(hidden + suffix) }
    }
}
