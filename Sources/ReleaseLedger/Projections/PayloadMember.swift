/// The text of one member of an event's payload, as the payload holds it: the parameters of a
/// `RunStarted`, which `runs.parameters` stores as JSON.
///
/// Encoding them again from the decoded event cost a replay and every run's start. A payload is
/// the event's canonical encoding (sorted keys, no white space), whose members are encoded as the
/// projections encode them; the ledger's fixtures pin both
/// (Tests/ReleaseLedgerTests/Store/PayloadMemberTests.swift), so the text found here is what
/// encoding the member again would give.
///
/// Anything this scanner does not expect (not an object, a key met twice, a key written with
/// escapes, text cut short) answers nil, and the caller encodes the value as before.
enum PayloadMember {
    /// The JSON text of the member named `key` of the object `payload`; nil when it has none.
    static func text(of key: StaticString, in payload: String) -> String? {
        var payload = payload
        return payload.withUTF8 { bytes in
            key.withUTF8Buffer { key in
                guard let range = Scanner(bytes: bytes).member(key) else { return nil }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            }
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>

        private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

        /// The range of the value of the object's member `key`, when it has exactly one.
        func member(_ key: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
            var index = skipSpace(0)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
            index = skipSpace(index + 1)
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return nil }
            var found: Range<Int>?
            while true {
                guard index < bytes.count, bytes[index] == Self.quote, let keyEnd = endOfString(index) else {
                    return nil
                }
                let name = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<(keyEnd - 1)])
                if name.contains(Self.backslash) { return nil }
                index = skipSpace(keyEnd)
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                let valueStart = skipSpace(index + 1)
                guard let valueEnd = endOfValue(valueStart) else { return nil }
                if name.elementsEqual(key) {
                    if found != nil { return nil }
                    found = valueStart..<valueEnd
                }
                index = skipSpace(valueEnd)
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "}") { return found }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index = skipSpace(index + 1)
            }
        }

        private func skipSpace(_ start: Int) -> Int {
            var index = start
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
            return index
        }

        private static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        /// Just past the closing quote of the string that opens at `start`.
        private func endOfString(_ start: Int) -> Int? {
            var index = start + 1
            while index < bytes.count {
                switch bytes[index] {
                case Self.backslash: index += 2
                case Self.quote: return index + 1
                default: index += 1
                }
            }
            return nil
        }

        /// Just past the value that begins at `start`.
        private func endOfValue(_ start: Int) -> Int? {
            guard start < bytes.count else { return nil }
            switch bytes[start] {
            case Self.quote:
                return endOfString(start)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                var index = start
                while index < bytes.count {
                    switch bytes[index] {
                    case Self.quote:
                        guard let end = endOfString(index) else { return nil }
                        index = end
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { return index + 1 }
                    default:
                        break
                    }
                    index += 1
                }
                return nil
            default:
                // A number or a literal: up to the next delimiter.
                var index = start
                while index < bytes.count, !Self.isSpace(bytes[index]), bytes[index] != UInt8(ascii: ","),
                    bytes[index] != UInt8(ascii: "}"), bytes[index] != UInt8(ascii: "]")
                {
                    index += 1
                }
                return index == start ? nil : index
            }
        }
    }
}
