import Foundation
import ReleaseStateMachine
import Testing

@testable import TestSupport

/// A publication signed with a release key, checked by a client this project did not write:
/// securesystemslib verifies the DSSE envelope beside the image with the public key alone, and
/// refuses a changed image and another key, as `provenance --verify` does. Neither the
/// passphrase nor the private key ends up anywhere but the key file.
@Suite struct SignedPublicationTests {
    static let published = "casa-system-ubuntu-24.04-1.sif"

    @Test func aSignedPublicationIsCheckedBySecuresystemslib() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let passphrase = "pass-\(UUID().uuidString)"
            let key = workspace.root + "/keys/release.key"
            let secret = ["CASA_RELEASE_KEY_PASSPHRASE": passphrase]
            #expect(try workspace.run(["keys", "generate", key], environment: secret).status == 0)
            #expect(try workspace.run(workspace.createArguments).status == 0)

            let publication = try workspace.run(
                workspace.publishArguments + ["signing_key=\(key)"], environment: secret)
            #expect(publication.status == 0, "\(publication.stderr)")
            let image = workspace.mirror + "/" + Self.published
            let attestation = image + ".intoto.jsonl"
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    Self.published, Self.published + ".intoto.jsonl", Self.published + ".json", "tuf",
                ])
            let keyID = try #require(try workspace.latestRun().parameters?.publication?.signingKeyID)
            #expect(publication.stdout.contains("signed its provenance: \(Self.published).intoto.jsonl (key \(keyID))"))

            // securesystemslib accepts it, with the key id casa-release recorded.
            let accepted = try PythonClients.run(PythonClients.dsseVerifier, [image, attestation, key + ".pub"])
            #expect(accepted.status == 0, "\(accepted.output)")
            #expect(accepted.output.hasPrefix("\(keyID) https://slsa.dev/provenance/v1"), "\(accepted.output)")
            let ours = try workspace.run(["provenance", image, "--verify", "key=\(key).pub"])
            #expect(ours.status == 0 && ours.stdout.hasPrefix("verified: \(Self.published)"), "\(ours.stderr)")

            // A changed image: both refuse.
            let changed = workspace.root + "/changed.sif"
            var bytes = try workspace.bytes(image)
            bytes[bytes.count / 2] ^= 0xff
            try bytes.write(to: URL(fileURLWithPath: changed))
            let refusedChange = try PythonClients.run(PythonClients.dsseVerifier, [changed, attestation, key + ".pub"])
            #expect(refusedChange.status != 0 && refusedChange.output.contains("subject"), "\(refusedChange.output)")
            let oursChanged = try workspace.run(
                ["provenance", changed, "--verify", "key=\(key).pub", "attestation=\(attestation)"])
            #expect(oursChanged.status == 65 && oursChanged.stderr.contains("is NOT verified"), "\(oursChanged.stderr)")

            // Another key: both refuse.
            let other = workspace.root + "/other.key"
            #expect(try workspace.run(["keys", "generate", other]).status == 0)
            let refusedKey = try PythonClients.run(PythonClients.dsseVerifier, [image, attestation, other + ".pub"])
            #expect(refusedKey.status != 0 && refusedKey.output.contains("signature"), "\(refusedKey.output)")
            let oursOther = try workspace.run(["provenance", image, "--verify", "key=\(other).pub"])
            #expect(oursOther.status == 65, "\(oursOther.stderr)")

            // The passphrase is nowhere but in this test; the private key only in its file.
            let privateBody = try String(contentsOfFile: key, encoding: .utf8).split(separator: "\n").dropFirst()
                .prefix(2)
            for file in try FileManager.default.subpathsOfDirectory(atPath: workspace.root)
            where file != "keys/release.key" && file != "other.key" {
                let path = workspace.root + "/" + file
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                #expect(data.range(of: Data(passphrase.utf8)) == nil, "the passphrase is in \(file)")
                for line in privateBody {
                    #expect(data.range(of: Data(line.utf8)) == nil, "the private key is in \(file)")
                }
            }
            #expect(!(publication.stdout + publication.stderr).contains(passphrase))

            // Retracting the publication takes its signed provenance too, and its TUF entries.
            let retracted = try workspace.run(
                ["rollback", try workspace.latestRun().runID ?? "?", "--yes"], environment: secret)
            #expect(retracted.status == 0, "\(retracted.stderr)")
            #expect(try workspace.files(in: workspace.mirror) == ["tuf"])
            let gone = try PythonClients.run(
                PythonClients.tufClient,
                [
                    "file://\(workspace.mirror)/tuf/", "file://\(workspace.mirror)/",
                    workspace.mirror + "/tuf/1.root.json", workspace.root + "/tuf-client", Self.published,
                ])
            #expect(gone.status != 0 && gone.output.contains("UnknownTarget"), "\(gone.output)")
        }
    }

    /// create-base-image publish=yes signs in the run that made the image: the statement is that
    /// run's own, about the image's bytes, and the mirror lists the three files.
    @Test func anImageMadeAndPublishedInOneRunIsSigned() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let key = workspace.root + "/release.key"
            #expect(try workspace.run(["keys", "generate", key]).status == 0)
            let made = try workspace.run(workspace.createAndPublishArguments + ["signing_key=\(key)"])
            #expect(made.status == 0, "\(made.stderr)")
            #expect(made.stdout.contains("signed its provenance: \(Self.published).intoto.jsonl"), "\(made.stdout)")
            let image = workspace.mirror + "/" + Self.published
            let (statement, output) = try workspace.verifiedStatement(image, publicKey: key + ".pub")
            #expect(statement != nil, "securesystemslib: \(output)")
            let runID = try workspace.latestRun().runID ?? "?"
            #expect(statement?.contains("build-types/system-base-image/v1") == true, "\(statement ?? "")")
            #expect(statement?.contains(#""invocationId":"\#(runID)""#) == true, "made by this very run")
            #expect(statement?.contains(#""role":"base""#) == true, "its base among its dependencies")
            let listed = try PythonClients.run(
                PythonClients.tufClient,
                [
                    "file://\(workspace.mirror)/tuf/", "file://\(workspace.mirror)/",
                    workspace.mirror + "/tuf/1.root.json", workspace.root + "/tuf-client", Self.published,
                ])
            #expect(listed.status == 0, "\(listed.output)")
        }
    }

    /// Killed right after the envelope was written; resumed first without the passphrase (75,
    /// nothing visible, nothing lost), then with it: the envelope found, not signed again.
    @Test func killedAfterSigningThenResumed() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let key = workspace.root + "/release.key"
            let secret = ["CASA_RELEASE_KEY_PASSPHRASE": "pw-\(UUID().uuidString)"]
            #expect(try workspace.run(["keys", "generate", key], environment: secret).status == 0)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let killed = try workspace.run(
                workspace.publishArguments + ["signing_key=\(key)"],
                environment: secret.merging(["CASA_RELEASE_FAILPOINT": "attest-provenance:after"]) { $1 })
            #expect(killed.killed && killed.status == SIGKILL, "\(killed.stderr)")
            let envelope = try workspace.bytes(workspace.mirror + "/" + Self.published + ".intoto.jsonl")

            let locked = try workspace.run(["resume"])
            #expect(
                locked.status == 75 && locked.stderr.contains("set CASA_RELEASE_KEY_PASSPHRASE"), "\(locked.stderr)")
            #expect(!(try workspace.files(in: workspace.mirror)).contains(Self.published), "nothing visible")

            let resumed = try workspace.run(["resume"], environment: secret)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(
                resumed.stderr.contains("step attest-provenance was interrupted after its effect: found it, not redone")
            )
            #expect(try workspace.bytes(workspace.mirror + "/" + Self.published + ".intoto.jsonl") == envelope)
            let image = workspace.mirror + "/" + Self.published
            let checked = try PythonClients.run(
                PythonClients.dsseVerifier, [image, image + ".intoto.jsonl", key + ".pub"])
            #expect(checked.status == 0, "\(checked.output)")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func aPublicationThatCannotBeSignedStopsBeforeAnythingIsRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let key = workspace.root + "/release.key"
            let publish = workspace.publishArguments
            try expectRefusal(
                workspace, publish + ["signing_key=\(key)"], status: 69,
                message: "cannot sign the publication: no signing key at \(key) (casa-release keys generate makes one)")
            #expect(
                try workspace.run(["keys", "generate", key], environment: ["CASA_RELEASE_KEY_PASSPHRASE": "pw"]).status
                    == 0)
            try expectRefusal(
                workspace, publish + ["signing_key=\(key)"], status: 69,
                message: "the key is protected by a passphrase: set CASA_RELEASE_KEY_PASSPHRASE")
            let wrong = try workspace.run(
                publish, environment: ["CASA_RELEASE_SIGNING_KEY": key, "CASA_RELEASE_KEY_PASSPHRASE": "nope"])
            #expect(
                wrong.status == 69 && wrong.stderr.contains("the passphrase does not open the key"), "\(wrong.stderr)")
            chmod(key, 0o644)
            try expectRefusal(workspace, publish + ["signing_key=\(key)"], status: 69, message: "chmod 600 \(key)")
            #expect(try workspace.files(in: workspace.mirror) == [], "nothing reached the target")

            // An image no run of the ledger made has no provenance to sign: bad input.
            let clear = workspace.root + "/clear.key"
            #expect(try workspace.run(["keys", "generate", clear]).status == 0)
            let stranger = workspace.base + "/stranger.sif"
            try Data("a stranger".utf8).write(to: URL(fileURLWithPath: stranger))
            try Data(#"{"name": "stranger", "image_id": "s-1", "type": "user"}"#.utf8).write(
                to: URL(fileURLWithPath: stranger + ".json"))
            try expectRefusal(
                workspace,
                [
                    "publish-user-image", "image=\(stranger)", "target=file://\(workspace.mirror)/",
                    "signing_key=\(clear)",
                ],
                status: 65, message: "cannot sign the publication: no image recorded in this ledger is \(stranger)")
        }
    }
}
