import Foundation
import GRDB
import TestSupport
import Testing

@testable import ReleaseStateMachine

/// `LedgerJSONDecoder` reads what `JSONDecoder` reads: the same event from every payload of the
/// ledger fixtures (and reads them all itself, without handing one to `JSONDecoder`), nothing
/// from a payload `JSONDecoder` refuses, and no other value from thousands of corrupted copies.
@Suite struct LedgerJSONDecoderTests {
    /// Foundation's decoder, the reference.
    enum Reference: PayloadDecoding {
        static func decode<T: Decodable>(_ type: T.Type, from payload: [UInt8]) throws -> T {
            try JSONDecoder().decode(type, from: Data(payload))
        }
    }

    /// The ledger's decoder with no fallback: what it reads, it reads itself.
    enum WithoutFallback: PayloadDecoding {
        static func decode<T: Decodable>(_ type: T.Type, from payload: [UInt8]) throws -> T {
            try LedgerJSONDecoder.decodeWithoutFallback(type, from: payload)
        }
    }

    static func events(_ fixture: String) throws -> [(type: String, payload: String)] {
        // A copy, as LedgerFormatTests reads them: SQLite would leave its -shm beside the fixture.
        let directory = TemporaryDirectory()
        try FileManager.default.copyItem(
            atPath: LedgerFormatTests.fixturesDirectory + "/\(fixture)/casa-release.sqlite",
            toPath: directory.file("l.sqlite"))
        return try DatabaseQueue(path: directory.file("l.sqlite")).read { db in
            try Row.fetchAll(db, sql: "SELECT type, payload FROM events ORDER BY sequence").map {
                (type: $0["type"], payload: $0["payload"])
            }
        }
    }

    @Test(arguments: LedgerFormatTests.fixtures)
    func everyFixtureEventIsReadAloneAndAsJSONDecoderReadsIt(_ fixture: String) throws {
        let events = try Self.events(fixture)
        #expect(events.count > 300)
        for (type, payload) in events {
            let expected = try RunEvent.decode(type: type, payload: Array(payload.utf8), with: Reference.self)
            let read = try RunEvent.decode(type: type, payload: Array(payload.utf8), with: WithoutFallback.self)
            #expect(read == expected, "\(payload)")
        }
    }

    /// Each payload corrupted ten ways (a byte dropped, doubled, swapped with the next, or
    /// replaced by one of JSON's own): where `JSONDecoder` refuses, so does this decoder; where it
    /// reads, this one reads the same or refuses (and `JSONDecoder` then reads it in its place).
    @Test(arguments: LedgerFormatTests.fixtures)
    func aCorruptedPayloadIsNeverReadOtherwise(_ fixture: String) throws {
        var random = SplitMix64(seed: 32)
        let replacements = Array(#"{}[]",:\ 0123456789.-+eEtrufalsn/u"#.utf8)
        var outcomes: [String: Int] = [:]
        for (type, payload) in try Self.events(fixture) {
            for _ in 0..<10 {
                var bytes = Array(payload.utf8)
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(bytes[at], at: at)
                case 2: if at + 1 < bytes.count { bytes.swapAt(at, at + 1) }
                default: bytes[at] = replacements[Int(random.next() % UInt64(replacements.count))]
                }
                let corrupted = bytes
                let expected = try? RunEvent.decode(type: type, payload: corrupted, with: Reference.self)
                let read = try? RunEvent.decode(type: type, payload: corrupted, with: WithoutFallback.self)
                if let read {
                    #expect(read == expected, "\(String(decoding: bytes, as: UTF8.self))")
                }
                let kind = expected == nil ? "refused" : read == nil ? "handed over" : "read alike"
                outcomes[kind, default: 0] += 1
            }
        }
        // The corruptions reach both sides: some payloads still read, many refused.
        #expect(outcomes["read alike", default: 0] > 100 && outcomes["refused", default: 0] > 1000, "\(outcomes)")
    }

    @Test func escapesNumbersAndNestingAreReadAsJSONDecoderReadsThem() throws {
        struct Sample: Codable, Equatable {
            var text: String
            var number: Int64
            var real: Double
            var list: [String?]
            var flag: Bool?
        }
        let read =
            #"{"flag":false,"list":["a\"b\\c\/d\n\t\u00e9\ud83d\ude00",null],"number":-9223372036854775808,"real":-1.5e-3,"text":"x"}"#
        let sample = try LedgerJSONDecoder.decodeWithoutFallback(Sample.self, from: Array(read.utf8))
        #expect(sample == (try JSONDecoder().decode(Sample.self, from: Data(read.utf8))))
        #expect(sample.list[0] == "a\"b\\c/d\n\té😀")

        // What could be read otherwise is left to JSONDecoder, whose answer is then the decoder's.
        for handedOver in [
            #"{"flag":null,"list":[],"number":1.0,"real":0,"text":"x"}"#,  // an integer written as a fraction
            #"{"flag":null,"list":[],"number":1,"number":2,"real":0,"text":"x"}"#,  // a key twice
            #"{"fl\u0061g":true,"list":[],"number":1,"real":0,"text":"x"}"#,  // a key with escapes
            #"{"list":["\ud83d"],"number":1,"real":0,"text":"x"}"#,  // a lone surrogate
            #"{"list":[],"number":1,"real":1e400,"text":"x"}"#,  // beyond a Double
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        ] {
            #expect(throws: LedgerJSONRefusal.self, "\(handedOver)") {
                try LedgerJSONDecoder.decodeWithoutFallback(Sample.self, from: Array(handedOver.utf8))
            }
            let foundation = Result { try JSONDecoder().decode(Sample.self, from: Data(handedOver.utf8)) }
            let ledger = Result { try LedgerJSONDecoder.decode(Sample.self, from: Data(handedOver.utf8)) }
            #expect((try? foundation.get()) == (try? ledger.get()), "\(handedOver)")
            if case .failure(let expected) = foundation, case .failure(let got) = ledger {
                #expect(ErrorText.line(got) == ErrorText.line(expected))
            }
        }
    }

    /// Integers are read digit by digit: each width's limits read alone, one beyond them (and
    /// `-0` as an unsigned) handed to `JSONDecoder`, whose answer is then the decoder's.
    @Test func integersAreReadToTheirTypesLimits() throws {
        func check<T: FixedWidthInteger & Codable>(_ type: T.Type) throws {
            // One beyond a limit: its last digit plus one (a 9 made 10 is still beyond, one digit longer).
            func beyond(_ limit: T) -> String {
                let text = "\(limit)"
                return String(text.dropLast()) + String(Int(String(text.last!))! + 1)
            }
            let texts = [
                "0", "-0", "7", "-7", "\(T.max)", "\(T.min)", beyond(T.max), T.isSigned ? beyond(T.min) : "-1",
            ]
            for text in texts {
                let payload = Data("[\(text)]".utf8)
                let foundation = Result { try JSONDecoder().decode([T].self, from: payload) }
                if case .success(let values) = foundation {
                    #expect(
                        try LedgerJSONDecoder.decodeWithoutFallback([T].self, from: Array(payload)) == values,
                        "\(T.self) \(text)")
                } else {
                    #expect(throws: LedgerJSONRefusal.self, "\(T.self) \(text)") {
                        try LedgerJSONDecoder.decodeWithoutFallback([T].self, from: Array(payload))
                    }
                }
                #expect((try? LedgerJSONDecoder.decode([T].self, from: payload)) == (try? foundation.get()), "\(text)")
            }
        }
        try check(Int8.self)
        try check(Int16.self)
        try check(Int32.self)
        try check(Int64.self)
        try check(Int.self)
        try check(UInt8.self)
        try check(UInt16.self)
        try check(UInt32.self)
        try check(UInt64.self)
        try check(UInt.self)
    }

    /// A doubt stands even when the type's own `try?` swallowed it: `JSONValue` tries a number
    /// as an integer, then as a double, and `1e3` could be an integer to `JSONDecoder`.
    @Test func aDoubtSwallowedByTheTypeStillHandsThePayloadOver() throws {
        for text in [#"{"v":1e3}"#, #"{"v":1.0}"#, #"{"v":99999999999999999999}"#, #"{"v":[1,2.5e+18]}"#] {
            #expect(throws: LedgerJSONRefusal.self, "\(text)") {
                try LedgerJSONDecoder.decodeWithoutFallback([String: JSONValue].self, from: Array(text.utf8))
            }
            #expect(
                try LedgerJSONDecoder.decode([String: JSONValue].self, from: Data(text.utf8))
                    == JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8)))
        }
        // Kinds told apart for certain are no doubt: a string, a whole number, a fraction alone.
        let plain = #"{"v":["a",-7,true,null,{"w":[]}]}"#
        #expect(
            try LedgerJSONDecoder.decodeWithoutFallback([String: JSONValue].self, from: Array(plain.utf8))
                == JSONDecoder().decode([String: JSONValue].self, from: Data(plain.utf8)))
    }

    /// An unreadable event is told in `JSONDecoder`'s words, with its coding path.
    @Test func anUnreadableEventIsToldAsBefore() throws {
        let payload = Data(#"{"attempt":"one","intent":{"kind":"resolve-base","intent":{}},"step":"build"}"#.utf8)
        let expected = #expect(throws: DecodingError.self) {
            try RunEvent.decode(type: "StepStarted", payload: Array(payload), with: Reference.self)
        }
        let told = #expect(throws: DecodingError.self) { try RunEvent.decode(type: "StepStarted", payload: payload) }
        #expect(told.map(ErrorText.line) == expected.map(ErrorText.line))
        #expect(told.map(ErrorText.line)?.contains("attempt") == true)
    }
}
