import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// The ledgers users already have. Each `Tests/Fixtures/ledger-<date>/` was written once, by the
/// casa-release of that date (`Tests/Fixtures/make-ledger-fixture.sh`): a history holding a run of
/// every pipeline and every kind of event, intent and outcome, as a SQLite file and as a
/// PostgreSQL dump, with what `runs`, `status`, `log`, `verify`, `provenance` and `audit` printed of
/// it then. This version must read each one and print the same, and append to it: a renamed event
/// kind, intent kind or field fails here, since every event is decoded (`verify`, `log`) and every
/// run's state folded (`status`). The fixtures are never rewritten; a new format gets a new one.
@Suite struct LedgerFixtureTests {
    static let fixtures: [String] = {
        let directory = Workspace.package + "/Tests/Fixtures"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("ledger-") }.sorted()
    }()

    /// Where the fixture's runs lived: the base directory is gone, as on an auditor's machine.
    static let recordedBase = "/tmp/casa-release-fixture/casa"

    @Test func thereIsAFixture() async throws {
        try await onItsOwnThread {
            #expect(!Self.fixtures.isEmpty, "no ledger fixture under Tests/Fixtures")
        }
    }

    @Test(arguments: fixtures)
    func aSQLiteFixturePrintsWhatItPrintedWhenWritten(_ fixture: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16, ledger: .sqliteFile)
            let ledger = try Self.copySQLite(fixture, into: workspace)
            try Self.compareOutputs(fixture, workspace: workspace, ledger: ledger, shownAs: ledger)
        }
    }

    @Test(arguments: fixtures)
    func aPostgreSQLFixturePrintsWhatItPrintedWhenWritten(_ fixture: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16, ledger: .sqliteFile)
            let url = try Self.restorePostgres(fixture)
            try Self.compareOutputs(fixture, workspace: workspace, ledger: url, shownAs: URLRedaction.url(url))
        }
    }

    /// A writer of this version takes an old ledger as it is (upgrading it when its schema is older)
    /// and appends a new run to it, on both stores; the chain then verifies to its new head.
    @Test(arguments: fixtures)
    func aWriterAppendsToAFixture(_ fixture: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096, ledger: .sqliteFile)
            let sqlite = try Self.copySQLite(fixture, into: workspace)
            let postgres = try Self.restorePostgres(fixture)
            // (Counted on a copy of its own: `verify`, which only reads, refuses an older schema.)
            let counted = try Workspace(baseBytes: 16, ledger: .sqliteFile)
            let before = try Ledger.open(path: try Self.copySQLite(fixture, into: counted), mustExist: true)
                .eventCount()
            for ledger in [sqlite, postgres] {
                let created = try workspace.run(["--ledger", ledger] + workspace.createArguments + ["force=yes"])
                #expect(created.status == 0, "\(fixture): \(created.stderr)")
                let verified = try workspace.run(["--ledger", ledger, "verify"])
                #expect(verified.status == 0, "\(fixture): \(verified.stderr)")
                #expect(try Self.eventCount(workspace, ledger) > before, "\(fixture): appended")
            }
        }
    }

    // MARK: - Helpers

    static func copySQLite(_ fixture: String, into workspace: Workspace) throws -> String {
        let source = Workspace.package + "/Tests/Fixtures/" + fixture
        let directory = workspace.root + "/fixture"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["casa-release.sqlite", "casa-release.sqlite.head"] {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory + "/" + name)
        }
        return directory + "/casa-release.sqlite"
    }

    /// The fixture's dump restored into a new database of the tests' server; its URL.
    static func restorePostgres(_ fixture: String) throws -> String {
        let url = try TestLedger.newDatabase()
        let server = try TestLedger.server()
        let database = String(url.split(separator: "/").last!)
        try PostgresServer.shell(
            "PGPASSWORD='\(server.password)' psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p \(server.port) -U \(PostgresServer.user) -d '\(database)' -f '\(Workspace.package)/Tests/Fixtures/\(fixture)/postgres.sql' >/dev/null"
        )
        return url
    }

    static func eventCount(_ workspace: Workspace, _ ledger: String) throws -> Int {
        let verified = try workspace.run(["--ledger", ledger, "verify", "--json"])
        guard let data = verified.stdout.data(using: .utf8),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let count = object["checked"] as? Int
        else {
            throw TestServerError.failed("verify --json: \(verified.stdout) \(verified.stderr)")
        }
        return count
    }

    /// Runs every command of the fixture's `commands.txt` on `ledger` and compares its exit code
    /// and output (standard output, then standard error) with `expected/<n>.txt`, the ledger's name
    /// shown as `<ledger>` there.
    ///
    /// A fixture of an older schema is upgraded first, as the refusal of a read tells its user
    /// (`rebuild-projections`; ProjectionRebuildTests checks the refusal): a command that only
    /// reads never changes the ledger.
    static func compareOutputs(_ fixture: String, workspace: Workspace, ledger: String, shownAs shown: String) throws {
        let directory = Workspace.package + "/Tests/Fixtures/" + fixture
        let upgraded = try workspace.run(["--ledger", ledger, "rebuild-projections"])
        #expect(upgraded.status == 0, "\(fixture): \(upgraded.stderr)")
        let commands = try String(contentsOfFile: directory + "/commands.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        for (index, command) in commands.enumerated() {
            let expected = try String(contentsOfFile: directory + "/expected/\(index + 1).txt", encoding: .utf8)
            let arguments = ["--ledger", ledger] + command.split(separator: " ").map(String.init)
            let result = try workspace.run(arguments, environment: ["CASA_BASE_DIRECTORY": recordedBase])
            // As the script wrote it: the output with its last newlines trimmed, then one.
            var printed = (result.stdout + result.stderr).replacingOccurrences(of: shown, with: "<ledger>")
            while printed.hasSuffix("\n") { printed.removeLast() }
            let actual = "exit \(result.status)\n" + printed + "\n"
            #expect(
                actual == expected,
                "\(fixture), command \(index + 1) (\(command)): \(FixtureDifference.first(actual, expected))")
        }
    }
}

/// The first line where two texts differ, for a message that can be read.
enum FixtureDifference {
    static func first(_ actual: String, _ expected: String) -> String {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) {
            let left = index < a.count ? String(a[index]) : "(nothing)"
            let right = index < b.count ? String(b[index]) : "(nothing)"
            if left != right { return "line \(index + 1): printed '\(left)', expected '\(right)'" }
        }
        return "the same"
    }
}
