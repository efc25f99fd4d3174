import Foundation
import GRDB
import ReleaseStateMachine
import Testing

@testable import ReleaseLedger

/// `PayloadMember` finds a member's text in a payload, and that text is what encoding the member
/// again gives: checked on every run's parameters in every ledger fixture, the format's pinned
/// oracle.
@Suite struct PayloadMemberTests {
    @Test func findsTheMembersTextAndNothingElse() {
        let payload = #"{"attempt":1,"intent":{"kind":"k","intent":{"a":"}\"{[","b":[1,{"c":null}]}},"step":"s"}"#
        #expect(
            PayloadMember.text(of: "intent", in: payload) == #"{"kind":"k","intent":{"a":"}\"{[","b":[1,{"c":null}]}}"#)
        #expect(PayloadMember.text(of: "attempt", in: payload) == "1")
        #expect(PayloadMember.text(of: "step", in: payload) == #""s""#)
        #expect(PayloadMember.text(of: "kind", in: payload) == nil, "only the object's own members")
        #expect(PayloadMember.text(of: "found", in: payload) == nil)
        #expect(PayloadMember.text(of: "a", in: #" { "a" : true , "b":false } "#) == "true")
        #expect(PayloadMember.text(of: "b", in: #"{"a":-1.5e3,"b":null}"#) == "null")
    }

    /// What the scanner cannot be sure of is nil, and the projection encodes the value instead.
    @Test(arguments: [
        #"{"a":1,"a":2}"#,  // a key met twice: which one a decoder keeps is its own affair
        #"{"\u0061":1}"#,  // a key written with escapes
        #"{"a":"#, #"{"a":"x"#, #"{"a":{"b":1}"#, #"{"a":1"#, #"{"a"1}"#, #"{"a":1 "b":2}"#,  // cut short, malformed
        #"["a",1]"#, #""a""#, "", "{}", #"{"b":1}"#,
    ])
    func answersNilWhereItCannotBeSure(_ payload: String) {
        #expect(PayloadMember.text(of: "a", in: payload) == nil)
    }

    @Test(arguments: LedgerFormatTests.fixtures)
    func theTextIsWhatEncodingTheMemberAgainGives(_ fixture: String) throws {
        // A copy, as LedgerFormatTests reads them: SQLite would leave its -shm beside the fixture.
        let directory = TemporaryDirectory()
        try FileManager.default.copyItem(
            atPath: LedgerFormatTests.fixturesDirectory + "/\(fixture)/casa-release.sqlite",
            toPath: directory.file("l.sqlite"))
        let database = try DatabaseQueue(path: directory.file("l.sqlite"))
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT type, payload FROM events ORDER BY sequence")
        }
        var checked = 0
        for row in rows {
            let payload: String = row["payload"]
            guard case .runStarted(let started) = try RunEvent.decode(type: row["type"], payload: Data(payload.utf8))
            else { continue }
            #expect(PayloadMember.text(of: "parameters", in: payload) == (try Projections.json(started.parameters)))
            checked += 1
        }
        #expect(checked > 10, "a run of every pipeline")
    }
}
