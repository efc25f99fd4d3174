import Foundation

/// A migration file cut into its statements: the session sends every statement through
/// PostgreSQL's extended query protocol (`PQsendQueryParams`), which takes one at a time. A `;` ends a statement unless it is in a
/// quoted string, a quoted name, a dollar-quoted body (`$$ … $$`, `$tag$ … $tag$`) or a comment.
enum SQLStatements {
    static func split(_ text: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let characters = Array(text)
        var index = 0
        var quote: Character?  // ' or "
        var dollarTag: String?  // the $tag$ that closes the body we are in
        func take(_ count: Int) {
            current.append(contentsOf: characters[index..<min(index + count, characters.count)])
            index += count
        }
        while index < characters.count {
            let character = characters[index]
            if let tag = dollarTag {
                if character == "$", String(characters[index..<min(index + tag.count, characters.count)]) == tag {
                    take(tag.count); dollarTag = nil
                } else {
                    take(1)
                }
            } else if let open = quote {
                take(1)
                if character == open { quote = nil }
            } else if character == "-", index + 1 < characters.count, characters[index + 1] == "-" {
                // A comment, to the end of the line: dropped.
                while index < characters.count, characters[index] != "\n" { index += 1 }
            } else if character == "'" || character == "\"" {
                quote = character; take(1)
            } else if character == "$", let tag = dollarQuoteTag(characters, at: index) {
                dollarTag = tag; take(tag.count)
            } else if character == ";" {
                index += 1
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                take(1)
            }
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }

    /// `$$` or `$name$` starting at `index`, if that is one.
    private static func dollarQuoteTag(_ characters: [Character], at index: Int) -> String? {
        var end = index + 1
        while end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" {
            end += 1
        }
        guard end < characters.count, characters[end] == "$" else { return nil }
        if end > index + 1, characters[index + 1].isNumber { return nil }  // $1 is a parameter
        return String(characters[index...end])
    }
}
