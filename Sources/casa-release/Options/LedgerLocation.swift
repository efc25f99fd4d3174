import Foundation
import ReleaseStateMachine

/// Where the ledger is, as `--ledger` (or `$CASA_RELEASE_LEDGER`) names it: a file (the SQLite
/// store, the default), or a PostgreSQL database by URL. A value with any other URL scheme is a
/// mistake, not a file name: `--ledger mysql://host/db` once made a directory `mysql:`.
enum LedgerLocation: Equatable {
    case file(String)
    /// The URL with any password taken out (it never enters the output or the ledger).
    case postgres(String)

    /// Reads `text`: a URL (`scheme://…`) or a path (made absolute by the caller).
    static func parse(_ text: String) throws -> LedgerLocation {
        guard let schemeEnd = text.range(of: "://"), isScheme(text[..<schemeEnd.lowerBound]) else { return .file(text) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "file":
            let path = String(text[schemeEnd.upperBound...])
            guard path.hasPrefix("/") else { throw CommandFailure(.usage, "--ledger \(text): a file:// ledger needs an absolute path (file:///path/to/casa-release.sqlite)") }
            return .file(path)
        case "postgres", "postgresql":
            return .postgres(try checkedPostgres(text))
        default:
            throw CommandFailure(.usage, "--ledger \(withoutPassword(text)): casa-release keeps its ledger in a file or in PostgreSQL (postgres://USER@HOST:PORT/DB), not in \(scheme)://")
        }
    }

    /// A PostgreSQL URL as libpq reads it: a host (or `host=` in the query, for a socket
    /// directory), a port between 1 and 65535 when given, at most one database name.
    private static func checkedPostgres(_ text: String) throws -> String {
        let shown = withoutPassword(text)
        if let portText = portText(text) {
            guard let port = Int(portText), (1...65_535).contains(port) else {
                throw CommandFailure(.usage, "--ledger \(shown): the port '\(portText)' is not a number from 1 to 65535")
            }
        }
        guard let components = URLComponents(string: text) else {
            throw CommandFailure(.usage, "--ledger \(shown) is not a URL casa-release can read (postgres://USER@HOST:PORT/DB)")
        }
        let hostInQuery = components.queryItems?.contains { $0.name == "host" && !($0.value ?? "").isEmpty } ?? false
        guard !(components.host ?? "").isEmpty || hostInQuery else {
            throw CommandFailure(.usage, "--ledger \(shown) names no server: postgres://USER@HOST:PORT/DB")
        }
        let database = components.path.drop { $0 == "/" }
        guard !database.contains("/") else {
            throw CommandFailure(.usage, "--ledger \(shown): '\(database)' is not one database name")
        }
        return shown
    }

    /// `text` with the password of its user part taken out, by the text alone: it must work on a
    /// URL too broken to parse, since that is when it is printed.
    static func withoutPassword(_ text: String) -> String {
        guard let start = text.range(of: "://")?.upperBound else { return text }
        let authorityEnd = text[start...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
        guard let at = text[start..<authorityEnd].lastIndex(of: "@"),
              let colon = text[start..<at].firstIndex(of: ":") else { return text }
        return String(text[..<colon] + text[at...])
    }

    /// The text after the host's colon, whatever it is (URLComponents drops a port it cannot read).
    private static func portText(_ text: String) -> String? {
        guard let start = text.range(of: "://")?.upperBound else { return nil }
        var authority = text[start...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") { authority = authority[authority.index(after: close)...] }
        guard let colon = authority.lastIndex(of: ":") else { return nil }
        return String(authority[authority.index(after: colon)...])
    }

    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "+-.".unicodeScalars.contains($0) }
    }
}
