import Foundation
import Testing
import ReleaseLedger
@testable import TestSupport

/// The PostgreSQL ledger's connection, against a real server: the login from the URL,
/// PGPASSWORD or the password file, TLS as libpq's modes say, and each failure one clear
/// `LedgerError` (unreachable: try again; refused: fix the address), never with the password.
@Suite struct PostgresSessionTests {
    @Test func addressesAreReadAsLibpqReadsThem() throws {
        let plain = try PostgresAddress.parse(
            "postgres://release@db.example.org/casa", environment: ["HOME": "/nonexistent"])
        #expect(
            plain.host == "db.example.org" && plain.port == 5432 && plain.user == "release" && plain.database == "casa")
        #expect(
            plain.tls == .prefer && plain.password == nil
                && plain.description == "postgres://release@db.example.org:5432/casa")
        let full = try PostgresAddress.parse(
            "postgresql://r:s%40cret@127.0.0.1:6543/ledger?sslmode=verify-full&sslrootcert=/ca.pem&connect_timeout=3",
            environment: ["HOME": "/nonexistent"])
        #expect(
            full.password == "s@cret" && full.port == 6543 && full.tls == .verifyFull
                && full.rootCertificate == "/ca.pem" && full.connectTimeout == 3)
        #expect(!full.description.contains("cret"))
        let fromEnvironment = try PostgresAddress.parse(
            "postgres://db.example.org",
            environment: ["PGUSER": "u", "PGPASSWORD": "p", "PGSSLMODE": "require", "HOME": "/nonexistent"])
        #expect(
            fromEnvironment.user == "u" && fromEnvironment.database == "u" && fromEnvironment.password == "p"
                && fromEnvironment.tls == .require)
        for wrong in [
            "postgres:///casa", "postgres://h/casa?sslmode=sometimes", "postgres://h/casa?colour=blue",
            "postgres://h/a/b",
            "postgres://h/casa?connect_timeout=0", "postgres://h/casa?host=/run/postgresql", "mysql://h/casa",
        ] {
            #expect(throws: PostgresAddressError.self, "\(wrong)") {
                try PostgresAddress.parse(wrong, environment: ["HOME": "/nonexistent"])
            }
        }
    }

    @Test func thePasswordFileIsReadAsLibpqReadsIt() throws {
        let directory = NSTemporaryDirectory() + "pgpass-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/pgpass"
        try Data(
            "# comment\nother:5432:*:release:no\ndb.example.org:5432:casa:release:pa\\:ss\\\\word\n*:*:*:*:fallback\n"
                .utf8
        )
        .write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let environment = ["PGPASSFILE": file, "HOME": directory]
        #expect(
            try PostgresAddress.parse("postgres://release@db.example.org/casa", environment: environment).password
                == "pa:ss\\word")
        #expect(try PostgresAddress.parse("postgres://x@elsewhere/y", environment: environment).password == "fallback")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect(
            try PostgresAddress.parse("postgres://release@db.example.org/casa", environment: environment).password
                == nil,
            "a password file others can read is ignored, as libpq does")
    }

    @Test func aLoginFromTheURLTheEnvironmentOrTheFileConnectsAndQueries() throws {
        let server = try PostgresServer()
        let session = try PostgresSession.connect(
            try PostgresAddress.parse(server.url(), environment: ["HOME": server.directory]))
        let rows = try session.query(
            "SELECT $1::text, $2::bigint, $3::text, 1 + 1", [.text("casa ✓"), .integer(1 << 40), .null])
        #expect(rows == [["casa ✓", String(1 << 40), nil, "2"]])
        session.close()

        let environment = ["PGPASSWORD": server.password, "HOME": server.directory]
        #expect(
            try PostgresSession.connect(
                try PostgresAddress.parse(server.url(withPassword: false), environment: environment)
            )
            .query("SELECT current_user") == [[PostgresServer.user]])
        let file = server.directory + "/client.pgpass"
        try Data("127.0.0.1:\(server.port):postgres:\(PostgresServer.user):\(server.password)\n".utf8).write(
            to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        #expect(
            try PostgresSession.connect(
                try PostgresAddress.parse(
                    server.url(withPassword: false), environment: ["PGPASSFILE": file, "HOME": server.directory])
            )
            .query("SELECT 'from the file'") == [["from the file"]])
    }

    @Test func eachFailureIsOneClearErrorWithoutThePassword() throws {
        let server = try PostgresServer()
        func failure(_ url: String, _ environment: [String: String] = [:]) throws -> LedgerError? {
            do {
                _ = try PostgresSession.connect(
                    try PostgresAddress.parse(url, environment: ["HOME": server.directory].merging(environment) { $1 }))
                return nil
            } catch let error as LedgerError { return error }
        }
        let wrong = try #require(
            try failure(server.url().replacingOccurrences(of: server.password, with: "not-the-password")))
        guard case .refused = wrong else { Issue.record("not refused: \(wrong)"); return }
        #expect(
            wrong.description.contains("login was refused") && !wrong.description.contains("not-the-password"),
            "\(wrong)")

        let missing = try #require(try failure(server.url(database: "no_such_ledger")))
        #expect(
            missing.description.contains("no_such_ledger") && missing.description.contains("does not exist"),
            "\(missing)")

        let nobody = try FreePort.find()
        let unreachable = try #require(
            try failure("postgres://casa:secret@127.0.0.1:\(nobody)/postgres?connect_timeout=2"))
        guard case .unreachable = unreachable else { Issue.record("\(unreachable)"); return }
        #expect(!unreachable.description.contains("secret"))

        let noTLS = try #require(try failure(server.url(query: "sslmode=require")))
        #expect(noTLS.description.contains("does not offer TLS"), "\(noTLS)")

        // The server goes away under an open session: the next query is "unreachable", not a crash.
        let session = try PostgresSession.connect(
            try PostgresAddress.parse(server.url(), environment: ["HOME": server.directory]))
        server.stop()
        #expect {
            try session.query("SELECT 1")
        } throws: { error in
            guard case .unreachable? = error as? LedgerError else { return false }
            return true
        }
    }

    @Test func tlsIsCheckedAsTheModeSays() throws {
        let server = try PostgresServer(tls: true)
        let home = ["HOME": server.directory]
        let required = try PostgresSession.connect(
            try PostgresAddress.parse(server.url(query: "sslmode=require"), environment: home))
        let state = try required.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(state == [["t"]], "\(state)")
        let verified = try PostgresSession.connect(
            try PostgresAddress.parse(
                server.url(host: "localhost", query: "sslmode=verify-full&sslrootcert=\(server.caCertificate)"),
                environment: home))
        #expect(try verified.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [["t"]])

        // Another CA: refused, by verify-ca as by verify-full.
        let other = try PostgresServer(tls: true)
        for mode in ["verify-ca", "verify-full"] {
            #expect(throws: LedgerError.self, "\(mode)") {
                try PostgresSession.connect(
                    try PostgresAddress.parse(
                        server.url(host: "localhost", query: "sslmode=\(mode)&sslrootcert=\(other.caCertificate)"),
                        environment: home))
            }
        }
        // No root certificate to check against: refused before connecting.
        #expect {
            try PostgresSession.connect(
                try PostgresAddress.parse(server.url(query: "sslmode=verify-ca"), environment: home))
        } throws: { error in
            (error as? LedgerError)?.description.contains("needs the server's CA certificate") == true
        }
    }
}
