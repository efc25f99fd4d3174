import Foundation

/// Every statement the PostgreSQL sessions of this process send, written as psql runs them (the
/// values as typed literals, one statement a line) to the file `CASA_RELEASE_SQL_TRACE` names.
///
/// It is what the PostgreSQL benchmark replays with psql as its baseline: the very statements an
/// append sends, the same rows, each its own round trip, without casa-release's own work
/// (Benchmarks/LedgerAppendBenchmark). It also shows what an append sends, for whoever wonders.
/// Off unless the variable is set: then nothing is written and nothing is checked but one nil.
final class PostgresStatementTrace: @unchecked Sendable {
    static let shared: PostgresStatementTrace? = {
        guard let path = ProcessInfo.processInfo.environment["CASA_RELEASE_SQL_TRACE"], !path.isEmpty else {
            return nil
        }
        return PostgresStatementTrace(path: path)
    }()

    private let descriptor: Int32
    private let lock = NSLock()

    private init?(path: String) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
    }

    func record(_ sql: String, _ values: [SQLValue]) {
        let line = Array((Self.literal(sql, values) + ";\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// `sql` with each `$n` outside quotes replaced by its value, typed as the session binds it
    /// (PostgresParameters), so that the server reads the same statement.
    static func literal(_ sql: String, _ values: [SQLValue]) -> String {
        UnquotedSQL.rewrite(sql) { characters, index in
            guard characters[index] == "$" else { return nil }
            var end = index + 1
            while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
            guard end > index + 1, let number = Int(String(characters[(index + 1)..<end])),
                values.indices.contains(number - 1)
            else { return nil }
            index = end
            return literal(values[number - 1])
        }
    }

    static func literal(_ value: SQLValue) -> String {
        switch value {
        case .null: return "NULL"
        case .text(let text): return "'" + text.replacingOccurrences(of: "'", with: "''") + "'::text"
        // Quoted: -9223372036854775808::int8 reads as the negation of a number too big.
        case .integer(let number): return "'\(number)'::int8"
        case .real(let number): return "'\(number)'::float8"
        case .bool(let flag): return flag ? "true" : "false"
        case .blob(let data): return "'\\x" + data.map { String(format: "%02x", $0) }.joined() + "'::bytea"
        }
    }
}
