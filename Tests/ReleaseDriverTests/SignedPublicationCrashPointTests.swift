import Executors
import Foundation
import Hashing
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Signing
import Testing
import TestSupport

/// A signed publication crashed just before or just after each step's effect, then resumed by
/// another process: one publication with one signed provenance beside it, which verifies with the
/// public key alone; a signature made before the crash is found, not made again.
private let signedSteps = Pipeline.steps(
    of: .publication,
    RunParameters(publication: PublicationParameters(target: "file:///", image: "/x.sif", signingKey: "/k")))
private let crashPoints = DriverCrashPoint.beforeAndAfter(signedSteps)

@Suite struct SignedPublicationCrashPointTests {
    static let published = [
        "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.intoto.jsonl",
        "casa-system-ubuntu-24.04-1.sif.json", "tuf",
    ]

    @Test func aSignedPublicationHasTheAttestStepBeforeTheImageIsVisible() {
        #expect(signedSteps.contains(.attestProvenance))
        let attest = signedSteps.firstIndex(of: .attestProvenance) ?? 0
        #expect(attest > (signedSteps.firstIndex(of: .claimBuildNumber) ?? .max))
        #expect(attest < (signedSteps.firstIndex(of: .makeVisible) ?? -1))
        // An unsigned publication records the steps it always had.
        #expect(
            !Pipeline.steps(
                of: .publication, RunParameters(publication: PublicationParameters(target: "file:///", image: "/x.sif"))
            )
            .contains(.attestProvenance))
    }

    @Test(arguments: crashPoints)
    func crashedThenResumedByAnotherProcess(_ point: DriverCrashPoint) async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startSignedRun()
            let first = RecordingEffects()
            let crashed = try workspace.driver(
                runID, effects: first, hooks: Failpoints(crashAt: point.step, point.moment))
            #expect(throws: SimulatedCrash(point.step, point.moment)) { try crashed.drive() }
            workspace.processes.kill(crashed.holder.pid)

            let second = RecordingEffects()
            #expect(try workspace.driver(runID, effects: second).drive() == .completed)
            if point.step == .attestProvenance {
                let performed = first.count("perform attest-provenance") + second.count("perform attest-provenance")
                #expect(performed == 1, "signed once")
                #expect(first.count("perform attest-provenance") == (point.moment == .after ? 1 : 0))
            }

            #expect(try workspace.files(in: workspace.mirror) == Self.published)
            try expectVerifiedAttestation(workspace, runID)
            try expectListedOnce(workspace)
            #expect(try workspace.ledger().verifyChain().firstMismatch == nil)
        }
    }

    @Test func aFailedSignedPublicationTakesItsAttestationBack() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startSignedRun()
            let effects = RecordingEffects()
            effects.performFailures["verify-upload"] = [ExecutorError(.stepFailed, "the server lost the upload")]
            guard case .failed = try workspace.driver(runID, effects: effects).drive() else {
                Issue.record("the publication should fail")
                return
            }
            #expect(try workspace.files(in: workspace.mirror) == [], "claim, upload and attestation are taken back")
        }
    }

    @Test func aKeyThatCannotBeOpenedKeepsTheUploadForAResume() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startSignedRun()
            chmod(workspace.signingKey, 0o644)
            let ending = try workspace.driver(runID, effects: RecordingEffects()).drive()
            guard case .failed(let step, let kind, let message) = ending else {
                Issue.record("expected a failure, not \(ending)")
                return
            }
            #expect(step == .attestProvenance && kind == .temporary)
            #expect(message.contains("chmod 600 \(workspace.signingKey)"))
            #expect(
                try workspace.files(in: workspace.mirror).contains("casa-system-ubuntu-24.04-1.sif.json"),
                "the claim is kept")
            chmod(workspace.signingKey, 0o600)
            #expect(try workspace.driver(runID, effects: RecordingEffects()).drive() == .completed)
            #expect(try workspace.files(in: workspace.mirror) == Self.published)
            try expectVerifiedAttestation(workspace, runID)
        }
    }

    @Test func anotherKeyAtThePathIsRefused() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try workspace.startSignedRun()
            try FileManager.default.removeItem(atPath: workspace.signingKey)
            try FileManager.default.removeItem(atPath: workspace.signingKey + ".pub")
            try KeyFiles.write(try SigningKey.generate(), to: workspace.signingKey, passphrase: nil)
            let ending = try workspace.driver(runID, effects: RecordingEffects()).drive()
            guard case .failed(let step, _, let message) = ending else {
                Issue.record("expected a failure, not \(ending)")
                return
            }
            #expect(step == .attestProvenance)
            #expect(message.contains("not the key") && message.contains("this run started with"))
            #expect(!(try workspace.files(in: workspace.mirror)).contains("casa-system-ubuntu-24.04-1.sif"))
        }
    }

    /// create_base_image publish=yes signing_key=: the run that made the image signs its own
    /// statement; crashed around the signed steps, then resumed: the same envelope verifies.
    @Test(arguments: [
        DriverCrashPoint(step: .attestProvenance, moment: .before),
        DriverCrashPoint(step: .attestProvenance, moment: .after),
        DriverCrashPoint(step: .updateMirror, moment: .after),
    ])
    func anImageMadeAndPublishedInOneRunIsSignedAcrossACrash(_ point: DriverCrashPoint) async throws {
        try await onItsOwnThread {
            let area = try SystemImageArea()
            let workspace = area.workspace
            let key = try SigningKey.generate()
            try KeyFiles.write(key, to: workspace.signingKey, passphrase: nil)
            let runID = try workspace.startRun(
                .systemBaseImage,
                RunParameters(
                    .systemBaseImage(
                        SystemBaseImageParameters(
                            baseDirectory: area.directory, base: nil, basePattern: "*ubuntu-*.sif",
                            imageVersion: "ubuntu-24.04", containerType: "singularity",
                            name: "casa-system-ubuntu-24.04", output: area.output, force: false)),
                    publication: PublicationParameters(
                        target: "file://\(workspace.mirror)/", image: area.output, signingKey: workspace.signingKey,
                        signingKeyID: key.verifyingKey.keyID)))
            var effects = [RecordingEffects(), RecordingEffects()].makeIterator()
            try workspace.crashThenResume(runID, at: point, lasting: [.attestProvenance]) { effects.next()! }
            #expect(try workspace.files(in: workspace.mirror) == Self.published)
            try expectVerifiedAttestation(workspace, runID)
            try expectListedOnce(workspace)
        }
    }

    /// The mirror's TUF metadata lists the publication's three files once, each role at version 1
    /// (none skipped or reused by the crash), and python-tuf's client downloads the image by it.
    private func expectListedOnce(_ workspace: DriverWorkspace) throws {
        let tuf = workspace.mirror + "/tuf"
        #expect(
            try workspace.files(in: tuf) == ["1.root.json", "snapshot.json", "targets.json", "timestamp.json"])
        for role in [TUFRole.targets, .snapshot, .timestamp] {
            let metadata = try TUFMetadata.parse(
                try Data(contentsOf: URL(fileURLWithPath: tuf + "/" + role.fileName)), role: role)
            #expect(metadata.version == 1, "\(role) at version \(metadata.version ?? -1)")
        }
        let targets = try TUFMetadata.parse(
            try Data(contentsOf: URL(fileURLWithPath: tuf + "/targets.json")), role: .targets)
        #expect(TUFRoles.files(in: targets).map(\.name) == Self.published.filter { $0 != "tuf" })
        let client = try PythonClients.run(
            PythonClients.tufClient,
            [
                "file://\(tuf)/", "file://\(workspace.mirror)/", tuf + "/1.root.json", workspace.root + "/tuf-client",
                "casa-system-ubuntu-24.04-1.sif",
            ])
        #expect(client.status == 0, "\(client.output)")
    }

    /// The attestation on the mirror verifies with the public key alone, is about the published
    /// bytes, and is the one the ledger recorded (its key id and signature).
    private func expectVerifiedAttestation(_ workspace: DriverWorkspace, _ runID: String) throws {
        let image = workspace.mirror + "/casa-system-ubuntu-24.04-1.sif"
        let bundle = try Data(contentsOf: URL(fileURLWithPath: image + ".intoto.jsonl"))
        #expect(try DSSEEnvelope.parseLines(bundle).count == 1)
        let publicKey = try KeyFiles.readVerifyingKey(workspace.signingKey + ".pub", passphrase: nil)
        let sha256 = Hex.encode(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: image))))
        let verified = try AttestationCheck.verify(sha256: sha256, bundle: bundle, key: publicKey)
        let recorded = try #require(try workspace.ledger().state(of: runID).attestation)
        #expect(recorded.keyID == verified.keyID)
        #expect(try DSSEEnvelope.parseLines(bundle).first?.signatures.first?.sig == recorded.signature)
    }
}
