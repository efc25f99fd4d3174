import Foundation
import TestSupport
import Testing

@testable import ReleaseStateMachine

/// `LedgerJSONEncoder` writes what `JSONEncoder` (sorted keys, unescaped slashes) writes, byte
/// for byte: the projections' JSON is compared with the rows of ledgers written by earlier
/// versions, and the events' payloads are hashed. Every event of the fixture ledgers is written
/// again and compared by LedgerFormatTests; here, generated values, with what this encoder
/// leaves to `JSONEncoder` (escapes, non-ASCII text, floating-point numbers, dates).
@Suite struct LedgerJSONEncoderTests {
    static func foundation<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Keys and strings drawn from characters whose order and escaping differ between rules:
    /// upper and lower case, digits, punctuation, a slash, quotes, controls, non-ASCII.
    static let plain = Array("aAbBzZ09_-./:@ ")
    static let special = Array("\"\\\n\t\u{1}éß😀\u{2028}")

    static func words(_ random: inout SplitMix64, count: Int, from alphabet: [Character]) -> [String] {
        (0..<count).map { _ in
            String((0..<Int(random.next() % 8)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
    }

    @Test func dictionariesOfPlainTextAreWrittenAloneAsJSONEncoderWritesThem() throws {
        var random = SplitMix64(seed: 32)
        for _ in 0..<500 {
            let keys = Self.words(&random, count: Int(random.next() % 12), from: Self.plain)
            let values = Self.words(&random, count: keys.count, from: Self.plain)
            let dictionary = Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first })
            #expect(try LedgerJSONEncoder.encodeWithoutFallback(dictionary) == Self.foundation(dictionary))
        }
    }

    @Test func whatItLeavesToJSONEncoderComesOutTheSame() throws {
        var random = SplitMix64(seed: 33)
        let alphabet = Self.plain + Self.special + ["\u{7f}"]
        for _ in 0..<500 {
            let keys = Self.words(&random, count: Int(random.next() % 6), from: alphabet)
            let values = Self.words(&random, count: keys.count, from: alphabet)
            let dictionary = Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first })
            #expect(try LedgerJSONEncoder.encode(dictionary) == Self.foundation(dictionary))
        }
        // DEL is no control character to JSON: written as it is, by both.
        #expect(
            try LedgerJSONEncoder.encodeWithoutFallback(["a\u{7f}": "\u{7f}"]) == Self.foundation(["a\u{7f}": "\u{7f}"])
        )
        for special in Self.special {
            #expect(throws: LedgerJSONEncoderRefusal.self) {
                try LedgerJSONEncoder.encodeWithoutFallback(["a": "x\(special)"])
            }
            #expect(throws: LedgerJSONEncoderRefusal.self) {
                try LedgerJSONEncoder.encodeWithoutFallback(["\(special)": 1])
            }
        }
    }

    /// Nesting, optionals (absent, and null where a type writes it), every integer width at its
    /// limits, booleans, empty containers, and the values refused (floating point, dates, URLs, a
    /// super encoder): written alone where they can be, always as `JSONEncoder` writes them.
    @Test func shapesAndKindsAreWrittenAsJSONEncoderWritesThem() throws {
        struct Inner: Encodable {
            var list: [Int64?] = [Int64.min, nil, Int64.max]
            var flags: [Bool] = [true, false]
            var empty: [String] = []
            var none: [String: Int] = [:]
        }
        struct Sample: Encodable {
            var name = "a/b c"
            var missing: String? = nil
            var small: Int8 = .min
            var unsigned: UInt64 = .max
            var inner = Inner()
            var nested: [[String: [UInt8]]] = [["k": [0, 255]], [:]]
            var byNumber: [Int: String] = [2: "b", 10: "a"]

            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(name, forKey: .name)
                try container.encodeIfPresent(missing, forKey: .missing)
                try container.encodeNil(forKey: .written)
                try container.encode(small, forKey: .small)
                try container.encode(unsigned, forKey: .unsigned)
                try container.encode(inner, forKey: .inner)
                try container.encode(nested, forKey: .nested)
                try container.encode(byNumber, forKey: .byNumber)
                var list = container.nestedUnkeyedContainer(forKey: .list)
                try list.encode("x")
                var object = list.nestedContainer(keyedBy: Keys.self)
                try object.encode(Int32.min, forKey: .small)
            }

            enum Keys: String, CodingKey { case name, missing, written, small, unsigned, inner, nested, byNumber, list }
        }
        #expect(try LedgerJSONEncoder.encodeWithoutFallback(Sample()) == Self.foundation(Sample()))

        struct Refused: Encodable {
            var value: any Encodable & Sendable
            func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
        }
        struct Super: Encodable {
            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: Sample.Keys.self)
                try container.encode(1, forKey: .small)
                try 2.encode(to: container.superEncoder())
            }
        }
        let refused: [any Encodable & Sendable] = [
            ["a": 1.5], ["a": Float(0.1)], ["a": Date(timeIntervalSince1970: 1)], ["a": URL(string: "http://h/p")!],
            ["a": Data([1, 2])], ["a": Decimal(string: "1.25")!],
        ]
        for value in refused {
            #expect(throws: LedgerJSONEncoderRefusal.self) {
                try LedgerJSONEncoder.encodeWithoutFallback(Refused(value: value))
            }
            #expect(try LedgerJSONEncoder.encode(Refused(value: value)) == Self.foundation(Refused(value: value)))
        }
        #expect(throws: LedgerJSONEncoderRefusal.self) { try LedgerJSONEncoder.encodeWithoutFallback(Super()) }
        #expect(try LedgerJSONEncoder.encode(Super()) == Self.foundation(Super()))
    }
}
