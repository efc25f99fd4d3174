import Foundation

/// Decodes the ledger's event payloads: a `Decoder` made for them, with Foundation's
/// `JSONDecoder` behind it for anything it is not sure of.
///
/// Why: a replay (`verify`, `rebuild-projections`, a copy's check) decodes every event, and
/// through `JSONDecoder` that was a quarter of it. Most of that went in what `JSONDecoder` does
/// for any JSON and any Codable type: a dictionary built for every object read, a coding path
/// kept for every value, a `DecodingError` made and thrown at every kind a value was tried as.
/// A payload is small, compact and written by casa-release; this decoder parses it into one flat
/// array of nodes, looks a key up among its object's few members, and keeps no coding path.
///
/// It is never the only word. Whatever it cannot read, or reads in a way that could differ from
/// `JSONDecoder` (a key written with escapes or met twice, a number written as a fraction where
/// an integer is asked for, a lone surrogate, depth beyond 512), it refuses, and `JSONDecoder`
/// decodes the payload instead: errors keep `JSONDecoder`'s words and coding path. That both
/// give the same values is checked on every event of the ledger fixtures, and on thousands of
/// corrupted copies of them (Tests/ReleaseLedgerTests/Store/LedgerJSONDecoderTests.swift).
public enum LedgerJSONDecoder {
    /// The payload decoded as `type`, as `JSONDecoder` would decode it.
    public static func decode<T: Decodable>(_ type: T.Type, from payload: Data) throws -> T {
        try decode(type, from: [UInt8](payload))
    }

    /// The same, from the payload's bytes (a ledger's payload is text: its bytes are copied
    /// once, into the array the parse reads, where `Data` cost a second copy).
    public static func decode<T: Decodable>(_ type: T.Type, from payload: [UInt8]) throws -> T {
        if let value = try? decodeWithoutFallback(type, from: payload) { return value }
        return try JSONDecoder().decode(type, from: Data(payload))
    }

    /// This decoder alone: its refusal is final (for the tests that compare it with `JSONDecoder`).
    static func decodeWithoutFallback<T: Decodable>(_ type: T.Type, from payload: [UInt8]) throws -> T {
        let document = try Document(bytes: payload)
        let value = try T(from: NodeDecoder(document: document, node: 0))
        // A doubt met on the way stands even when a type's own `try?` swallowed it (JSONValue
        // tries one kind after another): JSONDecoder could have read that value as the kind tried.
        guard !document.doubted else { throw LedgerJSONRefusal() }
        return value
    }
}

/// A way of reading a payload as a type.
protocol PayloadDecoding {
    static func decode<T: Decodable>(_ type: T.Type, from payload: [UInt8]) throws -> T
}

extension LedgerJSONDecoder: PayloadDecoding {}

/// Why this decoder refused a value (never shown). Of two kinds: a value that is not of the kind
/// asked for (a string asked of a number), which `JSONDecoder` refuses too; and a doubt, where
/// `JSONDecoder` might read the value (an integer written `1e3`), which sends the whole payload
/// to `JSONDecoder` (`Document.doubt()`).
struct LedgerJSONRefusal: Error {}

/// A payload parsed into nodes, in document order: an array's values, and an object's keys and
/// values in turn, follow their container; `end` is the index just past a node's descendants.
private final class Document {
    enum Kind: UInt8 { case null, falseValue, trueValue, number, string, escapedString, array, object }

    struct Node {
        var kind: Kind
        /// The node's bytes (a string's without its quotes).
        var start: Int
        var end: Int
        /// The index of the node after this one and its descendants.
        var next: Int
    }

    let bytes: [UInt8]
    /// Read-only once parsed: the containers read them at every value (a `var` of a class is
    /// checked for exclusive access at each read, which was a twentieth of decoding).
    let nodes: [Node]
    /// Whether a value was refused where `JSONDecoder` might have read it.
    private(set) var doubted = false

    /// The refusal of a value `JSONDecoder` might read otherwise: the payload goes to it.
    func doubt() -> LedgerJSONRefusal {
        doubted = true
        return LedgerJSONRefusal()
    }

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        nodes = try bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            var index = parser.skipSpace(0)
            index = try parser.parseValue(at: index, depth: 0)
            guard parser.skipSpace(index) == buffer.count else { throw LedgerJSONRefusal() }
            return parser.nodes
        }
    }

    /// The parse: the payload's bytes into nodes, in one pass.
    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var nodes: [Node] = []

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            nodes.reserveCapacity(bytes.count / 8)
        }

        func skipSpace(_ start: Int) -> Int {
            var index = start
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
            {
                index += 1
            }
            return index
        }

        /// Parses the value at `start`; the index just past it.
        mutating func parseValue(at start: Int, depth: Int) throws -> Int {
            guard start < bytes.count, depth < 512 else { throw LedgerJSONRefusal() }
            let position = nodes.count
            switch bytes[start] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[start] == UInt8(ascii: "{")
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                nodes.append(Node(kind: isObject ? .object : .array, start: start, end: start, next: 0))
                var index = skipSpace(start + 1)
                if index < bytes.count, bytes[index] == close {
                    index += 1
                } else {
                    while true {
                        if isObject {
                            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                                throw LedgerJSONRefusal()
                            }
                            index = skipSpace(try parseString(at: index))
                            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                                throw LedgerJSONRefusal()
                            }
                            index = skipSpace(index + 1)
                        }
                        index = skipSpace(try parseValue(at: index, depth: depth + 1))
                        guard index < bytes.count else { throw LedgerJSONRefusal() }
                        if bytes[index] == close {
                            index += 1
                            break
                        }
                        guard bytes[index] == UInt8(ascii: ",") else { throw LedgerJSONRefusal() }
                        index = skipSpace(index + 1)
                    }
                }
                nodes[position].end = index
                nodes[position].next = nodes.count
                return index
            case UInt8(ascii: "\""):
                return try parseString(at: start)
            case UInt8(ascii: "t"): return try literal("true", .trueValue, at: start)
            case UInt8(ascii: "f"): return try literal("false", .falseValue, at: start)
            case UInt8(ascii: "n"): return try literal("null", .null, at: start)
            default:
                return try parseNumber(at: start)
            }
        }

        mutating func literal(_ word: StaticString, _ kind: Kind, at start: Int) throws -> Int {
            let end = start + word.utf8CodeUnitCount
            guard end <= bytes.count,
                word.withUTF8Buffer({ UnsafeBufferPointer(rebasing: bytes[start..<end]).elementsEqual($0) })
            else { throw LedgerJSONRefusal() }
            nodes.append(Node(kind: kind, start: start, end: end, next: nodes.count + 1))
            return end
        }

        /// A string's node (its bytes between the quotes); the index past its closing quote. Escapes
        /// are checked when the string is read.
        mutating func parseString(at start: Int) throws -> Int {
            var index = start + 1
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    nodes.append(
                        Node(
                            kind: escaped ? .escapedString : .string, start: start + 1, end: index,
                            next: nodes.count + 1))
                    return index + 1
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    index = try endOfEscape(at: index)
                    continue
                }
                guard byte >= 0x20 else { throw LedgerJSONRefusal() }
                index += 1
            }
            throw LedgerJSONRefusal()
        }

        /// Just past the escape at `start` (a backslash), checked as JSON writes them: a `\u` escape
        /// of half a surrogate pair must be followed by the other half.
        func endOfEscape(at start: Int) throws -> Int {
            guard start + 1 < bytes.count else { throw LedgerJSONRefusal() }
            switch bytes[start + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return start + 2
            case UInt8(ascii: "u"):
                let scalar = try Document.hex4(bytes, at: start + 2)
                switch scalar {
                case 0xD800...0xDBFF:
                    guard start + 7 < bytes.count, bytes[start + 6] == UInt8(ascii: "\\"),
                        bytes[start + 7] == UInt8(ascii: "u"),
                        (0xDC00...0xDFFF).contains(try Document.hex4(bytes, at: start + 8))
                    else { throw LedgerJSONRefusal() }
                    return start + 12
                case 0xDC00...0xDFFF:
                    throw LedgerJSONRefusal()
                default:
                    return start + 6
                }
            default:
                throw LedgerJSONRefusal()
            }
        }

        /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        mutating func parseNumber(at start: Int) throws -> Int {
            var index = start
            func digits() throws {
                let first = index
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    index += 1
                }
                guard index > first else { throw LedgerJSONRefusal() }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw LedgerJSONRefusal() }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                try digits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                try digits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                try digits()
            }
            nodes.append(Node(kind: .number, start: start, end: index, next: nodes.count + 1))
            return index
        }
    }

    // MARK: Reading nodes

    /// The string a string node holds.
    func string(_ node: Node) throws -> String {
        switch node.kind {
        case .string:
            return bytes.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[node.start..<node.end]), as: UTF8.self)
            }
        case .escapedString:
            return try unescaped(node)
        default:
            throw LedgerJSONRefusal()
        }
    }

    private func unescaped(_ node: Node) throws -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(node.end - node.start)
        var index = node.start
        while index < node.end {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                index += 1
                continue
            }
            guard index + 1 < node.end else { throw doubt() }
            switch bytes[index + 1] {
            case UInt8(ascii: "\""): utf8.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): utf8.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): utf8.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: index + 2)
                index += 6
                if (0xD800...0xDBFF).contains(scalar) {
                    // A pair's high half must be followed by its low half; anything else is refused.
                    guard index + 1 < node.end, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else { throw doubt() }
                    let low = try hex4(at: index + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw doubt() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw doubt() }
                utf8.append(contentsOf: String(Character(unicode)).utf8)
                continue
            default:
                throw doubt()
            }
            index += 2
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    private func hex4(at start: Int) throws -> UInt32 {
        try bytes.withUnsafeBufferPointer { try Self.hex4($0, at: start) }
    }

    /// The four hexadecimal digits at `start`, as a number.
    static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) throws -> UInt32 {
        guard start + 4 <= bytes.count else { throw LedgerJSONRefusal() }
        var value: UInt32 = 0
        for byte in bytes[start..<start + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw LedgerJSONRefusal()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// An integer node as `T`: integers written as integers only, within `T`'s range.
    func integer<T: FixedWidthInteger>(_ node: Node, as type: T.Type) throws -> T {
        guard node.kind == .number else { throw LedgerJSONRefusal() }
        // Read digit by digit (through a `String` and `T.init(_:)`, it was a fortieth of
        // decoding); a fraction, an exponent or a value beyond `T` is left to `JSONDecoder`.
        let value: T? = bytes.withUnsafeBufferPointer { buffer in
            let text = UnsafeBufferPointer(rebasing: buffer[node.start..<node.end])
            let negative = text.first == UInt8(ascii: "-")
            var value: T = 0
            for byte in text.dropFirst(negative ? 1 : 0) {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                let digit = T(byte - UInt8(ascii: "0"))
                let (tens, overflowed) = value.multipliedReportingOverflow(by: 10)
                // Negative numbers are built downwards, so that `T.min` is within reach.
                let (next, overflowedAgain) =
                    negative ? tens.subtractingReportingOverflow(digit) : tens.addingReportingOverflow(digit)
                guard !overflowed, !overflowedAgain else { return nil }
                value = next
            }
            return value
        }
        guard let value else { throw doubt() }
        return value
    }

    /// A number node as a `Double`, refused where the text would not come back whole.
    func double(_ node: Node) throws -> Double {
        guard node.kind == .number else { throw LedgerJSONRefusal() }
        guard let value = Double(String(decoding: bytes[node.start..<node.end], as: UTF8.self)), value.isFinite
        else { throw doubt() }
        return value
    }

    /// Checks the object at `index` for a container: refused when a key holds escapes or comes
    /// twice (which of the two `JSONDecoder` keeps is its affair). Its members are then read in
    /// place (`forEachMember`, `value(of:inObjectAt:)`): an object has few.
    func checkObject(at index: Int) throws {
        let object = nodes[index]
        guard object.kind == .object else { throw LedgerJSONRefusal() }
        var child = index + 1
        while child < object.next {
            let key = nodes[child]
            guard key.kind == .string else { throw doubt() }
            var earlier = index + 1
            while earlier < child {
                if sameBytes(nodes[earlier], key) { throw doubt() }
                earlier = nodes[earlier + 1].next
            }
            child = nodes[child + 1].next
        }
    }

    /// Calls `body` with each member of the object at `index`: its key's node and its value's index.
    func forEachMember(ofObjectAt index: Int, _ body: (_ key: Node, _ value: Int) throws -> Void) rethrows {
        var child = index + 1
        let end = nodes[index].next
        while child < end {
            try body(nodes[child], child + 1)
            child = nodes[child + 1].next
        }
    }

    /// The index of the value of `key` in the object at `index`, if it has that key.
    func value(of key: String, inObjectAt index: Int) -> Int? {
        var key = key
        // The keys' bytes compared with memcmp (`elementsEqual` went byte by byte).
        return key.withUTF8 { utf8 in
            bytes.withUnsafeBufferPointer { all in
                var child = index + 1
                let end = nodes[index].next
                while child < end {
                    let node = nodes[child]
                    if node.end - node.start == utf8.count,
                        utf8.isEmpty || memcmp(all.baseAddress! + node.start, utf8.baseAddress!, utf8.count) == 0
                    {
                        return child + 1
                    }
                    child = nodes[child + 1].next
                }
                return nil
            }
        }
    }

    /// The indexes of the values of the array at `index`.
    func elements(ofArrayAt index: Int) throws -> [Int] {
        let array = nodes[index]
        guard array.kind == .array else { throw LedgerJSONRefusal() }
        var elements: [Int] = []
        var child = index + 1
        while child < array.next {
            elements.append(child)
            child = nodes[child].next
        }
        return elements
    }

    func sameBytes(_ a: Node, _ b: Node) -> Bool {
        a.end - a.start == b.end - b.start
            && (a.end == a.start
                || bytes.withUnsafeBufferPointer {
                    memcmp($0.baseAddress! + a.start, $0.baseAddress! + b.start, a.end - a.start) == 0
                })
    }
}

/// The `Decoder` of one node of a `Document`.
private struct NodeDecoder: Decoder {
    let document: Document
    let node: Int

    var codingPath: [CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try document.checkObject(at: node)
        return KeyedDecodingContainer(ObjectContainer<Key>(document: document, object: node))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        ArrayContainer(document: document, elements: try document.elements(ofArrayAt: node))
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        ValueContainer(document: document, node: node)
    }
}

/// One value's reading, shared by the three containers.
private struct ValueReader {
    let document: Document
    let node: Int

    var isNull: Bool { document.nodes[node].kind == .null }

    func bool() throws -> Bool {
        switch document.nodes[node].kind {
        case .trueValue: return true
        case .falseValue: return false
        default: throw LedgerJSONRefusal()
        }
    }

    func string() throws -> String { try document.string(document.nodes[node]) }
    func double() throws -> Double { try document.double(document.nodes[node]) }
    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try document.integer(document.nodes[node], as: type)
    }
    /// No ledger type holds a `Float`; how one is rounded is left to `JSONDecoder`.
    func float() throws -> Float { throw document.doubt() }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: NodeDecoder(document: document, node: node))
    }
}

private struct ObjectContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let document: Document
    /// The object's node.
    let object: Int

    var codingPath: [CodingKey] { [] }

    var allKeys: [Key] {
        var keys: [Key] = []
        document.forEachMember(ofObjectAt: object) { key, _ in
            if let name = try? document.string(key), let key = Key(stringValue: name) { keys.append(key) }
        }
        return keys
    }

    func contains(_ key: Key) -> Bool { index(of: key) != nil }

    private func index(of key: Key) -> Int? { document.value(of: key.stringValue, inObjectAt: object) }

    private func reader(_ key: Key) throws -> ValueReader {
        guard let node = index(of: key) else { throw LedgerJSONRefusal() }
        return ValueReader(document: document, node: node)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try reader(key).isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try reader(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try reader(key).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try reader(key).double() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try reader(key).float() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try reader(key).integer(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try reader(key).integer(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try reader(key).integer(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try reader(key).integer(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try reader(key).integer(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try reader(key).integer(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try reader(key).integer(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try reader(key).integer(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try reader(key).integer(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try reader(key).integer(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try reader(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try NodeDecoder(document: document, node: try reader(key).node).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try NodeDecoder(document: document, node: try reader(key).node).unkeyedContainer()
    }

    // What a super decoder reads differs between decoders when the key is missing: refused.
    func superDecoder() throws -> Decoder { throw document.doubt() }
    func superDecoder(forKey key: Key) throws -> Decoder { throw document.doubt() }
}

private struct ArrayContainer: UnkeyedDecodingContainer {
    let document: Document
    let elements: [Int]
    var currentIndex = 0

    init(document: Document, elements: [Int]) {
        self.document = document
        self.elements = elements
    }

    var codingPath: [CodingKey] { [] }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ValueReader {
        guard !isAtEnd else { throw LedgerJSONRefusal() }
        defer { currentIndex += 1 }
        return ValueReader(document: document, node: elements[currentIndex])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw LedgerJSONRefusal() }
        // As the protocol says: the index moves on only past a null.
        if ValueReader(document: document, node: elements[currentIndex]).isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
    mutating func decode(_ type: String.Type) throws -> String { try next().string() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().double() }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().float() }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().integer(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try NodeDecoder(document: document, node: try next().node).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        try NodeDecoder(document: document, node: try next().node).unkeyedContainer()
    }

    mutating func superDecoder() throws -> Decoder { throw document.doubt() }
}

private struct ValueContainer: SingleValueDecodingContainer {
    let document: Document
    let node: Int

    var codingPath: [CodingKey] { [] }
    private var reader: ValueReader { ValueReader(document: document, node: node) }

    func decodeNil() -> Bool { reader.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try reader.bool() }
    func decode(_ type: String.Type) throws -> String { try reader.string() }
    func decode(_ type: Double.Type) throws -> Double { try reader.double() }
    func decode(_ type: Float.Type) throws -> Float { try reader.float() }
    func decode(_ type: Int.Type) throws -> Int { try reader.integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try reader.integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try reader.integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try reader.integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try reader.integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try reader.integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try reader.integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try reader.integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try reader.integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try reader.integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try reader.decode(type) }
}
