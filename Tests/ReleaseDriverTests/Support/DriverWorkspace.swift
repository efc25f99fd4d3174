import Foundation
import Hashing
import Signing
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
@testable import TestSupport

/// A publication run in process: a base directory with one described image, a `file://` mirror,
/// and a ledger, all fresh and removed afterwards. The ledger is a SQLite file, or a database of
/// its own on the tests' PostgreSQL server when `CASA_RELEASE_TEST_LEDGER=postgres` (the README's
/// second pass). Drivers made here share the ledger but each opens its own connection, as two
/// processes would.
final class DriverWorkspace {
    let root: String
    let processes = FakeProcesses()
    var base: String { root + "/base" }
    var mirror: String { root + "/mirror" }
    var ledgerPath: String { root + "/ledger.sqlite" }
    /// The PostgreSQL database of this workspace, on the PostgreSQL pass.
    let postgresURL: String?
    var image: String { base + "/casa-system-ubuntu-24.04.sif" }
    let imageID = "11111111-2222-4333-8444-555555555555"

    init() throws {
        postgresURL = TestLedger.isPostgres ? try TestLedger.newDatabase() : nil
        root = NSTemporaryDirectory() + "casa-release-driver-" + UUID().uuidString
        for directory in [base, mirror] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try Data("an image of 32 bytes, say ......\n".utf8).write(to: URL(fileURLWithPath: image))
        try Data(
            """
            {"name": "casa-system-ubuntu-24.04", "image_id": "\(imageID)", "type": "system", \
            "system": "ubuntu-24.04", "image_version": "ubuntu-24.04", "container_type": "singularity"}

            """.utf8
        ).write(to: URL(fileURLWithPath: image + ".json"))
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func ledger() throws -> Ledger {
        if let postgresURL { return try Ledger.open(postgres: try PostgresAddress.parse(postgresURL)) }
        return try Ledger.open(path: ledgerPath)
    }

    /// Records a new publication run of the image to the mirror, as `publish-base-image` does.
    func startRun() throws -> String {
        let runID = UUID().uuidString.lowercased()
        let started = RunStarted(
            runID: runID, pipeline: .publication, steps: Pipeline.steps(of: .publication, parameters),
            parameters: parameters, chosen: ChosenValues(), host: FakeProcesses.host, user: "release", tools: [:])
        try ledger().execute(.start(started), run: runID, by: nil, actor: "release@\(FakeProcesses.host)", at: Date())
        return runID
    }

    /// Records a new run of `pipeline`, with a new image_id (when `choosesImageID`, as the
    /// commands that make one image do), the run's logs under the workspace, and the VM's UUID
    /// a VirtualBox base image chooses.
    func startRun(
        _ pipeline: PipelineKind, _ parameters: RunParameters, choosesImageID: Bool = true, machineUUID: String? = nil
    ) throws -> String {
        let runID = UUID().uuidString.lowercased()
        var chosen = ChosenValues(logDirectory: root + "/logs/" + runID, machineUUID: machineUUID)
        if choosesImageID {
            chosen.imageID = UUID().uuidString.lowercased()
            chosen.creationTime = "2026-12-05T00:00:00.000000+00:00"
        }
        let started = RunStarted(
            runID: runID, pipeline: pipeline, steps: Pipeline.steps(of: pipeline, parameters), parameters: parameters,
            chosen: chosen,
            host: FakeProcesses.host, user: "release", tools: [:])
        try ledger().execute(.start(started), run: runID, by: nil, actor: "release@\(FakeProcesses.host)", at: Date())
        return runID
    }

    var parameters: RunParameters {
        RunParameters(publication: PublicationParameters(target: "file://\(mirror)/", image: image))
    }

    /// Where `startSignedRun` keeps its release key (in the clear: no passphrase to set).
    var signingKey: String { root + "/keys/release.key" }

    /// Records a new publication run of the image, signed with a new key at `signingKey`, as
    /// `publish-base-image signing_key=` does: the statement signed is about the image's bytes.
    func startSignedRun() throws -> String {
        let key = try SigningKey.generate()
        try KeyFiles.write(key, to: signingKey, passphrase: nil)
        var parameters = parameters
        parameters.publication?.signingKey = signingKey
        parameters.publication?.signingKeyID = key.verifyingKey.keyID
        let sha256 = Hex.encode(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: image))))
        let statement =
            #"{"_type":"https://in-toto.io/Statement/v1","predicate":{},"predicateType":"https://slsa.dev/provenance/v1","subject":[{"digest":{"sha256":"\#(sha256)"},"name":"casa-system-ubuntu-24.04.sif"}]}"#
        let runID = UUID().uuidString.lowercased()
        let started = RunStarted(
            runID: runID, pipeline: .publication, steps: Pipeline.steps(of: .publication, parameters),
            parameters: parameters, chosen: ChosenValues(provenanceStatement: statement), host: FakeProcesses.host,
            user: "release", tools: [:])
        try ledger().execute(.start(started), run: runID, by: nil, actor: "release@\(FakeProcesses.host)", at: Date())
        return runID
    }

    /// A driver of `runID` as a new process of its own, with `effects` and failpoints `hooks`.
    func driver(
        _ runID: String, effects: RecordingEffects, hooks: any DriverHooks = NoHooks(),
        reporter: LinesReporter = LinesReporter()
    ) throws -> RunDriver {
        RunDriver(
            ledger: try ledger(), runID: runID, effects: effects, reporter: reporter,
            identity: processes.spawn(), hooks: hooks)
    }

    /// The names in a directory, hidden ones included, sorted.
    func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// The kinds of the run's events, in order.
    func eventKinds(_ runID: String) throws -> [String] {
        try ledger().events(of: runID).map(\.type)
    }

    func events(_ runID: String) throws -> [RunEvent] {
        try ledger().events(of: runID).map { try $0.decoded() }
    }

    /// The steps the run reconciled after its crashes, in order.
    func reconciled(_ runID: String) throws -> [StepReconciled] {
        try events(runID).compactMap { event -> StepReconciled? in
            if case .stepReconciled(let value) = event { return value }
            return nil
        }
    }

    /// A drive of `runID` that crashes at `point`, then, its process dead, a drive to the end by
    /// another process: that must complete, having reconciled the interrupted step and only it,
    /// and found the effect of a step in `lasting` when the crash came after it.
    func crashThenResume(
        _ runID: String, at point: DriverCrashPoint, lasting: Set<StepName>, effects: () -> RecordingEffects
    ) throws {
        let crashed = try driver(runID, effects: effects(), hooks: Failpoints(crashAt: point.step, point.moment))
        #expect(throws: SimulatedCrash(point.step, point.moment)) { try crashed.drive() }
        processes.kill(crashed.holder.pid)

        #expect(try driver(runID, effects: effects()).drive() == .completed)
        let reconciled = try self.reconciled(runID)
        #expect(reconciled.map(\.step) == [point.step], "the interrupted step, and only it, is reconciled")
        if point.moment == .after, lasting.contains(point.step) {
            #expect(reconciled.first?.found != nil, "the effect was found, not redone")
        }
    }
}
