import Foundation

/// Renders JSON as casa-distro writes its sidecars: Python's
/// `json.dump(obj, f, indent=4, separators=(',', ': '))`, with ASCII escapes, and no final newline.
///
/// Why byte-compatible: clients and people diff these files, and a republished sidecar should differ
/// from the local one only by what the publication adds.
public enum SidecarRendering {
    /// The text of `value`, indented by four spaces per level as Python does.
    public static func render(_ value: JSONValue) -> String {
        var output = ""
        write(value, level: 0, into: &output)
        return output
    }

    private static func write(_ value: JSONValue, level: Int, into output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .integer(let number): output += String(number)
        case .number(let number):
            output += number == number.rounded() && abs(number) < 1e16 ? String(format: "%.1f", number) : String(number)
        case .string(let text): output += quoted(text)
        case .array(let values):
            if values.isEmpty { output += "[]"; return }
            output += "[\n"
            for (position, element) in values.enumerated() {
                output += indent(level + 1)
                write(element, level: level + 1, into: &output)
                output += position == values.count - 1 ? "\n" : ",\n"
            }
            output += indent(level) + "]"
        case .object(let members):
            if members.isEmpty { output += "{}"; return }
            output += "{\n"
            for (position, member) in members.enumerated() {
                output += indent(level + 1) + quoted(member.key) + ": "
                write(member.value, level: level + 1, into: &output)
                output += position == members.count - 1 ? "\n" : ",\n"
            }
            output += indent(level) + "}"
        }
    }

    private static func indent(_ level: Int) -> String { String(repeating: "    ", count: level) }

    /// Python's `ensure_ascii=True` quoting: everything outside printable ASCII is `\uXXXX`.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: result += "\\\""
            case 0x5C: result += "\\\\"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x08: result += "\\b"
            case 0x0C: result += "\\f"
            case 0x20..<0x7F: result.unicodeScalars.append(UnicodeScalar(UInt8(unit)))
            default: result += String(format: "\\u%04x", unit)
            }
        }
        return result + "\""
    }
}
