import Foundation

/// What went wrong talking to the server, in the ledger's terms: `refused` when the address or
/// the login must be fixed (a second try would fail alike), `unreachable` when trying again later
/// may work, `busy` when another holds what was asked for.
enum PostgresFailure {
    /// An error the server answered with, by its SQLSTATE.
    static func server(state: String, message: String, address: PostgresAddress, during: String) -> LedgerError {
        let place = address.description
        switch state {
        case "28P01", "28000":
            return .refused(
                address: place,
                reason: "the login was refused (\(message)); the password comes from the URL, PGPASSWORD or ~/.pgpass")
        case "3D000":
            return .refused(address: place, reason: "\(message): create it (createdb) or name another")
        case "42501":
            return .refused(address: place, reason: "permission denied: \(message)")
        case _ where during == "connecting" && (state == "42704" || state == "22023"):
            return .refused(
                address: place,
                reason: "a session setting was refused (\(message)); see options= in the URL, or PGOPTIONS")
        case "55P03":
            return .busy(address: place, reason: "a lock was not granted within lock_timeout (\(message))")
        case "57014":
            return .busy(address: place, reason: "a statement was cancelled (\(message): statement_timeout)")
        case "25P03":
            return .unreachable(
                address: place,
                reason:
                    "the server ended this session, whose transaction sat idle longer than idle_in_transaction_session_timeout (was this process stopped?)"
            )
        case _ where state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300":
            return .unreachable(address: place, reason: "\(message) (SQLSTATE \(state))")
        default:
            return .serverError(address: place, state: state, message: message)
        }
    }

    /// A connection that did not open, from libpq's (verbose) message: the server's refusal by its
    /// SQLSTATE, else what libpq says of the network, TLS or the password.
    ///
    /// libpq's own messages are matched in English: casa-release never sets a locale, so libpq
    /// does not translate them. A message not recognised is still shown, as unreachable.
    static func login(message: String, needsPassword: Bool, address: PostgresAddress) -> LedgerError {
        let place = address.description
        if needsPassword {
            return .refused(
                address: place,
                reason:
                    "the server asks \(address.user) for a password and none was given (in the URL, PGPASSWORD or ~/.pgpass)"
            )
        }
        if let (state, text) = serverRefusal(in: message) {
            return server(state: state, message: text, address: address, during: "connecting")
        }
        let detail = libpqDetail(message)
        if message.contains("server does not support SSL") {
            return .refused(
                address: place, reason: "the server does not offer TLS, which sslmode=\(address.tls.rawValue) requires")
        }
        if message.contains("certificate verify failed") || message.contains("does not match host name") {
            return .refused(
                address: place,
                reason: "the server's certificate was refused (sslmode=\(address.tls.rawValue)): \(detail)")
        }
        if message.contains("SSL") {
            return .refused(address: place, reason: "the TLS handshake failed: \(detail)")
        }
        if message.contains("could not translate host name") {
            return .refused(address: place, reason: "the host \(address.host) does not resolve")
        }
        if message.contains("server closed the connection") {
            return .unreachable(address: place, reason: "the server closed the connection during connecting")
        }
        return .unreachable(address: place, reason: "no answer from \(address.host):\(address.port) (\(detail))")
    }

    /// `FATAL:  28P01: password authentication failed for user "casa"` in a verbose message.
    private static func serverRefusal(in message: String) -> (state: String, message: String)? {
        for line in message.split(separator: "\n") {
            for severity in ["FATAL:  ", "ERROR:  ", "PANIC:  "] {
                guard let start = line.range(of: severity)?.upperBound else { continue }
                let rest = line[start...]
                let state = rest.prefix(5)
                guard state.count == 5, state.allSatisfy({ $0.isNumber || $0.isUppercase }),
                    rest.dropFirst(5).hasPrefix(": ")
                else { continue }
                return (String(state), String(rest.dropFirst(7)))
            }
        }
        return nil
    }

    /// The first line of libpq's message without the `connection to server at … failed: ` it
    /// starts with (the address is said by the error already).
    private static func libpqDetail(_ message: String) -> String {
        let line = message.split(separator: "\n").first.map(String.init) ?? "no answer"
        guard let end = line.range(of: " failed: ")?.upperBound else { return line }
        return String(line[end...])
    }
}
