import Foundation
import GRDB
import ReleaseLedger
import ReleaseStateMachine
import Testing

/// The ledger's format, pinned field by field: every event of every ledger fixture
/// (`Tests/Fixtures/ledger-<date>/`, written once by the casa-release of that date) is decoded
/// by today's code and encoded again, and must give back the stored payload byte for byte. A
/// renamed kind, case, field or key, or a changed encoding of any value, fails here.
@Suite struct LedgerFormatTests {
    static let fixturesDirectory =
        URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/Tests/Fixtures"

    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturesDirectory)) ?? []
        return names.filter { $0.hasPrefix("ledger-") }.sorted()
    }()

    @Test func thereIsAFixture() {
        #expect(!Self.fixtures.isEmpty, "no ledger fixture under \(Self.fixturesDirectory)")
    }

    @Test(arguments: fixtures)
    func everyStoredEventIsWhatTodaysCodeWouldWrite(_ fixture: String) throws {
        // A copy: SQLite would leave its -shm beside a WAL ledger opened where it lies.
        let directory = TemporaryDirectory()
        try FileManager.default.copyItem(
            atPath: Self.fixturesDirectory + "/\(fixture)/casa-release.sqlite", toPath: directory.file("l.sqlite"))
        let database = try DatabaseQueue(path: directory.file("l.sqlite"))
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT sequence, type, payload FROM events ORDER BY sequence")
        }
        #expect(rows.count > 0)
        var kinds: Set<String> = []
        for row in rows {
            let sequence: Int64 = row["sequence"]
            let type: String = row["type"]
            let payload: String = row["payload"]
            let event = try RunEvent.decode(type: type, payload: Data(payload.utf8))
            #expect(event.typeName == type, "event \(sequence)")
            let again = String(decoding: try event.encodedPayload(), as: UTF8.self)
            #expect(again == payload, "event \(sequence) (\(type)) is written differently today")
            kinds.insert(type)
        }
        #expect(kinds == Set(RunEvent.Kind.allCases.map(\.rawValue)), "the fixture holds every kind of event")
    }
}
