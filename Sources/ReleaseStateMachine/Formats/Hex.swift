/// Lowercase hexadecimal of bytes, for digests. `String(format: "%02x")` per byte cost 63% of a
/// `verify` (a formatter call and a string per byte); this writes the ASCII digits straight into
/// the string's storage. (Through a generic iterator, unspecialised across the module boundary,
/// it was still a fifth of `verify --chain-only`: bytes in contiguous storage take the buffer.)
public enum Hex {
    private static let digits: StaticString = "0123456789abcdef"

    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let text = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) {
            return text
        }
        return Array(bytes).withUnsafeBytes { encode($0) }
    }

    /// The hexadecimal of the bytes in `bytes`.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        digits.withUTF8Buffer { digits in
            String(unsafeUninitializedCapacity: bytes.count * 2) { ascii in
                var index = 0
                for byte in bytes {
                    ascii[index] = digits[Int(byte >> 4)]
                    ascii[index + 1] = digits[Int(byte & 0x0f)]
                    index += 2
                }
                return index
            }
        }
    }

    /// The bytes of a hexadecimal string (either case); nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        let ascii = Array(text.utf8)
        guard ascii.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ascii.count / 2)
        var index = 0
        while index < ascii.count {
            guard let high = value(ascii[index]), let low = value(ascii[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
