import Foundation

/// Rows in the text format of PostgreSQL's `COPY … FROM STDIN`: one line a row, fields separated
/// by tabs, `\N` for NULL, and a backslash before what would end a field or a line (`\\`, `\t`,
/// `\n`, `\r`). bytea is its hexadecimal input form (`\x…`, its backslash doubled).
struct PostgresCopyText {
    var bytes: [UInt8] = []

    mutating func append(_ row: [SQLValue]) {
        for (index, value) in row.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "\t")) }
            switch value {
            case .null: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "N")]
            case .integer(let number): bytes += String(number).utf8
            case .real(let number):
                bytes +=
                    (number.isNaN
                    ? "NaN" : number.isInfinite ? (number < 0 ? "-Infinity" : "Infinity") : String(number)).utf8
            case .bool(let flag): bytes.append(UInt8(ascii: flag ? "t" : "f"))
            case .text(let text): appendEscaped(text)
            case .blob(let data):
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")]
                for byte in data {
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0x0f)])
                }
            }
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func appendEscaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            default: bytes.append(byte)
            }
        }
    }
}
