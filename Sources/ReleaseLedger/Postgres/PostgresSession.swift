import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// One connection to a PostgreSQL ledger, for synchronous code: every call waits for its answer.
///
/// casa-release is a command-line tool whose ledger calls are sequential; postgres-nio is
/// asynchronous. Each call here is a future on the connection's event loop, and the calling
/// thread waits for it (it is never an event loop thread). Futures, not tasks: a task would need
/// a thread of Swift's cooperative pool, which the waiting caller may be holding.
public final class PostgresSession {
    public let address: PostgresAddress
    private let connection: PostgresConnection
    /// postgres-nio logs through swift-log; its background notes would land on standard error,
    /// where casa-release writes only its own messages.
    private static let logger = Logger(label: "casa-release.ledger", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(address: PostgresAddress, connection: PostgresConnection) {
        self.address = address
        self.connection = connection
    }

    deinit { close() }

    /// Connects and logs in as `address` says; a failure is a `LedgerError` that says which of
    /// the server, the login or TLS is at fault, never with the password.
    public static func connect(_ address: PostgresAddress) throws -> PostgresSession {
        var configuration = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user, password: address.password,
            database: address.database, tls: try tls(address))
        configuration.options.connectTimeout = .seconds(Int64(address.connectTimeout))
        configuration.options.additionalStartupParameters = PostgresSessionSettings.startupParameters(address)
        if address.tls == .verifyFull { configuration.options.tlsServerName = address.host }
        do {
            let connection = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration,
                id: 1, logger: logger
            ).wait()
            return PostgresSession(address: address, connection: connection)
        } catch {
            throw PostgresFailure.classify(error, address: address, during: "connecting")
        }
    }

    /// Runs `sql` with `binds` (`$1`, `$2`, … in the text) and returns every row, each column as
    /// text (nil for NULL), as psql prints them: integers in decimal, booleans `t`/`f`.
    @discardableResult
    public func query(_ sql: String, _ binds: [PostgresBindValue] = []) throws -> [[String?]] {
        try run(sql, bindings(binds.map(\.sqlValue))).rows.map { row in try row.map(Self.text) }
    }

    /// Runs `sql` with `values` bound to `$1`, `$2`, … and returns the columns' names and every
    /// row's values (integers, floats, booleans, text; NULL).
    func fetch(_ sql: String, _ values: [SQLValue]) throws -> (columns: [String], rows: [[SQLValue]]) {
        let result = try run(sql, bindings(values))
        var columns: [String] = []
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(result.rows.count)
        for row in result.rows {
            var values: [SQLValue] = []
            values.reserveCapacity(columns.count)
            for cell in row {
                if rows.isEmpty { columns.append(cell.columnName) }
                values.append(try Self.value(cell))
            }
            rows.append(values)
        }
        return (columns, rows)
    }

    private func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): bindings.append(text)
            case .integer(let number): bindings.append(number)
            case .real(let number): bindings.append(number)
            case .bool(let flag): bindings.append(flag)
            case .blob(let data): bindings.append(ByteBuffer(bytes: data))
            case .null: bindings.appendNull()
            }
        }
        return bindings
    }

    private func run(_ sql: String, _ bindings: PostgresBindings) throws -> PostgresQueryResult {
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        // A connection the server dropped between two statements: said at once, since
        // postgres-nio may leave a query sent on it without an answer.
        guard !connection.isClosed else {
            throw LedgerError.unreachable(address: address.description, reason: "the server closed the connection")
        }
        do {
            return try answer(connection.query(query, logger: Self.logger), within: Self.statementDeadline).wait()
        } catch {
            throw PostgresFailure.classify(error, address: address, during: "a query")
        }
    }

    /// The longest a statement is waited for: far above any of the ledger's (an append is a few
    /// rows), so that only a server that stopped answering reaches it.
    static let statementDeadline: TimeAmount = .seconds(120)

    /// `future`, or a failure once `deadline` has passed without an answer.
    private func answer<T>(_ future: EventLoopFuture<T>, within deadline: TimeAmount) -> EventLoopFuture<T> {
        let promise = future.eventLoop.makePromise(of: T.self)
        let failure = LedgerError.unreachable(
            address: address.description,
            reason: "no answer to a statement for \(deadline.nanoseconds / 1_000_000_000) s")
        let timeout = future.eventLoop.scheduleTask(in: deadline) { promise.fail(failure) }
        future.whenComplete { result in
            timeout.cancel()
            promise.completeWith(result)
        }
        return promise.futureResult
    }

    /// A cell as text, whatever format the server sent it in (postgres-nio asks for binary):
    /// integers in decimal, booleans as `t`/`f` (as psql prints them), NULL as nil.
    private static func text(_ cell: PostgresCell) throws -> String? {
        switch try value(cell) {
        case .null: return nil
        case .bool(let flag): return flag ? "t" : "f"
        case let other: return other.plain
        }
    }

    /// A cell as the ledger reads values. NUMERIC (a SUM of integers) comes as its decimal text.
    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bytea: return .blob(Data(try cell.decode(ByteBuffer.self).readableBytesView))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// Closes the connection, without waiting: the close of a connection whose server went away
    /// may never complete, and nothing is owed to the server at this point. The connection is
    /// kept until its close completes (postgres-nio requires it closed before it goes).
    public func close() {
        let connection = self.connection
        guard !connection.isClosed else { return }
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// The TLS a mode asks for, as libpq does: `prefer` and `allow` try it without checking,
    /// `require` insists without checking, `verify-ca` checks the chain against the root
    /// certificate, `verify-full` the host name too.
    private static func tls(_ address: PostgresAddress) throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch address.tls {
        case .disable: return .disable
        case .allow, .prefer, .require:
            configuration.certificateVerification = .none
        case .verifyCA, .verifyFull:
            guard let root = address.rootCertificate, FileManager.default.isReadableFile(atPath: root) else {
                throw LedgerError.refused(
                    address: address.description,
                    reason:
                        "sslmode=\(address.tls.rawValue) needs the server's CA certificate, and \(address.rootCertificate ?? "~/.postgresql/root.crt") cannot be read (give sslrootcert=PATH)"
                )
            }
            configuration.trustRoots = .file(root)
            configuration.certificateVerification =
                address.tls == .verifyFull ? .fullVerification : .noHostnameVerification
        }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: configuration) } catch {
            throw LedgerError.refused(address: address.description, reason: "the TLS settings cannot be used: \(error)")
        }
        return address.tls == .allow || address.tls == .prefer ? .prefer(context) : .require(context)
    }
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

/// What went wrong talking to the server, in the ledger's terms.
enum PostgresFailure {
    static func classify(_ error: Error, address: PostgresAddress, during: String) -> Error {
        if error is LedgerError { return error }
        let place = address.description
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                let message = error.serverInfo?[.message] ?? "the server refused"
                switch state {
                case "28P01", "28000":
                    return LedgerError.refused(
                        address: place,
                        reason:
                            "the login was refused (\(message)); the password comes from the URL, PGPASSWORD or ~/.pgpass"
                    )
                case "3D000":
                    return LedgerError.refused(
                        address: place, reason: "\(message): create it (createdb) or name another")
                case "42501":
                    return LedgerError.refused(address: place, reason: "permission denied: \(message)")
                case _ where during == "connecting" && (state == "42704" || state == "22023"):
                    return LedgerError.refused(
                        address: place,
                        reason: "a session setting was refused (\(message)); see options= in the URL, or PGOPTIONS")
                case "55P03":
                    return LedgerError.busy(
                        address: place, reason: "a lock was not granted within lock_timeout (\(message))")
                case "57014":
                    return LedgerError.busy(
                        address: place, reason: "a statement was cancelled (\(message): statement_timeout)")
                case "25P03":
                    return LedgerError.unreachable(
                        address: place,
                        reason:
                            "the server ended this session, whose transaction sat idle longer than idle_in_transaction_session_timeout (was this process stopped?)"
                    )
                case _ where state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300":
                    return LedgerError.unreachable(address: place, reason: "\(message) (SQLSTATE \(state))")
                default:
                    return LedgerError.serverError(address: place, state: state, message: message)
                }
            case .authMechanismRequiresPassword:
                return LedgerError.refused(
                    address: place,
                    reason:
                        "the server asks \(address.user) for a password and none was given (in the URL, PGPASSWORD or ~/.pgpass)"
                )
            case .unsupportedAuthMechanism, .saslError:
                // A login that cannot be done as asked will not succeed on a second try either.
                return LedgerError.refused(
                    address: place,
                    reason:
                        "the login as \(address.user) failed (\(error.code)); the password comes from the URL, PGPASSWORD or ~/.pgpass"
                )
            case .sslUnsupported:
                return LedgerError.refused(
                    address: place,
                    reason: "the server does not offer TLS, which sslmode=\(address.tls.rawValue) requires")
            case .connectionError:
                return connectionFailure(error.underlying, address: address)
            case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
                return LedgerError.unreachable(
                    address: place, reason: "the server closed the connection during \(during)")
            case .failedToAddSSLHandler:
                return LedgerError.refused(address: place, reason: "TLS could not be set up")
            default:
                if let underlying = error.underlying { return connectionFailure(underlying, address: address) }
                return LedgerError.unreachable(address: place, reason: "\(error.code) during \(during)")
            }
        }
        return connectionFailure(error, address: address)
    }

    private static func connectionFailure(_ error: Error?, address: PostgresAddress) -> Error {
        let place = address.description
        if let tls = error as? NIOSSLError {
            return LedgerError.refused(address: place, reason: "the TLS handshake failed: \(tls)")
        }
        if let tls = error as? BoringSSLError {
            return LedgerError.refused(
                address: place, reason: "the server's certificate was refused (sslmode=\(address.tls.rawValue)): \(tls)"
            )
        }
        let text = error.map { String(describing: $0) } ?? "no answer"
        if text.contains("NXDOMAIN") || text.lowercased().contains("resolve")
            || text.contains("Name or service not known")
        {
            return LedgerError.refused(address: place, reason: "the host \(address.host) does not resolve")
        }
        return LedgerError.unreachable(
            address: place, reason: "no answer from \(address.host):\(address.port) (\(text))")
    }
}
