import Foundation
import ReleaseDriver
import ReleaseLedger

/// Where the ledger is, as `--ledger` (or `$CASA_RELEASE_LEDGER`) names it: a file (the SQLite
/// store, the default), or a PostgreSQL database by URL. A value with any other URL scheme is a
/// mistake, not a file name: `--ledger mysql://host/db` once made a directory `mysql:`.
enum LedgerLocation: Equatable, CustomStringConvertible {
    case file(String)
    case postgres(PostgresAddress)

    /// The path, or the URL without its password.
    var description: String {
        switch self {
        case .file(let path): return path
        case .postgres(let address): return address.description
        }
    }

    /// Whether the ledger is a SQLite file.
    var isFile: Bool {
        if case .file = self { return true }
        return false
    }

    /// Opens the existing ledger here for a command that only reads.
    func openForReading() throws -> Ledger {
        switch self {
        case .file(let path): return try Ledger.openForReading(path: path)
        case .postgres(let address): return try Ledger.openForReading(postgres: address)
        }
    }

    /// Reads `text`: a URL (`scheme://…`) or a path (made absolute by the caller).
    static func parse(_ text: String) throws -> LedgerLocation {
        guard let schemeEnd = text.range(of: "://"), isScheme(text[..<schemeEnd.lowerBound]) else { return .file(text) }
        let shown = PostgresAddress.withoutPassword(text)
        switch text[..<schemeEnd.lowerBound].lowercased() {
        case "file":
            let path = String(text[schemeEnd.upperBound...])
            guard path.hasPrefix("/") else {
                throw CommandFailure(
                    .usage,
                    "--ledger \(text): a file:// ledger needs an absolute path (file:///path/to/casa-release.sqlite)")
            }
            return .file(path)
        case "postgres", "postgresql":
            do {
                var address = try PostgresAddress.parse(text)
                address.applicationName = ProcessIdentity.sessionName
                return .postgres(address)
            } catch let error as PostgresAddressError {
                throw CommandFailure(.usage, "--ledger \(shown): \(error.reason)")
            }
        case let scheme:
            throw CommandFailure(
                .usage,
                "--ledger \(shown): casa-release keeps its ledger in a file or in PostgreSQL (postgres://USER@HOST:PORT/DB), not in \(scheme)://"
            )
        }
    }

    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) else { return false }
        return text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "+-.".unicodeScalars.contains($0)
        }
    }
}
