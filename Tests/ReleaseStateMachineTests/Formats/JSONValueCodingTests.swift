import Foundation
import ReleaseStateMachine
import Testing

/// `JSONValue` through Codable, as the ledger stores sidecars in events: every kind of value
/// read back as that kind (its decoder tries the kinds in an order of its own, for speed).
@Suite struct JSONValueCodingTests {
    @Test func everyKindIsReadAsItself() throws {
        let text =
            #"[null,true,false,0,-2,9223372036854775807,1.5,-1e300,"","s","1","true",[],[1,"a",[null]],{},{"b":1,"a":[true,{"c":"d"}]}]"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(
            value
                == .array([
                    .null, .bool(true), .bool(false), .integer(0), .integer(-2), .integer(Int64.max), .number(1.5),
                    .number(-1e300), .string(""), .string("s"), .string("1"), .string("true"), .array([]),
                    .array([.integer(1), .string("a"), .array([.null])]), .object([]),
                    .object([
                        JSONMember("a", .array([.bool(true), .object([JSONMember("c", .string("d"))])])),
                        JSONMember("b", .integer(1)),
                    ]),
                ]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try JSONDecoder().decode(JSONValue.self, from: encoder.encode(value)) == value)
    }
}
