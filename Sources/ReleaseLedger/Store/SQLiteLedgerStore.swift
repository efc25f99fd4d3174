import Foundation
import GRDB
import ReleaseStateMachine

/// A ledger in a SQLite file (the embedded default): WAL journal and `synchronous=FULL`, every
/// write one `BEGIN IMMEDIATE` transaction, and the head anchor file beside it.
final class SQLiteLedgerStore: LedgerStore {
    let path: String
    let queue: DatabaseQueue
    let isReadOnly: Bool
    /// What the connection was opened on: the path, or the immutable URI of a ledger read where
    /// nothing can be written.
    private let connectionPath: String
    /// The head this process last wrote to the anchor file, so that an unchanged head is not
    /// written again.
    private var anchoredHead: ChainAnchor?

    var location: String { path }
    var dialect: SQLDialect { .sqlite }

    private init(path: String, queue: DatabaseQueue, readOnly: Bool, connectionPath: String? = nil) {
        self.path = path
        self.queue = queue
        self.isReadOnly = readOnly
        self.connectionPath = connectionPath ?? path
    }

    /// Opens a connection to the ledger file at `path` (or to `connectionPath`, an immutable URI
    /// of it), in SQLite's read-only mode when `readOnly`.
    static func connect(path: String, readOnly: Bool, connectionPath: String? = nil) throws -> SQLiteLedgerStore {
        SQLiteLedgerStore(
            path: path, queue: try openQueue(path: connectionPath ?? path, readOnly: readOnly, reportedPath: path),
            readOnly: readOnly, connectionPath: connectionPath)
    }

    private static func openQueue(path: String, readOnly: Bool, reportedPath: String? = nil) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "casa-release ledger"
        configuration.readonly = readOnly
        if !readOnly {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw classify(error, path: reportedPath ?? path)
        }
    }

    static func classify(_ error: DatabaseError, path: String) -> LedgerError {
        let reason = error.message ?? "\(error.resultCode)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .notALedger(path: path, reason: reason)
        default:
            return .cannotOpen(path: path, reason: reason)
        }
    }

    /// A read on GRDB's connection, with SQLite's errors told as ledger errors.
    func readDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
    }

    func read<T>(_ body: (LedgerSQL) throws -> T) throws -> T {
        try readDatabase { db in try body(SQLiteLedgerSQL(db)) }
    }

    /// `BEGIN IMMEDIATE`, after checking that the file SQLite has open is still the ledger at
    /// `path`: a ledger deleted or replaced while a run goes on stops the run before any further
    /// effect. After the commit, the head anchor is rewritten.
    func write<T>(_ body: (LedgerSQL) throws -> T) throws -> T {
        if isReadOnly { throw LedgerError.cannotOpen(path: path, reason: "opened read-only") }
        var result: T?
        var head: ChainAnchor?
        var ended = false
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    if LedgerFile.hasMoved(db) { throw LedgerError.moved(path: self.path) }
                    result = try body(SQLiteLedgerSQL(db))
                    // A cached statement: compiling it again at each append was 3% of one.
                    let last = try Row.fetchOne(
                        db.cachedStatement(
                            sql: "SELECT sequence, hash, type FROM events ORDER BY sequence DESC LIMIT 1"))
                    head = last.map { ChainAnchor(sequence: $0["sequence"], hash: $0["hash"]) }
                    // A released lease ends a command's work on a run: the anchor is flushed there.
                    ended = last.map { ($0["type"] as String) == RunEvent.leaseReleasedType } ?? false
                    return .commit
                }
            }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
        // The anchor is a lower bound of the log's head: an anchor left behind (a full disk) is
        // still true, so failing to move it must not make a committed append look failed.
        if let head, head != anchoredHead, (try? head.write(for: path, durable: ended)) != nil { anchoredHead = head }
        return result!
    }

    /// A write that appends no event, so that there is no head to anchor: the lease heartbeat.
    func updateOutsideTheChain<T>(_ body: (LedgerSQL) throws -> T) throws -> T {
        do {
            return try queue.write { db in try body(SQLiteLedgerSQL(db)) }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
    }

    func openReader() throws -> LedgerStore {
        try Self.connect(path: path, readOnly: true, connectionPath: connectionPath)
    }

    func recordedHead() throws -> ChainAnchor? {
        try ChainAnchor.read(for: path)
    }

    func close() {
        try? queue.close()
    }
}
