import Foundation
import GRDB
import Hashing
import ReleaseStateMachine

/// What a `verify` that found nothing remembers of the ledger it checked: the last event its
/// chain walk covered (sequence and hash), and for each run, how many events it had and the
/// digest of its projection rows (ProjectionDigests.swift).
///
/// The next `verify` walks the whole chain again, then replays only the runs that are not as
/// remembered: a run whose events are still the same (the walk ends on the same event at the
/// remembered sequence, so the log up to there is the one checked, and the run has as many
/// events) and whose rows have the same digest has rows that a replay showed to be what its
/// events make. A run with a new event, a row edited, added or removed, or a run the checkpoint
/// does not know, is replayed and compared row by row, as a full check does.
///
/// It is kept in the cache of the user who ran `verify` (`location(forLedger:environment:)`),
/// not beside the ledger: whoever can edit the ledger cannot, by that alone, edit what its
/// verifier remembers. A checkpoint that is lost, unreadable or of another ledger only makes
/// the next `verify` a full one; `verify --full` ignores it (docs/decisions.md).
public struct VerificationCheckpoint: Equatable, Sendable {
    /// What is remembered of one run.
    public struct Run: Equatable, Sendable {
        /// How many events the run had (its last stream_version).
        public var version: Int
        /// The SHA-256 of its projection rows.
        public var digest: [UInt8]
    }

    /// The last event the walk covered.
    public var sequence: Int64
    public var hash: String
    public var runs: [String: Run]

    /// The format of the file; another one is not read (as if there were none).
    static let format = 1

    /// Where the checkpoint of the ledger at `location` (a SQLite file's path, made absolute
    /// and with its links resolved; a PostgreSQL ledger's address, without its password) is
    /// kept: `$XDG_CACHE_HOME/casa-release/verified/`, else `~/.cache/casa-release/verified/`,
    /// under a name made of the location's SHA-256. Nil without a home to keep it in.
    public static func location(forLedger location: String, environment: [String: String]) -> String? {
        let cache: String
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            cache = xdg
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            cache = home + "/.cache"
        } else {
            return nil
        }
        let identity =
            location.contains("://")
            ? location : URL(fileURLWithPath: location).standardizedFileURL.resolvingSymlinksInPath().path
        let name = Hex.encode(SHA256.hash(data: Array(identity.utf8))).prefix(32)
        return "\(cache)/casa-release/verified/\(name).sqlite"
    }

    /// The checkpoint kept at `path`; nil when there is none, or when the file is not one this
    /// version wrote (damaged, truncated, of another format): a cache read wrong is a cache
    /// missed.
    public static func load(from path: String) -> VerificationCheckpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db -> VerificationCheckpoint? in
                guard let head = try Row.fetchOne(db, sql: "SELECT format, sequence, hash FROM checkpoint"),
                    head["format"] as Int == format
                else { return nil }
                var runs: [String: Run] = [:]
                let cursor = try Row.fetchCursor(db, sql: "SELECT run_id, version, digest FROM runs")
                while let row = try cursor.next() {
                    let digest: Data = row[2]
                    runs[row[0]] = Run(version: row[1], digest: [UInt8](digest))
                }
                return VerificationCheckpoint(sequence: head["sequence"], hash: head["hash"], runs: runs)
            }
        } catch {
            return nil
        }
    }

    /// Writes the checkpoint at `path` (its directory made if needed): into a file beside it,
    /// `<path>.<pid>.part`, renamed over it once complete, so that a reader finds the old
    /// checkpoint or the new one. The part files of processes that no longer run (a `verify`
    /// killed while it saved) are removed first: only those, and only of this checkpoint.
    public func save(to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = (path as NSString).lastPathComponent
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let pid = file.dropFirst(name.count + 1).dropLast(".part".count)
            guard file.hasPrefix(name + "."), file.hasSuffix(".part"), let pid = pid_t(pid), pid > 0,
                kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            unlink(directory + "/" + file)
        }
        let partial = "\(path).\(getpid()).part"
        unlink(partial)
        do {
            let queue = try DatabaseQueue(path: partial)
            try queue.write { db in
                try db.execute(
                    sql: """
                        PRAGMA journal_mode = OFF;
                        CREATE TABLE checkpoint (format INTEGER NOT NULL, sequence INTEGER NOT NULL, hash TEXT NOT NULL);
                        CREATE TABLE runs (run_id TEXT PRIMARY KEY, version INTEGER NOT NULL, digest BLOB NOT NULL) WITHOUT ROWID;
                        """)
                try db.execute(
                    sql: "INSERT INTO checkpoint VALUES (?, ?, ?)", arguments: [Self.format, sequence, hash])
                let insert = try db.makeStatement(sql: "INSERT INTO runs VALUES (?, ?, ?)")
                for (run, remembered) in runs {
                    try insert.execute(arguments: [run, remembered.version, Data(remembered.digest)])
                }
            }
            try queue.close()
            guard rename(partial, path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        } catch {
            unlink(partial)
            throw error
        }
    }
}
