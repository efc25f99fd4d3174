import Foundation

/// A result's cell, which libpq gives as text, as the ledger reads values: integers, floats and
/// booleans as such, bytea from its hexadecimal form, anything else (NUMERIC, a SUM of integers,
/// among them) as its text.
enum PostgresText {
    static func value(_ text: String, type: UInt32) -> SQLValue {
        switch type {
        case PostgresType.int2, PostgresType.int4, PostgresType.int8:
            return Int64(text).map(SQLValue.integer) ?? .text(text)
        case PostgresType.bool:
            return .bool(text == "t")
        case PostgresType.float4, PostgresType.float8:
            return Double(text).map(SQLValue.real) ?? .text(text)
        case PostgresType.bytea:
            return hex(text).map(SQLValue.blob) ?? .text(text)
        default:
            return .text(text)
        }
    }

    /// bytea's output (`bytea_output = hex`, the default since PostgreSQL 9.0): `\x` then two
    /// hexadecimal digits a byte.
    static func hex(_ text: String) -> Data? {
        let digits = Array(text.utf8)
        guard digits.count >= 2, digits[0] == UInt8(ascii: "\\"), digits[1] == UInt8(ascii: "x"),
            digits.count % 2 == 0
        else { return nil }
        var data = Data(capacity: (digits.count - 2) / 2)
        var index = 2
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
