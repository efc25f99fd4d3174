import Foundation
import ReleaseStateMachine
import Testing

@testable import TestSupport

/// `publish-docker signing_key=`: each pushed manifest signed the cosign way, checked against the
/// registry with the release's public key alone. The check the issue asks for, skopeo with a
/// `sigstoreSigned` policy, cannot run on Debian 12: its containers/image has sigstore disabled at
/// the source, which the test shows; the check is `PythonClients.cosignVerifier` (Python's
/// cryptography, the payload read as containers/image reads it).
@Suite struct SignedDockerTests {
    @Test func aSignedImageIsAcceptedAndTheRestRefused() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try PublishDockerTests.builtWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            let key = workspace.root + "/keys/release.key"
            let passphrase = ["CASA_RELEASE_KEY_PASSPHRASE": "docker-\(UUID().uuidString)"]
            #expect(try workspace.run(["keys", "generate", key], environment: passphrase).status == 0)

            let signed = try workspace.run(
                ["publish-docker", "registry=\(registry.url)", "image_names=casa-run:*", "signing_key=\(key)"],
                environment: passphrase)
            #expect(signed.status == 0, "\(signed.stderr)")
            let state = try workspace.lastRun()
            #expect(
                state.steps.map(\.name.rawValue) == ["check-registry", "push-casa-run:5.4", "sign-casa-run:5.4", "tag"])
            guard case .dockerPublication(.signed(let signature))? = state.outcome(of: StepName("sign-casa-run:5.4"))
            else {
                Issue.record("no signature recorded")
                return
            }
            #expect(signature.keyID == state.parameters?.dockerPublication?.signingKeyID)
            let runDigest = try workspace.registryDigest(registry, "cati/casa-run:5.4")
            #expect(signature.manifestDigest == runDigest)
            #expect(try workspace.registryTags(registry, "cati/casa-run").contains(signature.signatureTag))
            #expect(signature.attestationTag == "sha256-\(runDigest.dropFirst(7)).att")
            let attested = try PythonClients.run(
                PythonClients.cosignAttestationVerifier, [registry.url, "cati/casa-run", "5.4", key + ".pub"])
            #expect(
                attested.status == 0 && attested.output.hasPrefix("\(signature.keyID) https://slsa.dev/provenance/v1"),
                "the provenance attached: \(attested.output)")

            // casa-dev unsigned, in the same registry.
            let unsigned = try workspace.run(["publish-docker", "registry=\(registry.url)", "image_names=casa-dev:*"])
            #expect(unsigned.status == 0, "\(unsigned.stderr)")

            let check = { (reference: String, publicKey: String) throws -> (status: Int32, output: String) in
                let (repository, tag) = (
                    String(reference.split(separator: ":")[0]), String(reference.split(separator: ":")[1])
                )
                return try PythonClients.run(PythonClients.cosignVerifier, [registry.url, repository, tag, publicKey])
            }
            let accepted = try check("cati/casa-run:5.4", key + ".pub")
            #expect(
                accepted.status == 0 && accepted.output.hasPrefix(runDigest), "the signed image: \(accepted.output)")
            #expect(try check("cati/casa-run:5.4-1", key + ".pub").status == 0, "under its numbered tag too")
            let refusedUnsigned = try check("cati/casa-dev:5.4", key + ".pub")
            #expect(
                refusedUnsigned.status != 0 && refusedUnsigned.output.contains("unsigned"), "\(refusedUnsigned.output)")

            let other = workspace.root + "/other.key"
            #expect(try workspace.run(["keys", "generate", other]).status == 0)
            let otherKey = try check("cati/casa-run:5.4", other + ".pub")
            #expect(otherKey.status != 0 && otherKey.output.contains("does not verify"), "\(otherKey.output)")
            let otherAttestation = try PythonClients.run(
                PythonClients.cosignAttestationVerifier, [registry.url, "cati/casa-run", "5.4", other + ".pub"])
            #expect(otherAttestation.status != 0, "\(otherAttestation.output)")

            // Debian's skopeo would be the check, with a sigstoreSigned policy: it cannot verify
            // sigstore signatures at all (when this fails, skopeo can, and should take the check over).
            let skopeo = try SkopeoPolicy(workspace, registry, publicKey: key + ".pub").pull("cati/casa-run:5.4")
            #expect(skopeo.status != 0 && skopeo.output.contains("sigstore disabled"), "\(skopeo.output)")

            // The tag moved to another digest (casa-dev's, which nobody signed for casa-run).
            try workspace.shell(
                "skopeo copy --insecure-policy --src-tls-verify=false --dest-tls-verify=false docker://\(registry.host)/cati/casa-dev:5.4 docker://\(registry.host)/cati/casa-run:5.4 >/dev/null 2>&1"
            )
            let moved = try check("cati/casa-run:5.4", key + ".pub")
            #expect(moved.status != 0, "a tag moved to another digest is refused: \(moved.output)")
            #expect(
                try check("cati/casa-run:5.4-1", key + ".pub").status == 0,
                "the numbered tag still holds the signed digest")

            // A second signed run of the same images signs nothing twice.
            let again = try workspace.run(
                [
                    "publish-docker", "registry=\(registry.url)", "image_names=casa-run:*", "signing_key=\(key)",
                    "force=yes",
                ],
                environment: passphrase)
            #expect(again.status == 0, "\(again.stderr)")
            if case .dockerPublication(.signed(let second))? = try workspace.lastRun().outcome(
                of: StepName("sign-casa-run:5.4"))
            {
                #expect(second.alreadyThere && second.signature == signature.signature)
            } else {
                Issue.record("no signature in the second run")
            }
        }
    }
}

/// skopeo with a policy that requires, for the test registry, a sigstore signature by one key
/// (any tag of the signed repository: `matchRepository`), read from cosign's attachments.
struct SkopeoPolicy {
    let workspace: Workspace
    let registry: RegistryServer
    let directory: String

    init(_ workspace: Workspace, _ registry: RegistryServer, publicKey: String) throws {
        self.workspace = workspace
        self.registry = registry
        directory = workspace.root + "/skopeo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/registries.d", withIntermediateDirectories: true)
        let policy: [String: Any] = [
            "default": [["type": "reject"]],
            "transports": [
                "docker": [
                    registry.host: [
                        [
                            "type": "sigstoreSigned", "keyPath": publicKey,
                            "signedIdentity": ["type": "matchRepository"],
                        ]
                    ]
                ]
            ],
        ]
        try JSONSerialization.data(withJSONObject: policy).write(to: URL(fileURLWithPath: directory + "/policy.json"))
        try "docker:\n  \(registry.host):\n    use-sigstore-attachments: true\n".write(
            toFile: directory + "/registries.d/test.yaml", atomically: true, encoding: .utf8)
    }

    /// `skopeo copy` of `reference` out of the registry under the policy: its status and output.
    func pull(_ reference: String) throws -> (status: Int32, output: String) {
        try Shell.capture(
            "/usr/bin/skopeo",
            [
                "copy", "--policy", directory + "/policy.json", "--registries.d", directory + "/registries.d",
                "--src-tls-verify=false", "docker://\(registry.host)/\(reference)",
                "dir:" + directory + "/pulled-" + UUID().uuidString,
            ])
    }
}
