import Foundation
import GRDB
import GRDBSQLite

/// What is at a ledger path, found by reading only: nothing is created, converted or locked
/// before casa-release knows the file is its own.
enum LedgerFile {
    enum Finding: Equatable {
        /// No file (and no dangling link): a write command may create a new ledger here.
        case absent
        /// An SQLite database file, to be checked for the ledger's tables.
        case database
        /// What an interrupted creation by an earlier casa-release left (an empty file): it holds
        /// nothing, and a writer may replace it, saying so.
        case leftover(String)
    }

    /// The first 16 bytes of every SQLite 3 database.
    static let sqliteHeader = Array("SQLite format 3\u{0}".utf8)

    /// Looks at `path` without changing it: a link is followed, a loop or a dangling link is an
    /// error, and anything but a non-empty SQLite file is "not a ledger".
    static func inspect(_ path: String) throws -> Finding {
        var link = stat()
        guard lstat(path, &link) == 0 else {
            let error = errno
            if error == ENOENT { return .absent }
            throw LedgerError.cannotOpen(path: path, reason: String(cString: strerror(error)))
        }
        var target = stat()
        guard stat(path, &target) == 0 else {
            let error = errno
            if error == ENOENT {
                throw LedgerError.cannotOpen(path: path, reason: "it is a symbolic link to a file that does not exist")
            }
            throw LedgerError.cannotOpen(path: path, reason: String(cString: strerror(error)))
        }
        switch target.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw LedgerError.cannotOpen(path: path, reason: "it is a directory")
        default: throw LedgerError.notALedger(path: path, reason: "it is not a regular file")
        }
        if target.st_size == 0 { return .leftover("an empty file") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw LedgerError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var header = [UInt8](repeating: 0, count: sqliteHeader.count)
        let count = read(descriptor, &header, header.count)
        guard count == header.count, header == sqliteHeader else {
            throw LedgerError.notALedger(path: path, reason: "it is not an SQLite database")
        }
        return .database
    }

    /// Whether nothing is at `path` (no file, no dangling link).
    static func isAbsent(_ path: String) -> Bool {
        var link = stat()
        return lstat(path, &link) != 0 && errno == ENOENT
    }

    /// Whether `path` itself is a symbolic link.
    static func isSymbolicLink(_ path: String) -> Bool {
        var link = stat()
        return lstat(path, &link) == 0 && link.st_mode & S_IFMT == S_IFLNK
    }

    /// Reads what is at `path`, changing nothing: nil for no file or a ledger (its tables
    /// checked on a read-only connection), a description for a leftover of a cut creation;
    /// anything else is `LedgerError.notALedger` (another application's database, not a database).
    static func existingLedgerOrLeftover(_ path: String) throws -> String? {
        switch try inspect(path) {
        case .absent: return nil
        case .leftover(let what): return what
        case .database:
            let probe = try SQLiteLedgerStore.connect(path: path, readOnly: true)
            defer { probe.close() }
            do {
                try probe.readDatabase { db in try requireLedgerTables(db, path: path) }
                return nil
            } catch let error as LedgerError {
                guard case .notALedger = error, let what = try leftover(inDatabaseAt: path) else { throw error }
                return what
            }
        }
    }

    /// Checks, on a connection that has not written anything, that the database holds a ledger:
    /// the migrations table with the first migration applied, and the event log.
    static func requireLedgerTables(_ db: Database, path: String) throws {
        let tables = Set(
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        guard tables.contains("grdb_migrations"), tables.contains("events") else {
            let shown = tables.sorted().prefix(5).joined(separator: ", ")
            throw LedgerError.notALedger(
                path: path,
                reason: tables.isEmpty ? "it is an SQLite database with no tables" : "it holds other tables (\(shown))")
        }
        let first = EmbeddedMigrations.all.first?.name ?? ""
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        guard applied.contains(first) else {
            throw LedgerError.notALedger(path: path, reason: "its migrations are not casa-release's")
        }
    }

    /// What a database at `path` is, when it is what an interrupted creation left: only tables
    /// of the ledger's own schema (or none), and no event. Nil for anything else, a ledger with
    /// events or another application's database, which are never replaced.
    static func leftover(inDatabaseAt path: String) throws -> String? {
        let probe = try SQLiteLedgerStore.connect(path: path, readOnly: true)
        defer { probe.close() }
        return try probe.readDatabase { db -> String? in
            let tables = Set(
                try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
            guard tables.isSubset(of: try ledgerTables()) else { return nil }
            if tables.contains("events"), try Int.fetchOne(db, sql: "SELECT count(*) FROM events") != 0 { return nil }
            return tables.isEmpty
                ? "an SQLite database with no tables"
                : "a ledger whose creation was cut short (\(tables.sorted().joined(separator: ", ")), no event)"
        }
    }

    /// The tables of a new ledger: its migrations applied to a database in memory.
    private static func ledgerTables() throws -> Set<String> {
        let memory = try DatabaseQueue()
        try Ledger.migrator.migrate(memory)
        return try memory.read { db in
            Set(
                try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        }
    }

    /// The device and inode of the file at `path` now, following links; nil when there is none.
    static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Whether the file SQLite has open for `db` is no longer the file at its path: unlinked,
    /// renamed, or replaced (SQLite's `SQLITE_FCNTL_HAS_MOVED` compares the open file's inode
    /// and link count with the path's).
    static func hasMoved(_ db: Database) -> Bool {
        var moved: Int32 = 0
        let status = sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_HAS_MOVED, &moved)
        return status == SQLITE_OK && moved != 0
    }

    /// `path` as an SQLite URI that opens the file read-only and without any locking or WAL
    /// index (`immutable=1`): the way to read a ledger in a place where nothing can be written.
    static func immutableURI(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let escaped = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return "file:" + escaped + "?immutable=1"
    }
}

/// A file's device and inode: what tells one file from another at the same path.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
}
