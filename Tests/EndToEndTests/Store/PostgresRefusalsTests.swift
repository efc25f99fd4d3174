import Foundation
import Testing
import ReleaseLedger
@testable import TestSupport

/// What a PostgreSQL ledger refuses, through the binary: a database that is not a ledger (empty,
/// or another application's, even where the release role cannot see that application's tables)
/// is exit 65 and left as it was; a login that cannot succeed is 69 and a malformed URL 64, never
/// the 75 that tells a script to try again. Always on PostgreSQL.
@Suite struct PostgresRefusalsTests {
    /// A database owned by a release role (`release_<id>`) holding another role's tables, which
    /// the release role has no privilege on; its URL as the release role.
    static func foreignDatabase(_ server: PostgresServer, tables: [String]) throws -> (url: String, database: String) {
        let id = UUID().uuidString.prefix(8).lowercased()
        let role = "release_\(id)"
        let owner = "shop_\(id)"
        let database = "mixed_\(id)"
        try server.psql("CREATE ROLE \(role) LOGIN PASSWORD 'rel-\(id)'; CREATE ROLE \(owner)")
        try server.psql("CREATE DATABASE \(database) OWNER \(role)")
        for table in tables {
            try server.psql(
                "CREATE TABLE \(table) (id INTEGER); ALTER TABLE \(table) OWNER TO \(owner)", database: database)
        }
        return ("postgres://\(role):rel-\(id)@127.0.0.1:\(server.port)/\(database)", database)
    }

    static func publicTables(_ server: PostgresServer, _ database: String) throws -> String {
        try server.psql(
            "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
            database: database)
    }

    @Test func anotherApplicationsTablesAreSeenEvenWhereTheReleaseRoleCannotReadThem() async throws {
        try await onItsOwnThread {
            let server = try TestLedger.server()
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .sqliteFile)
            for tables in [["orders"], ["events"], ["runs", "orders"]] {
                let (url, database) = try Self.foreignDatabase(server, tables: tables)
                for arguments in [["runs"], ["status"], ["verify"], workspace.createArguments] {
                    let result = try workspace.run(
                        arguments + ["--ledger", url], environment: ["HOME": workspace.root])
                    #expect(result.status == 65, "\(tables) \(arguments): \(result.stderr)")
                    #expect(
                        result.stderr.contains("is not a casa-release ledger") && result.stderr.contains(tables[0]),
                        "\(result.stderr)")
                    #expect(!result.stderr.contains("SQLSTATE") && !result.stderr.contains("rel-"), "\(result.stderr)")
                    #expect(
                        try Self.publicTables(server, database) == tables.sorted().joined(separator: ","),
                        "\(arguments) left it as it was")
                }
            }
        }
    }

    @Test func anEmptyDatabaseHasNoLedgerForACommandThatOnlyReads() async throws {
        try await onItsOwnThread {
            let server = try TestLedger.server()
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .sqliteFile)
            let url = try TestLedger.newDatabase()
            for arguments in [["runs"], ["runs", "--json"], ["status"], ["verify"]] {
                let result = try workspace.run(arguments + ["--ledger", url])
                #expect(
                    result.status == 65 && result.stderr.contains("no ledger at postgres://casa@"),
                    "\(arguments): \(result.stdout)\(result.stderr)")
            }
            let database = String(url.split(separator: "/").last!)
            #expect(try Self.publicTables(server, database).isEmpty, "reads created nothing")
        }
    }

    @Test func aLoginThatCannotSucceedIs69AndABrokenURLIs64() async throws {
        try await onItsOwnThread {
            let server = try TestLedger.server()
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .sqliteFile)
            let home = ["HOME": workspace.root]
            let base = "postgres://casa@127.0.0.1:\(server.port)/postgres"
            for (url, status, message) in [
                (base, Int32(69), "asks casa for a password and none was given"),
                (
                    "postgres://casa:\(server.password.dropLast())@127.0.0.1:\(server.port)/postgres", 69,
                    "login was refused"
                ),
                (
                    "postgres://casa:%zz\(server.password)@127.0.0.1:\(server.port)/postgres", 64,
                    "a % that is not followed by two hexadecimal digits"
                ),
                ("postgres://ca%zzsa@127.0.0.1:\(server.port)/postgres", 64, "its user name has a %"),
                ("postgres://casa@127.0.0.1:\(server.port)/led%zger", 64, "its database name has a %"),
            ] {
                for arguments in [["runs"], workspace.createArguments] {
                    let result = try workspace.run(arguments + ["--ledger", url], environment: home)
                    #expect(result.status == status, "\(url) \(arguments): \(result.stderr)")
                    #expect(result.stderr.contains(message), "\(url): \(result.stderr)")
                    #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
                    #expect(!result.stderr.contains(server.password.dropLast()), "no password: \(result.stderr)")
                }
            }
            #expect(!FileManager.default.fileExists(atPath: workspace.ledgerPath), "no ledger fell back to the file")
        }
    }
}
