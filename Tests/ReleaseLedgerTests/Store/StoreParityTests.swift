import Foundation
import ReleaseLedger
import ReleaseStateMachine
import Testing
@testable import TestSupport

/// The two stores answer every query alike. The committed fixture ledger (a run of every
/// pipeline, every event kind: Tests/Fixtures/ledger-*/) is opened as its SQLite file, as its
/// PostgreSQL dump restored, and as a PostgreSQL ledger its history was copied into; every read
/// the commands make (runs, steps, states, events, publications, artifacts, images, provenance,
/// audit, docker numbers) must give the same answer on each, errors included. This is why the
/// suites that only use the ledger through these calls run on one store (docs/testing.md).
@Suite struct StoreParityTests {
    static let fixtures: [String] = {
        let directory = PackagePaths.root + "/Tests/Fixtures"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("ledger-") }.sorted()
    }()

    @Test(arguments: fixtures)
    func everyQueryGivesTheSameAnswerOnBothStores(_ fixture: String) throws {
        let scratch = NSTemporaryDirectory() + "casa-release-parity-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let sqlite = try Self.sqliteCopy(fixture, in: scratch)
        let restored = try Ledger.open(postgres: PostgresAddress.parse(try Self.restoredDump(fixture)), mustExist: true)
        let copied = try Ledger.open(postgres: PostgresAddress.parse(try TestLedger.newDatabase()))
        _ = try copied.copyHistory(from: sqlite)

        // Both opened by a writer, which brings an older fixture's schema up to the binary's with
        // the migrations' SQL alone (no rebuild): what they made must be what the events make.
        #expect(try sqlite.checkProjections().isEmpty, "the SQLite file: projections agree with the events")
        let expected = try LedgerAnswers(sqlite)
        #expect(expected.runs.count > 10, "the fixture holds a run of every pipeline")
        for (name, ledger) in [("the restored dump", restored), ("the copied history", copied)] {
            #expect(try ledger.checkProjections().isEmpty, "\(name): projections agree with the events")
            let answers = try LedgerAnswers(ledger, askedLike: expected)
            for difference in expected.differences(from: answers) {
                Issue.record("\(fixture), \(name): \(difference)")
            }
        }
    }

    static func sqliteCopy(_ fixture: String, in directory: String) throws -> Ledger {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["casa-release.sqlite", "casa-release.sqlite.head"] {
            try FileManager.default.copyItem(
                atPath: PackagePaths.root + "/Tests/Fixtures/\(fixture)/" + name, toPath: directory + "/" + name)
        }
        return try Ledger.open(path: directory + "/casa-release.sqlite", mustExist: true)
    }

    /// The fixture's dump restored into a new database of the tests' server; its URL.
    static func restoredDump(_ fixture: String) throws -> String {
        let url = try TestLedger.newDatabase()
        let server = try TestLedger.server()
        let database = String(url.split(separator: "/").last!)
        try PostgresServer.shell(
            "PGPASSWORD='\(server.password)' psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p \(server.port) -U \(PostgresServer.user) -d '\(database)' -f '\(PackagePaths.root)/Tests/Fixtures/\(fixture)/postgres.sql' >/dev/null"
        )
        return url
    }
}

/// Every answer a ledger gives to the reads the commands make, keyed by the question; an error
/// is an answer too (its text).
struct LedgerAnswers {
    var runs: [RunSummary] = []
    var answers: [String: Answer] = [:]
    /// The questions asked, so that another ledger is asked the same ones.
    var images: [ImageReference] = []
    var environments: [String] = []
    var files: [String] = []
    var registryHosts: [String] = []

    init(_ ledger: Ledger, askedLike template: LedgerAnswers? = nil) throws {
        runs = try ledger.runs(limit: 100_000)
        record("runs", Result { try ledger.runs(limit: 100_000) })
        record("event count", Result { try ledger.eventCount() })
        record("chain", Result { try ledger.verifyChain().firstMismatch.map { "\($0.sequence) \($0.reason)" } })
        record("most recent unfinished run", Result { try ledger.mostRecentUnfinishedRun() })
        for pipeline in PipelineKind.allCases {
            let interrupted = Result { try ledger.interruptedRuns(of: pipeline) }
            record("interrupted \(pipeline.rawValue) runs", interrupted.map { $0.map(\.runID) })
            record("interrupted \(pipeline.rawValue) parameters", interrupted.map { $0.map(\.parameters) })
        }
        for run in runs {
            let id = run.runID
            record("run \(id)", Result { try ledger.run(id) })
            record("steps of \(id)", Result { try ledger.steps(of: id) })
            record("state of \(id)", Result { try ledger.state(of: id) })
            record("publications of \(id)", Result { try ledger.publications(of: id) })
            record("events of \(id)", Result { try ledger.events(of: id).map { "\($0.type) \($0.hash)" } })
            record("run id \(id.prefix(8))", Result { try ledger.resolveRunID(String(id.prefix(8))) })
        }
        let artifacts = try ledger.recordedArtifacts()
        record("artifacts", Result { artifacts })
        record("docker builds", Result { try ledger.latestDockerBuilds() })
        record("singularity images", Result { try ledger.latestSingularityImages() })
        environments = try template?.environments ?? ledger.environmentNames(limit: 1000)
        record("environment names", Result { try ledger.environmentNames(limit: 1000) })
        for name in environments {
            record("audit of environment \(name)", Result { try ledger.audit(environment: name) })
        }
        images = template?.images ?? Self.references(artifacts)
        for reference in images {
            let image = Result { try ledger.image(reference) }
            record("image \(reference)", image)
            guard case .success(let record) = image else { continue }
            self.record("provenance of \(reference)", Result { try ledger.provenance(of: record) })
            self.record("dependents of \(reference)", Result { try ledger.audit(dependentsOf: record) })
        }
        files = template?.files ?? artifacts.map(\.path)
        for file in files {
            record("runs publishing \(file)", Result { try ledger.runsPublishing(file: file) })
            record("imports recording \(file)", Result { try ledger.importsRecording(file: file) })
        }
        registryHosts = template?.registryHosts ?? ["127.0.0.1:5000", "localhost:5000", "docker.io"]
        for host in registryHosts {
            record("docker numbers on \(host)", Result { try ledger.dockerNumbersHandedOut(registryHost: host) })
        }
    }

    /// Each recorded image by path, image_id, sha256 prefix and file name.
    static func references(_ artifacts: [ArtifactRecord]) -> [ImageReference] {
        artifacts.flatMap { artifact -> [ImageReference] in
            var references: [ImageReference] = [.path(artifact.path), .fileName(FilePath.lastComponent(artifact.path))]
            if let imageID = artifact.imageID { references.append(.imageID(imageID)) }
            if let sha256 = artifact.sha256 { references.append(.sha256Prefix(String(sha256.prefix(12)))) }
            return references
        }
    }

    private mutating func record<T: Equatable>(_ question: String, _ answer: Result<T, any Error>) {
        answers[question] = Answer(answer)
    }

    /// The questions whose answers differ, with both answers' beginnings.
    func differences(from other: LedgerAnswers) -> [String] {
        Set(answers.keys).union(other.answers.keys).sorted().compactMap { question in
            guard let mine = answers[question], let theirs = other.answers[question] else {
                return "\(question): asked of one ledger only"
            }
            return mine.isEqual(theirs)
                ? nil : "\(question): \(theirs.text.prefix(400)) instead of \(mine.text.prefix(400))"
        }
    }
}

/// A value compared with its own type's `==` (dictionaries print in any order), or an error's text.
struct Answer {
    let text: String
    let isEqual: (Answer) -> Bool
    private let value: Any

    init<T: Equatable>(_ result: Result<T, any Error>) {
        switch result {
        case .success(let value):
            self.value = value
            text = String(describing: value)
            isEqual = { ($0.value as? T) == value }
        case .failure(let error):
            let message = "error: \(error)"
            value = message
            text = message
            isEqual = { $0.text == message }
        }
    }
}
