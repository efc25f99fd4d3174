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
        let result = try run(Statement(sql: sql, values: binds.map(\.sqlValue)))
        defer { PQclear(result) }
        return (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// Runs `sql` with `values` bound to `$1`, `$2`, … and returns the columns' names and every
    /// row's values (integers, floats, booleans, text; NULL). With `prepared`, the statement is
    /// parsed once per session (and per types of its values), and only bound afterwards.
    func fetch(
        _ sql: String, _ values: [SQLValue], prepared: Bool = false
    ) throws -> (
        columns: [String], rows: [[SQLValue]]
    ) {
        let result = try run(Statement(sql: sql, values: values, prepared: prepared))
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

    /// A statement to send: its text, its values, and whether it is sent as a prepared statement.
    struct Statement {
        var sql: String
        var values: [SQLValue]
        var prepared = false
    }

    /// Statements whose answer nobody reads (an append's inserts and updates), kept to be sent
    /// with the next statement that is waited for, in one pipeline: one round trip for all of
    /// them instead of one each. An error in any of them is thrown by that next statement.
    private var deferred: [Statement] = []

    /// The statements prepared on this session, by text and value types: their names. A name is
    /// kept once the server said the statement was parsed (a parse in a pipeline cut short by an
    /// error never happened).
    private var preparedNames: [PreparedKey: String] = [:]
    private var preparedCount = 0

    private struct PreparedKey: Hashable {
        var sql: String
        var types: [UInt32]
    }

    /// Queues `sql` to be sent with the next statement that is waited for (`query`, `fetch`).
    /// A long queue (a copy of a whole ledger in one transaction) is sent once it holds
    /// `deferredLimit` statements, so that memory stays flat.
    func sendLater(_ sql: String, _ values: [SQLValue], prepared: Bool = false) throws {
        deferred.append(Statement(sql: sql, values: values, prepared: prepared))
        if deferred.count >= Self.deferredLimit { try flushDeferred() }
    }

    /// Sends the statements queued, if any, and waits for them.
    private func flushDeferred() throws {
        guard !deferred.isEmpty else { return }
        let last = deferred.removeLast()
        PQclear(try run(last))
    }

    /// Runs `sql`, a `COPY … FROM STDIN` in the text format, with the rows `next` gives until it
    /// gives nil, sent in pieces of about 1 MiB; returns how many rows were sent. (After the
    /// statements queued: COPY cannot be in a pipeline.)
    @discardableResult
    func copyIn(_ sql: String, rows next: () throws -> [SQLValue]?) throws -> Int {
        try flushDeferred()
        PostgresStatementTrace.shared?.record(sql, [])
        roundTrips += 1
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            throw LedgerError.unreachable(address: address.description, reason: "the server closed the connection")
        }
        guard send(sql, PostgresParameters([]), on: connection) else { throw lostConnection(during: "a copy") }
        let deadline = Date().addingTimeInterval(Self.statementDeadline)
        guard let started = try nextResult(of: connection, until: deadline) else {
            throw lostConnection(during: "a copy")
        }
        guard PQresultStatus(started) == PGRES_COPY_IN else {
            try check(started)
            PQclear(started)
            throw lostConnection(during: "a copy")
        }
        PQclear(started)
        var text = PostgresCopyText()
        var count = 0
        func flush() throws {
            let sent = text.bytes.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
            }
            guard sent == 1 else { throw lostConnection(during: "a copy") }
            text.bytes.removeAll(keepingCapacity: true)
        }
        var failure: Error?
        do {
            while let row = try next() {
                text.append(row)
                count += 1
                if text.bytes.count >= 1 << 20 { try flush() }
            }
            if !text.bytes.isEmpty { try flush() }
        } catch {
            failure = error
        }
        // Ended either way (with an error message when the rows failed: the server then
        // refuses the COPY, and its transaction must be rolled back).
        guard PQputCopyEnd(connection, failure == nil ? nil : "the rows could not be read") == 1 else {
            throw failure ?? lostConnection(during: "a copy")
        }
        // The server's answer is waited for from the end of the rows: sending them is this
        // process's own time (reading and encoding them), however long it takes.
        let answered = Date().addingTimeInterval(Self.statementDeadline)
        var answer: OpaquePointer?
        while let result = try nextResult(of: connection, until: answered) {
            if answer == nil { answer = result } else { PQclear(result) }
        }
        if let failure {
            if let answer { PQclear(answer) }
            throw failure
        }
        guard let answer else { throw lostConnection(during: "a copy") }
        try check(answer)
        PQclear(answer)
        return count
    }

    /// The most statements queued before they are sent: a few hundred KB of statements, whose
    /// answers (a few bytes each) the server can always write while it reads.
    static let deferredLimit = 1000

    /// Forgets the statements queued and not sent (their transaction is being rolled back).
    func discardDeferred() {
        deferred.removeAll()
    }

    /// How many times this session waited for the server (a statement, or a pipeline of them):
    /// what the tests count of an append.
    private(set) var roundTrips = 0

    /// Sends one statement (after the ones queued, if any) and waits for its one result, which
    /// the caller clears.
    private func run(_ statement: Statement) throws -> OpaquePointer {
        roundTrips += 1
        let statements = deferred + [statement]
        deferred.removeAll()
        if let trace = PostgresStatementTrace.shared {
            for statement in statements { trace.record(statement.sql, statement.values) }
        }
        // A connection the server dropped between two statements: said at once.
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            throw LedgerError.unreachable(address: address.description, reason: "the server closed the connection")
        }
        if statements.count > 1 || statement.prepared {
            return try runPipelined(statements, on: connection)
        }
        let parameters = PostgresParameters(statement.values)
        guard send(statement.sql, parameters, on: connection) else { throw lostConnection(during: "a query") }
        let deadline = Date().addingTimeInterval(Self.statementDeadline)
        var answer: OpaquePointer?
        while let result = try nextResult(of: connection, until: deadline) {
            if answer == nil { answer = result } else { PQclear(result) }
        }
        guard let answer else { throw lostConnection(during: "a query") }
        try check(answer)
        return answer
    }

    /// What was sent in a pipeline, in order: each has its results, then a null pointer.
    private enum Sent {
        /// A statement's parse, named, for `preparedNames[key]` once it succeeded.
        case parse(key: PreparedKey, name: String)
        case statement(isLast: Bool)
    }

    /// Sends `statements` in libpq's pipeline mode, then one sync: the server runs them in order
    /// and answers all at once. Returns the last one's result; the first error is thrown (the
    /// statements after it are not run, and their transaction can only be rolled back).
    private func runPipelined(_ statements: [Statement], on connection: OpaquePointer) throws -> OpaquePointer {
        guard PQenterPipelineMode(connection) == 1 else { throw lostConnection(during: "a query") }
        // Left only once every result up to the sync is read; on a lost connection it fails,
        // and the connection is of no more use anyway.
        defer { _ = PQexitPipelineMode(connection) }
        var sent: [Sent] = []
        var parsing: [PreparedKey: String] = [:]
        for (index, statement) in statements.enumerated() {
            let parameters = PostgresParameters(statement.values)
            let isLast = index == statements.count - 1
            guard statement.prepared else {
                guard send(statement.sql, parameters, on: connection) else { throw lostConnection(during: "a query") }
                sent.append(.statement(isLast: isLast))
                continue
            }
            let key = PreparedKey(sql: statement.sql, types: parameters.typeSignature)
            let name: String
            if let known = preparedNames[key] ?? parsing[key] {
                name = known
            } else {
                // Never a name used before: a parse whose answer was lost may still exist.
                preparedCount += 1
                name = "casa_release_\(preparedCount)"
                let parsed = parameters.withUnsafeArguments { types, _, _, _ in
                    PQsendPrepare(connection, name, statement.sql, Int32(parameters.count), types)
                }
                guard parsed == 1 else { throw lostConnection(during: "a query") }
                parsing[key] = name
                sent.append(.parse(key: key, name: name))
            }
            let executed = parameters.withUnsafeArguments { _, values, lengths, formats in
                PQsendQueryPrepared(connection, name, Int32(parameters.count), values, lengths, formats, 0)
            }
            guard executed == 1 else { throw lostConnection(during: "a query") }
            sent.append(.statement(isLast: isLast))
        }
        guard PQpipelineSync(connection) == 1 else { throw lostConnection(during: "a query") }
        let deadline = Date().addingTimeInterval(Self.statementDeadline)
        var answer: OpaquePointer?
        var failure: OpaquePointer?
        defer {
            if let failure { PQclear(failure) }
        }
        do {
            for item in sent {
                while let result = try nextResult(of: connection, until: deadline) {
                    let status = PQresultStatus(result)
                    if failure == nil && status != PGRES_PIPELINE_ABORTED && !Self.succeeded(status) {
                        failure = result
                        continue
                    }
                    switch item {
                    case .parse(let key, let name) where Self.succeeded(status):
                        preparedNames[key] = name
                    case .statement(isLast: true) where answer == nil && Self.succeeded(status):
                        answer = result
                        continue
                    default:
                        break
                    }
                    PQclear(result)
                }
            }
            // The sync point, alone.
            guard let sync = try nextResult(of: connection, until: deadline) else {
                throw lostConnection(during: "a query")
            }
            PQclear(sync)
        } catch {
            if let answer { PQclear(answer) }
            throw error
        }
        if let failed = failure {
            failure = nil
            if let answer { PQclear(answer) }
            try check(failed)
        }
        guard let answer else { throw lostConnection(during: "a query") }
        return answer
    }

    private func send(_ sql: String, _ parameters: PostgresParameters, on connection: OpaquePointer) -> Bool {
        parameters.withUnsafeArguments { types, values, lengths, formats in
            PQsendQueryParams(connection, sql, Int32(parameters.count), types, values, lengths, formats, 0)
        } == 1
    }

    /// The next result of the statements sent, waited for until `deadline`; nil at the end of
    /// one statement's results.
    private func nextResult(of connection: OpaquePointer, until deadline: Date) throws -> OpaquePointer? {
        while PQisBusy(connection) == 1 {
            guard wait(for: .reading, until: deadline) else {
                throw LedgerError.unreachable(
                    address: address.description,
                    reason: "no answer to a statement for \(Int(Self.statementDeadline)) s")
            }
            guard PQconsumeInput(connection) == 1 else { throw lostConnection(during: "a query") }
        }
        return PQgetResult(connection)
    }

    private static func succeeded(_ status: ExecStatusType) -> Bool {
        status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY
    }

    /// Throws the server's error a result holds (clearing it), if it is one.
    private func check(_ result: OpaquePointer) throws {
        guard !Self.succeeded(PQresultStatus(result)) else { return }
        defer { PQclear(result) }
        guard let state = Self.field(result, "C") else { throw lostConnection(during: "a query") }
        throw PostgresFailure.server(
            state: state, message: Self.field(result, "M") ?? "the server refused", address: address,
            during: "a query")
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
