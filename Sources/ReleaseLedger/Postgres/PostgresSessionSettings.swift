import Foundation

/// The server settings of every session casa-release opens on a PostgreSQL ledger, sent in the
/// startup message (no round trip of their own). They bound what one stuck process can do to a
/// team: without them, a casa-release frozen (SIGSTOP, a suspended laptop, a paused VM) inside an
/// append kept the chain's lock, and every writer on every host waited for it without end.
///
/// - `idle_in_transaction_session_timeout`: the server ends a session that sits in an open
///   transaction doing nothing; casa-release's transactions never wait between their statements,
///   so only a frozen or lost process reaches it, and its lock is released.
/// - `lock_timeout`: a writer waits that long for the chain's lock, then gives up with exit 75,
///   naming the holder (longer than the idle timeout, so that a frozen holder is ended first).
/// - `statement_timeout`: below the 120 s the client waits for an answer, so that the server
///   ends a stuck statement and says so.
/// - TCP keepalives: the server finds a client whose host or network went away.
/// - `jit`: off. The ledger's queries are look-ups that take milliseconds; on a large ledger
///   their estimated cost passed JIT's thresholds, and compiling them took 1.5 s of a 1.5 s
///   `audit image=` (a 1,000,000-run ledger, EXPLAIN ANALYZE; docs/benchmarks.md).
///
/// Each can be changed as libpq users change them: `options=-c lock_timeout=60s` in the URL, or
/// `PGOPTIONS`.
public enum PostgresSessionSettings {
    /// casa-release's settings, by name.
    public static let defaults: [String: String] = [
        "idle_in_transaction_session_timeout": "10s",
        "lock_timeout": "30s",
        "statement_timeout": "100s",
        "tcp_keepalives_idle": "30",
        "tcp_keepalives_interval": "10",
        "tcp_keepalives_count": "3",
        "jit": "off",
    ]

    /// The startup parameters of a session to `address`: the defaults, the address's own
    /// settings over them, and its application name; sorted, so that every session says the same.
    static func startupParameters(_ address: PostgresAddress) -> [(String, String)] {
        var settings = defaults.merging(address.settings) { $1 }
        if let name = address.applicationName { settings["application_name"] = String(name.prefix(63)) }
        return settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// libpq's `options`: `-c NAME=VALUE` (or `-cNAME=VALUE`, `--NAME=VALUE`) separated by
    /// spaces, `\ ` for a space inside a value.
    public static func parseOptions(_ text: String) throws -> [String: String] {
        var words: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped {
                current.append(character); escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == " " || character == "\t" {
                if !current.isEmpty { words.append(current); current = "" }
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        var settings: [String: String] = [:]
        var index = 0
        while index < words.count {
            var word = words[index]
            if word == "-c" {
                index += 1
                guard index < words.count else { throw PostgresAddressError("options: -c needs NAME=VALUE after it") }
                word = words[index]
            } else if word.hasPrefix("-c") {
                word = String(word.dropFirst(2))
            } else if word.hasPrefix("--") {
                word = String(word.dropFirst(2))
            } else {
                throw PostgresAddressError("options: '\(word)' is not -c NAME=VALUE")
            }
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw PostgresAddressError("options: '\(word)' is not NAME=VALUE")
            }
            settings[word[..<equals].replacingOccurrences(of: "-", with: "_")] = String(
                word[word.index(after: equals)...])
            index += 1
        }
        return settings
    }
}
