import Foundation
import Testing
@testable import ReleaseLedger
@testable import TestSupport

/// What crosses libpq: every kind of value the ledger binds comes back as it went (against a real
/// server), the session settings reach the server as `options`, and libpq's words for a failed
/// login become the ledger's errors.
@Suite struct PostgresWireTests {
    @Test func everyKindOfValueComesBackAsItWent() throws {
        let session = try PostgresSession.connect(try PostgresAddress.parse(try TestLedger.newDatabase()))
        defer { session.close() }
        let allBytes = Data((0...255).map { UInt8($0) })
        let values: [SQLValue] = [
            .text("casa ✓ 'quoted' \\ back"), .text(""), .integer(.max), .integer(.min), .real(0.1), .real(-1e300),
            .real(.infinity), .bool(true), .bool(false), .blob(allBytes), .blob(Data()), .null,
        ]
        let placeholders = (1...values.count).map { "$\($0)" }.joined(separator: ", ")
        let answer = try session.fetch("SELECT \(placeholders)", values)
        #expect(answer.columns.count == values.count)
        #expect(answer.rows == [values])
        let sum = try session.fetch("SELECT SUM(x) AS total FROM (VALUES (1::bigint), (2)) AS t(x)", [])
        #expect(sum.columns == ["total"] && sum.rows == [[.text("3")]], "NUMERIC is read as its text")
        let error = #expect(throws: LedgerError.self) { try session.fetch("SELECT 1/0", []) }
        guard case .serverError(_, let state, let message)? = error else {
            Issue.record("not a server error: \(String(describing: error))")
            return
        }
        #expect(state == "22012" && message == "division by zero")
        #expect(try session.query("SELECT 'still usable'") == [["still usable"]])
    }

    /// The benchmark's trace (CASA_RELEASE_SQL_TRACE) writes a statement with its values as
    /// literals: the server must read the same statement, value for value.
    @Test func aTracedStatementReadsAsTheBoundOne() throws {
        let session = try PostgresSession.connect(try PostgresAddress.parse(try TestLedger.newDatabase()))
        defer { session.close() }
        let values: [SQLValue] = [
            .text("it's '$2' \\ ✓"), .text(""), .integer(.max), .integer(.min), .real(0.1), .real(-1e300), .bool(true),
            .bool(false), .blob(Data((0...255).map { UInt8($0) })), .blob(Data()), .null,
        ]
        let sql = "SELECT " + (1...values.count).map { "$\($0)" }.joined(separator: ", ") + ", '$1 stays' AS quoted"
        let literal = PostgresStatementTrace.literal(sql, values)
        #expect(!literal.contains("$2") || literal.contains("'$2'"), "\(literal)")
        #expect(try session.fetch(literal, []).rows == session.fetch(sql, values).rows)
        #expect(try session.fetch(literal, []).rows.first?.last == .text("$1 stays"))
    }

    /// The ledger's `?` become `$n` outside quotes only (a doubled quote inside a string too).
    @Test func placeholdersAreNumberedOutsideQuotes() throws {
        let session = try PostgresSession.connect(try PostgresAddress.parse(try TestLedger.newDatabase()))
        defer { session.close() }
        let sql = PostgresLedgerSQL(session)
        #expect(
            sql.placeholders(#"SELECT ?, '?', "a?", ? WHERE x = 'it''s ?' AND y = ?"#)
                == #"SELECT $1, '?', "a?", $2 WHERE x = 'it''s ?' AND y = $3"#)
        #expect(
            try session.query(sql.placeholders("SELECT ?::text || '?', ?::text"), [.text("a"), .text("b")])
                == [["a?", "b"]])
    }

    /// COPY's text format carries every kind of value, the characters that end a field or a
    /// line included, as the bound statement does.
    @Test func aCopiedRowReadsAsItWent() throws {
        let session = try PostgresSession.connect(try PostgresAddress.parse(try TestLedger.newDatabase()))
        defer { session.close() }
        try session.query("CREATE TABLE t (n BIGINT, a TEXT, b TEXT, r DOUBLE PRECISION, f BOOLEAN, x BYTEA, z TEXT)")
        let rows: [[SQLValue]] = [
            [
                .integer(.min), .text("tab\there\nnew line\r\\N back\\slash ✓"), .text(""), .real(-1e300), .bool(true),
                .blob(Data((0...255).map { UInt8($0) })), .null,
            ],
            [.integer(.max), .text("\\."), .text("\\N"), .real(0.1), .bool(false), .blob(Data()), .text("last")],
        ]
        var remaining = rows[...]
        #expect(try session.copyIn("COPY t FROM STDIN") { remaining.popFirst() } == 2)
        #expect(try session.fetch("SELECT * FROM t ORDER BY n", []).rows == rows)
    }

    @Test func theSessionSettingsReachTheServer() throws {
        var address = try PostgresAddress.parse(try TestLedger.newDatabase())
        address.settings = ["lock_timeout": "7s", "DateStyle": "ISO, DMY"]
        address.applicationName = "casa-release pid 1 on host a"
        let session = try PostgresSession.connect(address)
        defer { session.close() }
        #expect(
            try session.query("SELECT current_setting('lock_timeout'), current_setting('DateStyle')")
                == [["7s", "ISO, DMY"]])
        #expect(try session.query("SELECT current_setting('idle_in_transaction_session_timeout')") == [["10s"]])
        #expect(try session.query("SELECT current_setting('jit')") == [["off"]])
        #expect(try session.query("SELECT current_setting('application_name')") == [[address.applicationName]])
    }

    @Test func optionsAreWrittenAsTheyAreRead() throws {
        let settings = ["lock_timeout": "5s", "search_path": "a\\ b c", "statement_timeout": "1min"]
        let text = PostgresConnectionParameters.options(settings.sorted { $0.key < $1.key })
        #expect(try PostgresSessionSettings.parseOptions(text) == settings)
    }

    @Test(arguments: [
        (
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  28P01: password authentication failed for user \"casa\"\nLOCATION:  auth_failed, auth.c:326\n",
            "refused", "the login was refused (password authentication failed for user \"casa\")"
        ),
        (
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  3D000: database \"nope\" does not exist\n",
            "refused", "database \"nope\" does not exist: create it"
        ),
        (
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  57P03: the database system is starting up\n",
            "unreachable", "the database system is starting up (SQLSTATE 57P03)"
        ),
        (
            "connection to server at \"127.0.0.1\", port 5432 failed: server does not support SSL, but SSL was required\n",
            "refused", "does not offer TLS"
        ),
        (
            "connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify failed\n",
            "refused", "the server's certificate was refused (sslmode=prefer): SSL error: certificate verify failed"
        ),
        (
            "could not translate host name \"nowhere.invalid\" to address: Name or service not known\n",
            "refused", "does not resolve"
        ),
        (
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n",
            "unreachable", "no answer from db.example.org:5432 (Connection refused)"
        ),
    ])
    func aFailedLoginIsTheLedgersError(_ message: String, _ kind: String, _ reason: String) throws {
        let address = try PostgresAddress.parse(
            "postgres://casa@db.example.org/casa", environment: ["HOME": "/nonexistent"])
        let error = PostgresFailure.login(message: message, needsPassword: false, address: address)
        switch error {
        case .refused(_, let text): #expect(kind == "refused" && text.contains(reason), "\(text)")
        case .unreachable(_, let text): #expect(kind == "unreachable" && text.contains(reason), "\(text)")
        default: Issue.record("\(error)")
        }
    }

    @Test func byteaIsReadFromItsHexadecimalForm() {
        #expect(PostgresText.hex("\\x00ff7F") == Data([0, 255, 127]))
        #expect(PostgresText.hex("\\x") == Data())
        #expect(PostgresText.hex("\\x0") == nil && PostgresText.hex("00") == nil && PostgresText.hex("\\xzz") == nil)
    }
}
