import CLibpq
import Foundation

/// One connection to a PostgreSQL ledger, for synchronous code: every call waits for its answer.
///
/// casa-release talks to the server through libpq, PostgreSQL's own client library (the one psql
/// uses): the login (SCRAM, md5), TLS as `sslmode` says, the wire protocol. The calls are libpq's
/// asynchronous ones waited for here with a deadline, so that a server that stops answering is
/// told as unreachable instead of holding the release for ever.
///
/// One session is used by one thread at a time (libpq's rule for a connection).
public final class PostgresSession {
    public let address: PostgresAddress
    private var connection: OpaquePointer?

    private init(address: PostgresAddress, connection: OpaquePointer) {
        self.address = address
        self.connection = connection
    }

    deinit { close() }

    /// Connects and logs in as `address` says; a failure is a `LedgerError` that says which of
    /// the server, the login or TLS is at fault, never with the password.
    public static func connect(_ address: PostgresAddress) throws -> PostgresSession {
        try checkRootCertificate(address)
        let parameters = PostgresConnectionParameters.of(address)
        let started = withCStrings(parameters.map(\.0)) { keywords in
            withCStrings(parameters.map(\.1)) { values in PQconnectStartParams(keywords, values, 0) }
        }
        guard let connection = started else {
            throw LedgerError.unreachable(address: address.description, reason: "libpq could not allocate a connection")
        }
        // The SQLSTATE of a refusal during the login is in libpq's message only when it is verbose.
        PQsetErrorVerbosity(connection, PQERRORS_VERBOSE)
        let session = PostgresSession(address: address, connection: connection)
        let deadline = Date().addingTimeInterval(TimeInterval(address.connectTimeout))
        // libpq's asynchronous login: wait for the socket as PQconnectPoll asks, until it is done.
        // A start that already failed (a host that does not resolve) has no socket to wait for.
        var state = PQstatus(connection) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING
        while state != PGRES_POLLING_OK && state != PGRES_POLLING_FAILED {
            guard session.wait(for: state == PGRES_POLLING_READING ? .reading : .writing, until: deadline) else {
                throw LedgerError.unreachable(
                    address: address.description,
                    reason: "no answer from \(address.host):\(address.port) within \(address.connectTimeout) s")
            }
            state = PQconnectPoll(connection)
        }
        guard state == PGRES_POLLING_OK else {
            throw PostgresFailure.login(
                message: session.errorMessage, needsPassword: PQconnectionNeedsPassword(connection) == 1,
                address: address)
        }
        PQsetErrorVerbosity(connection, PQERRORS_DEFAULT)
        return session
    }

    /// Runs `sql` with `binds` (`$1`, `$2`, … in the text) and returns every row, each column as
    /// text (nil for NULL), as psql prints them: integers in decimal, booleans `t`/`f`.
    @discardableResult
    public func query(_ sql: String, _ binds: [PostgresBindValue] = []) throws -> [[String?]] {
        let result = try run(sql, binds.map(\.sqlValue))
        defer { PQclear(result) }
        return (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// Runs `sql` with `values` bound to `$1`, `$2`, … and returns the columns' names and every
    /// row's values (integers, floats, booleans, text; NULL).
    func fetch(_ sql: String, _ values: [SQLValue]) throws -> (columns: [String], rows: [[SQLValue]]) {
        let result = try run(sql, values)
        defer { PQclear(result) }
        let columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        let types = (0..<columnCount).map { PQftype(result, $0) }
        let rows = (0..<PQntuples(result)).map { row in
            (0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1
                    ? SQLValue.null
                    : PostgresText.value(String(cString: PQgetvalue(result, row, column)), type: types[Int(column)])
            }
        }
        return (columns, rows)
    }

    /// The longest a statement is waited for: far above any of the ledger's (an append is a few
    /// rows), so that only a server that stopped answering reaches it.
    static let statementDeadline: TimeInterval = 120

    /// Sends one statement and waits for its one result, which the caller clears.
    private func run(_ sql: String, _ values: [SQLValue]) throws -> OpaquePointer {
        // A connection the server dropped between two statements: said at once.
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            throw LedgerError.unreachable(address: address.description, reason: "the server closed the connection")
        }
        let parameters = PostgresParameters(values)
        let sent = parameters.withUnsafeArguments { types, values, lengths, formats in
            PQsendQueryParams(connection, sql, Int32(parameters.count), types, values, lengths, formats, 0)
        }
        guard sent == 1 else { throw lostConnection(during: "a query") }
        let deadline = Date().addingTimeInterval(Self.statementDeadline)
        while PQisBusy(connection) == 1 {
            guard wait(for: .reading, until: deadline) else {
                throw LedgerError.unreachable(
                    address: address.description,
                    reason: "no answer to a statement for \(Int(Self.statementDeadline)) s")
            }
            guard PQconsumeInput(connection) == 1 else { throw lostConnection(during: "a query") }
        }
        var answer: OpaquePointer?
        while let result = PQgetResult(connection) {
            if answer == nil { answer = result } else { PQclear(result) }
        }
        guard let answer else { throw lostConnection(during: "a query") }
        switch PQresultStatus(answer) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return answer
        default:
            defer { PQclear(answer) }
            guard let state = Self.field(answer, "C") else { throw lostConnection(during: "a query") }
            throw PostgresFailure.server(
                state: state, message: Self.field(answer, "M") ?? "the server refused", address: address,
                during: "a query")
        }
    }

    /// A field of an error result: `C` its SQLSTATE, `M` its primary message (libpq's
    /// `PG_DIAG_SQLSTATE`, `PG_DIAG_MESSAGE_PRIMARY`, character constants Swift does not import).
    private static func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
        PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
    }

    /// The connection went away (or never answered) during `during`.
    /// A session the server ended while idle in its transaction says so before it closes; libpq
    /// keeps that in its message when the next statement finds the connection gone.
    private func lostConnection(during: String) -> LedgerError {
        if errorMessage.contains("terminating connection due to idle-in-transaction timeout") {
            return PostgresFailure.server(
                state: "25P03", message: "idle-in-transaction timeout", address: address, during: during)
        }
        return LedgerError.unreachable(
            address: address.description, reason: "the server closed the connection during \(during)")
    }

    private var errorMessage: String {
        connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? ""
    }

    private enum Readiness { case reading, writing }

    /// Waits until the connection's socket is ready for `readiness`; false once `deadline` passed.
    private func wait(for readiness: Readiness, until deadline: Date) -> Bool {
        guard let connection else { return false }
        var descriptor = pollfd(
            fd: PQsocket(connection), events: Int16(readiness == .reading ? POLLIN : POLLOUT), revents: 0)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            let ready = poll(&descriptor, 1, Int32(min(left * 1000, 60_000).rounded(.up)))
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { return true }  // libpq's next call says what is wrong.
        }
    }

    /// Closes the connection, without waiting for the server: nothing is owed to it at this
    /// point, and a server that went away must not hold the process.
    public func close() {
        guard let connection else { return }
        self.connection = nil
        PQfinish(connection)
    }

    /// `verify-ca` and `verify-full` check the server against a root certificate: one that cannot
    /// be read is said before connecting, with the parameter that names it.
    private static func checkRootCertificate(_ address: PostgresAddress) throws {
        guard address.tls == .verifyCA || address.tls == .verifyFull else { return }
        guard let root = address.rootCertificate, FileManager.default.isReadableFile(atPath: root) else {
            throw LedgerError.refused(
                address: address.description,
                reason:
                    "sslmode=\(address.tls.rawValue) needs the server's CA certificate, and \(address.rootCertificate ?? "~/.postgresql/root.crt") cannot be read (give sslrootcert=PATH)"
            )
        }
    }
}

/// Calls `body` with `strings` as a NULL-terminated array of C strings, as libpq's
/// `keywords`/`values` are given.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// A value bound to a query's `$n`.
public enum PostgresBindValue: Equatable, Sendable {
    case text(String)
    case integer(Int64)
    case null

    var sqlValue: SQLValue {
        switch self {
        case .text(let text): return .text(text)
        case .integer(let number): return .integer(number)
        case .null: return .null
        }
    }
}
