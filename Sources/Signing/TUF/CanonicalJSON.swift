import Foundation
import ReleaseStateMachine

/// OLPC canonical JSON, as TUF signs it and securesystemslib writes it (`encode_canonical`):
/// object keys sorted by code point, no white space, in strings only `"` and `\` escaped (every
/// other character as its UTF-8 bytes), integers only.
public enum CanonicalJSON {
    public struct NotCanonical: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func encode(_ value: JSONValue) throws -> Data {
        var text = ""
        try write(value, into: &text, json: false)
        return Data(text.utf8)
    }

    /// The same, as a JSON file: control characters escaped (`\n`), which canonical JSON keeps as
    /// they are and JSON parsers refuse. A TUF file is this; its signatures are over `encode`, the
    /// form a client makes again from what it parsed.
    public static func file(_ value: JSONValue) throws -> Data {
        var text = ""
        try write(value, into: &text, json: true)
        return Data(text.utf8)
    }

    private static func write(_ value: JSONValue, into text: inout String, json: Bool) throws {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .integer(let number): text += String(number)
        case .number(let number):
            throw NotCanonical(description: "\(number) is not an integer: canonical JSON has no other numbers")
        case .string(let string): writeString(string, into: &text, json: json)
        case .array(let values):
            text += "["
            for (index, element) in values.enumerated() {
                if index > 0 { text += "," }
                try write(element, into: &text, json: json)
            }
            text += "]"
        case .object(let members):
            text += "{"
            let sorted = members.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
            for (index, member) in sorted.enumerated() {
                if index > 0 {
                    guard member.key != sorted[index - 1].key else {
                        throw NotCanonical(description: "the key \(member.key) appears twice")
                    }
                    text += ","
                }
                writeString(member.key, into: &text, json: json)
                text += ":"
                try write(member.value, into: &text, json: json)
            }
            text += "}"
        }
    }

    private static func writeString(_ string: String, into text: inout String, json: Bool) {
        text += "\""
        for character in string.unicodeScalars {
            if character == "\\" || character == "\"" {
                text += "\\"
            } else if json, character.value < 0x20 {
                switch character {
                case "\n": text += "\\n"
                case "\t": text += "\\t"
                case "\r": text += "\\r"
                default:
                    text +=
                        "\\u" + String(repeating: "0", count: 4 - String(character.value, radix: 16).count)
                        + String(character.value, radix: 16)
                }
                continue
            }
            text.unicodeScalars.append(character)
        }
        text += "\""
    }
}
