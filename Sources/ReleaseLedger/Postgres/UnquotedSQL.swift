import Foundation

/// SQL text rewritten outside its quoted parts (`'…'` and `"…"`, kept as they are): how `?`
/// become `$n` for the server (PostgresLedgerSQL), and `$n` become values for a trace
/// (PostgresStatementTrace).
enum UnquotedSQL {
    /// `sql` with, at each character outside quotes, what `rewrite` makes of it: given the
    /// characters and the index of that one, it returns the replacement and moves the index past
    /// what it replaced, or returns nil (and leaves the index) to keep the character.
    static func rewrite(_ sql: String, _ rewrite: ([Character], inout Int) -> String?) -> String {
        let characters = Array(sql)
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        var quote: Character?
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if let replacement = rewrite(characters, &index) {
                result += replacement
                continue
            }
            result.append(character)
            index += 1
        }
        return result
    }
}
