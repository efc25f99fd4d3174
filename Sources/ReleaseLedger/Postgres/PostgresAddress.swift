import Foundation
import ReleaseStateMachine

/// Where a PostgreSQL ledger is and how to log in, read as libpq reads it: the URL
/// (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB?sslmode=...`), then `PGUSER`, `PGPASSWORD`,
/// `PGSSLMODE`, `PGSSLROOTCERT` and the password file (`$PGPASSFILE`, else `~/.pgpass`).
///
/// The password is kept here only: `description` never shows it, and nothing writes it.
public struct PostgresAddress: Equatable, Sendable, CustomStringConvertible {
    /// libpq's `sslmode`: what TLS is asked for, and what is checked of the server.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    public var tls: TLSMode
    /// The CA certificates a `verify-ca`/`verify-full` server is checked against (`sslrootcert`).
    public var rootCertificate: String?
    /// Seconds to wait for the server (`connect_timeout`; libpq waits forever, a release tool should not).
    public var connectTimeout: Int
    /// Server settings for every session, over casa-release's defaults
    /// (`PostgresSessionSettings`): libpq's `options` (`-c lock_timeout=5s …`), from the URL's
    /// `options=` or `PGOPTIONS`.
    public var settings: [String: String] = [:]
    /// How the sessions name themselves to the server (`application_name`, in
    /// `pg_stat_activity`): the command line sets `casa-release pid N on HOST`, so that a writer
    /// that waits for a lock can name the one holding it.
    public var applicationName: String?

    /// `postgres://user@host:port/db` (no password): how the ledger is named in messages.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostPart):\(port)/\(database)"
    }

    /// Reads `url`; a mistake is `PostgresAddressError` (a usage error: exit 64).
    public static func parse(
        _ url: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PostgresAddress {
        // The port first, as typed: URLComponents does not parse a URL whose port is not a number.
        if let portText = portText(url), !(Int(portText).map { (1...65_535).contains($0) } ?? false) {
            throw PostgresAddressError("the port '\(portText)' is not a number from 1 to 65535")
        }
        if let part = brokenEscape(url) {
            throw PostgresAddressError(
                "its \(part) has a % that is not followed by two hexadecimal digits (write %25 for %)")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw PostgresAddressError("it is not a URL casa-release can read (postgres://USER@HOST:PORT/DB)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set<String> = [
            "sslmode", "sslrootcert", "connect_timeout", "host", "port", "user", "password", "dbname",
            "application_name", "options",
        ]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresAddressError("it has a parameter casa-release does not know: \(unknown)")
        }
        // As in libpq, a parameter of the query wins over the same part of the URL.
        guard let host = query["host"] ?? components.host.flatMap({ $0.isEmpty ? nil : $0 }), !host.isEmpty else {
            throw PostgresAddressError("it names no server (postgres://USER@HOST:PORT/DB)")
        }
        if host.hasPrefix("/") {
            throw PostgresAddressError("it names a socket directory; casa-release connects over TCP: give a host name")
        }
        var port = 5432
        if let given = components.port ?? query["port"].flatMap(Int.init) { port = given }
        guard (1...65_535).contains(port) else {
            throw PostgresAddressError("the port '\(port)' is not a number from 1 to 65535")
        }
        let user =
            try components.percentEncodedUser.map { try decoded($0, "user name") } ?? query["user"] ?? environment[
                "PGUSER"]
            ?? environment["USER"] ?? NSUserName()
        let path = String(components.percentEncodedPath.drop { $0 == "/" })
        let database =
            try (path.isEmpty ? nil : decoded(path, "database name")) ?? query["dbname"] ?? environment["PGDATABASE"]
            ?? user
        guard !database.contains("/") else { throw PostgresAddressError("'\(database)' is not one database name") }
        let modeText = query["sslmode"] ?? environment["PGSSLMODE"] ?? TLSMode.prefer.rawValue
        guard let tls = TLSMode(rawValue: modeText) else {
            throw PostgresAddressError(
                "sslmode=\(modeText) is none of libpq's modes: \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        var timeout = 10
        if let text = query["connect_timeout"] {
            guard let seconds = Int(text), seconds > 0 else {
                throw PostgresAddressError("connect_timeout=\(text) is not a number of seconds")
            }
            timeout = seconds
        }
        var address = PostgresAddress(
            host: host, port: port, user: user, database: database, password: nil, tls: tls,
            rootCertificate: query["sslrootcert"] ?? environment["PGSSLROOTCERT"], connectTimeout: timeout)
        if let options = query["options"] ?? environment["PGOPTIONS"], !options.isEmpty {
            address.settings = try PostgresSessionSettings.parseOptions(options)
        }
        address.password =
            try components.percentEncodedPassword.map { try decoded($0, "password") } ?? query["password"]
            ?? environment["PGPASSWORD"]
            ?? PasswordFile.password(for: address, environment: environment)
        if address.rootCertificate == nil, tls == .verifyCA || tls == .verifyFull {
            let home = environment["HOME"] ?? NSHomeDirectory()
            address.rootCertificate = home + "/.postgresql/root.crt"
        }
        return address
    }

    /// `url` with the password of its user part taken out, by the text alone: it must work on a
    /// URL too broken to parse, since that is when it is printed.
    public static func withoutPassword(_ url: String) -> String {
        URLRedaction.url(url)
    }

    /// A part of the URL with its `%XX` escapes decoded.
    private static func decoded(_ text: String, _ part: String) throws -> String {
        guard let plain = text.removingPercentEncoding else {
            throw PostgresAddressError(
                "its \(part) has a % that is not followed by two hexadecimal digits (write %25 for %)")
        }
        return plain
    }

    /// The first part of `url` (user name, password, host, database) that holds a `%` not
    /// followed by two hexadecimal digits. Checked on the URL as typed: Foundation on Linux
    /// reads `%zz` as the text `%zz`, and a password mistyped that way once became a login
    /// failure told as temporary.
    private static func brokenEscape(_ url: String) -> String? {
        guard let start = url.range(of: "://")?.upperBound else { return nil }
        let authorityEnd = url[start...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        let authority = url[start..<authorityEnd]
        let at = authority.lastIndex(of: "@")
        let userInfo = at.map { authority[..<$0] } ?? ""
        let colon = userInfo.firstIndex(of: ":")
        let pathEnd = url[authorityEnd...].firstIndex { $0 == "?" || $0 == "#" } ?? url.endIndex
        let parts: [(Substring, String)] = [
            (colon.map { userInfo[..<$0] } ?? userInfo, "user name"),
            (colon.map { userInfo[userInfo.index(after: $0)...] } ?? "", "password"),
            (at.map { authority[authority.index(after: $0)...] } ?? authority, "host"),
            (url[authorityEnd..<pathEnd], "database name"),
        ]
        return parts.first { part, _ in
            let bytes = Array(part.utf8)
            return bytes.indices.contains { index in
                let escape = bytes.dropFirst(index + 1).prefix(2)
                return bytes[index] == UInt8(ascii: "%")
                    && !(escape.count == 2 && escape.allSatisfy { Character(UnicodeScalar($0)).isHexDigit })
            }
        }?.1
    }

    /// The text after the host's colon, whatever it is.
    private static func portText(_ url: String) -> String? {
        guard let start = url.range(of: "://")?.upperBound else { return nil }
        var authority = url[start...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            authority = authority[authority.index(after: close)...]
        }
        guard let colon = authority.lastIndex(of: ":") else { return nil }
        return String(authority[authority.index(after: colon)...])
    }
}

/// A PostgreSQL URL casa-release cannot use, and why.
public struct PostgresAddressError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// libpq's password file: lines `hostname:port:database:username:password`, `*` matching
/// anything, `\:` and `\\` escaped, `#` comments; the first matching line wins. Like libpq, a
/// file others can read is ignored.
enum PasswordFile {
    static func password(for address: PostgresAddress, environment: [String: String]) -> String? {
        let path = environment["PGPASSFILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass")
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_mode & 0o077 == 0,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return nil }
        let wanted = [address.host, String(address.port), address.database, address.user]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            let fields = split(String(line))
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) {
                return fields[4]
            }
        }
        return nil
    }

    /// A line's fields: split on unescaped `:`, with `\:` and `\\` unescaped.
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character); escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current); current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
