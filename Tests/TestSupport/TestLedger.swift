import Foundation
import ReleaseLedger

/// Which store the end-to-end suite keeps its ledgers in: SQLite files (the default), or
/// PostgreSQL when `CASA_RELEASE_TEST_LEDGER=postgres`: one suite, two stores. The README's test
/// command runs the suite both ways.
///
/// On PostgreSQL, one server serves the whole test process (started on first use, killed when
/// the process exits), and every workspace has a database of its own on it, named to
/// casa-release by `CASA_RELEASE_LEDGER`, as a team would name theirs.
enum TestLedger {
    static let isPostgres = ProcessInfo.processInfo.environment["CASA_RELEASE_TEST_LEDGER"] == "postgres"

    /// Where a workspace keeps its ledger.
    enum Choice {
        /// The store the suite runs on.
        case suitesStore
        /// A SQLite file whatever the suite's store: for the tests of the file itself (deleted,
        /// damaged, replaced, an older SQLite schema), which then run in both passes.
        case sqliteFile
        /// This PostgreSQL database, whatever the suite's store.
        case postgres(String)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared: PostgresServer?

    /// The test process's PostgreSQL server.
    static func server() throws -> PostgresServer {
        lock.lock()
        defer { lock.unlock() }
        if let shared { return shared }
        let server = try PostgresServer()
        shared = server
        atexit { TestLedger.stopServer() }
        return server
    }

    private static func stopServer() {
        shared?.stop()
        if let directory = shared?.directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// A new, empty database on the shared server; its URL (with the password, as a team's
    /// `CASA_RELEASE_LEDGER` would have it, or `~/.pgpass`).
    static func newDatabase() throws -> String {
        let server = try server()
        let name = "w" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try server.psql("CREATE DATABASE \(name)")
        return server.url(database: name)
    }
}
