import Foundation

/// Encodes values as the ledger writes them (`JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes`): the JSON of the projections (`runs.parameters`,
/// `run_inputs.input`, `runs.lease`), byte for byte what `JSONEncoder` writes.
///
/// Why: a replay (`verify`, a copy's check) encodes every run's parameters, every input of every
/// image and every lease, and `JSONEncoder` was a sixteenth of it: a box and a dictionary for
/// every object, a coding path kept, the keys sorted as Unicode strings. These values are small,
/// of a few known types, and their strings are mostly plain ASCII.
///
/// As `LedgerJSONDecoder` does, it refuses whatever it is not sure to write as `JSONEncoder`
/// does, and `JSONEncoder` writes it instead: a string with a control character, a quote, a
/// backslash or anything beyond ASCII (how each is escaped is left to it), a floating-point
/// number, and the types `JSONEncoder` treats specially (dates, data, URLs, decimals). That both
/// write the same bytes is checked on the fixture ledgers' projections and on generated values
/// (Tests/ReleaseLedgerTests/Store/LedgerJSONEncoderTests.swift).
public enum LedgerJSONEncoder {
    /// `value` as `JSONEncoder` with sorted keys and unescaped slashes writes it.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        if let text = try? encodeWithoutFallback(value) { return text }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// This encoder alone: its refusal is final (for the tests that compare it with `JSONEncoder`).
    static func encodeWithoutFallback<T: Encodable>(_ value: T) throws -> String {
        let refusal = Refusal()
        let root = EncodedValue(refusal)
        try root.set(value)
        // A refusal met where the protocol let nothing be thrown (a nested container, a super encoder).
        guard !refusal.met else { throw LedgerJSONEncoderRefusal() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        root.write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Why this encoder refused a value (never shown): `JSONEncoder` writes it instead.
struct LedgerJSONEncoderRefusal: Error {}

/// A refusal met where `Encoder`'s protocol lets nothing be thrown (making a nested container
/// under a key this encoder does not write, a super encoder): the whole value is then refused.
private final class Refusal {
    var met = false
}

/// A value being encoded: containers are objects, so that a nested container written after it
/// was handed out still lands in its parent.
private final class EncodedValue {
    enum Content {
        case none
        /// A number, `true`, `false` or `null`, as written.
        case literal(String)
        case string(String)
        case array([EncodedValue])
        /// Members in the order written (a key written again replaces its value, in place).
        case object([(key: String, value: EncodedValue)])
    }

    var content: Content = .none
    /// Shared by every node of one value.
    let refusal: Refusal

    init(_ refusal: Refusal) {
        self.refusal = refusal
    }

    /// A node of this value written nowhere, standing for one that could not be made.
    func refused() -> EncodedValue {
        refusal.met = true
        return EncodedValue(refusal)
    }

    /// Encodes `value` into this node.
    func set<T: Encodable>(_ value: T) throws {
        // JSONEncoder writes these its own way, not through their `encode(to:)`.
        // (Compared as types: a cast of the value boxes it, a tenth of this encoder's time.)
        if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self {
            throw LedgerJSONEncoderRefusal()
        }
        try value.encode(to: NodeEncoder(node: self))
        // A type that encoded nothing: JSONEncoder writes an empty object.
        if case .none = content { content = .object([]) }
    }

    func setString(_ string: String) throws {
        try Self.requirePlain(string)
        content = .string(string)
    }

    /// Refuses a string (a value or a key) that is not plain ASCII, or that holds one of the two
    /// characters JSON escapes there: how `JSONEncoder` escapes is left to it.
    static func requirePlain(_ string: String) throws {
        for byte in string.utf8
        where byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            throw LedgerJSONEncoderRefusal()
        }
    }

    func write(to bytes: inout [UInt8]) {
        switch content {
        case .none:
            bytes.append(contentsOf: "{}".utf8)
        case .literal(let text):
            bytes.append(contentsOf: text.utf8)
        case .string(let text):
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            // Keys in the order of their UTF-8 bytes, as JSONEncoder's `.sortedKeys` orders them.
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\""))
                bytes.append(contentsOf: member.key.utf8)
                bytes.append(contentsOf: "\":".utf8)
                member.value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The member `key` of this object (made one if it is none yet).
    func member(_ key: String) throws -> EncodedValue {
        try Self.requirePlain(key)
        if case .none = content { content = .object([]) }
        guard case .object(var members) = content else { throw LedgerJSONEncoderRefusal() }
        let value = EncodedValue(refusal)
        content = .none  // (the array uniquely referenced while it changes)
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
        content = .object(members)
        return value
    }

    /// A new element at the end of this array (made one if it is none yet).
    func appendElement() throws -> EncodedValue {
        if case .none = content { content = .array([]) }
        guard case .array(var elements) = content else { throw LedgerJSONEncoderRefusal() }
        let value = EncodedValue(refusal)
        content = .none
        elements.append(value)
        content = .array(elements)
        return value
    }

    var elementCount: Int {
        if case .array(let elements) = content { return elements.count }
        return 0
    }
}

/// The `Encoder` of one node.
private struct NodeEncoder: Encoder {
    let node: EncodedValue

    var codingPath: [CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .none = node.content { node.content = .object([]) }
        return KeyedEncodingContainer(ObjectEncoder<Key>(node: node))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if case .none = node.content { node.content = .array([]) }
        return ArrayEncoder(node: node)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { ValueEncoder(node: node) }
}

/// One value's writing into a node, shared by the three containers.
private enum ValueWriting {
    static func integer<T: FixedWidthInteger>(_ value: T, into node: EncodedValue) {
        node.content = .literal(String(value))
    }

    static func bool(_ value: Bool, into node: EncodedValue) {
        node.content = .literal(value ? "true" : "false")
    }
}

private struct ObjectEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodedValue
    var codingPath: [CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { try node.member(key.stringValue).content = .literal("null") }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        ValueWriting.bool(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: String, forKey key: Key) throws { try node.member(key.stringValue).setString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw LedgerJSONEncoderRefusal() }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw LedgerJSONEncoderRefusal() }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: Int8, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: Int16, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: Int32, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        ValueWriting.integer(value, into: try node.member(key.stringValue))
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.member(key.stringValue).set(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: (try? node.member(key.stringValue)) ?? node.refused()).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        NodeEncoder(node: (try? node.member(key.stringValue)) ?? node.refused()).unkeyedContainer()
    }

    // What a super encoder writes differs between encoders: refused.
    mutating func superEncoder() -> Encoder { NodeEncoder(node: node.refused()) }
    mutating func superEncoder(forKey key: Key) -> Encoder { NodeEncoder(node: node.refused()) }
}

private struct ArrayEncoder: UnkeyedEncodingContainer {
    let node: EncodedValue
    var codingPath: [CodingKey] { [] }
    var count: Int { node.elementCount }

    mutating func encodeNil() throws { try node.appendElement().content = .literal("null") }
    mutating func encode(_ value: Bool) throws { ValueWriting.bool(value, into: try node.appendElement()) }
    mutating func encode(_ value: String) throws { try node.appendElement().setString(value) }
    mutating func encode(_ value: Double) throws { throw LedgerJSONEncoderRefusal() }
    mutating func encode(_ value: Float) throws { throw LedgerJSONEncoderRefusal() }
    mutating func encode(_ value: Int) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: Int8) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: Int16) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: Int32) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: Int64) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: UInt) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: UInt8) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: UInt16) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: UInt32) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode(_ value: UInt64) throws { ValueWriting.integer(value, into: try node.appendElement()) }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.appendElement().set(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: (try? node.appendElement()) ?? node.refused()).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        NodeEncoder(node: (try? node.appendElement()) ?? node.refused()).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder { NodeEncoder(node: node.refused()) }
}

private struct ValueEncoder: SingleValueEncodingContainer {
    let node: EncodedValue
    var codingPath: [CodingKey] { [] }

    mutating func encodeNil() throws { node.content = .literal("null") }
    mutating func encode(_ value: Bool) throws { ValueWriting.bool(value, into: node) }
    mutating func encode(_ value: String) throws { try node.setString(value) }
    mutating func encode(_ value: Double) throws { throw LedgerJSONEncoderRefusal() }
    mutating func encode(_ value: Float) throws { throw LedgerJSONEncoderRefusal() }
    mutating func encode(_ value: Int) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: Int8) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: Int16) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: Int32) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: Int64) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: UInt) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: UInt8) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: UInt16) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: UInt32) throws { ValueWriting.integer(value, into: node) }
    mutating func encode(_ value: UInt64) throws { ValueWriting.integer(value, into: node) }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.set(value) }
}
