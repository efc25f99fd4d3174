import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `publish-docker` against the real distribution registry (Debian's docker-registry) on
/// 127.0.0.1: blobs and manifest by digest, then the tags; skopeo, an independent client, says
/// what the registry serves.
@Suite struct PublishDockerTests {
    /// casa-run:5.4 and casa-dev:{latest,5.4} built by create-docker from the busybox base.
    static func builtWorkspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.defineRunAndDev()
        let built = try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"])
        guard built.status == 0 else { throw TestServerError.failed("create-docker: \(built.stderr)") }
        return workspace
    }

    @Test func imagesArePushedByDigestThenTaggedAndASecondPushSendsNoBlob() async throws {
        try await onItsOwnThread {
            let workspace = try Self.builtWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            let first = try workspace.run(["publish-docker", "registry=\(registry.url)"])
            #expect(first.status == 0, "\(first.stderr)")
            let dev = try workspace.skopeoDigest("cati/casa-dev:5.4")
            let run = try workspace.skopeoDigest("cati/casa-run:5.4")
            for (reference, digest) in [
                ("cati/casa-dev:latest", dev), ("cati/casa-dev:5.4", dev), ("cati/casa-dev:5.4-1", dev),
                ("cati/casa-dev:latest-1", dev), ("cati/casa-run:5.4", run), ("cati/casa-run:5.4-1", run),
            ] {
                #expect(try workspace.registryDigest(registry, reference) == digest, "\(reference)")
            }
            #expect(first.stdout.contains("published \(registry.host)/cati/casa-dev:latest-1"), "\(first.stdout)")
            let state = try workspace.lastRun()
            #expect(
                state.steps.map(\.name.rawValue) == ["check-registry", "push-casa-dev:5.4", "push-casa-run:5.4", "tag"])
            guard case .dockerPublication(.pushed(let pushed))? = state.outcome(of: StepName("push-casa-dev:5.4"))
            else {
                Issue.record("no push outcome"); return
            }
            // casa-dev shares the busybox and casa-run layers: pushed after casa-run? No: in name
            // order, casa-dev first, so every blob of it is sent.
            #expect(pushed.blobsPresent.isEmpty && pushed.blobsUploaded.count == 4, "\(pushed)")

            // The same images again: the registry serves them as published, under every tag and its
            // highest number: up to date, no run, no new number.
            let runs = try workspace.runCount()
            let unchanged = try workspace.run(["publish-docker", "registry=\(registry.url)"])
            #expect(
                unchanged.status == 0 && unchanged.stdout.contains("nothing to publish"),
                "\(unchanged.stdout)\(unchanged.stderr)")
            #expect(
                unchanged.stderr.contains("cati/casa-dev:5.4 is up to date")
                    && unchanged.stderr.contains("serves it as cati/casa-dev:latest-1, cati/casa-dev:5.4-1"),
                "\(unchanged.stderr)")
            #expect(try workspace.registryTags(registry, "cati/casa-dev") == ["5.4", "5.4-1", "latest", "latest-1"])
            #expect(try workspace.runCount() == runs)
            // force=yes publishes them again: every blob is there, only the numbered tags are new.
            let second = try workspace.run(["publish-docker", "registry=\(registry.url)", "force=yes"])
            #expect(second.status == 0, "\(second.stderr)")
            let again = try workspace.lastRun()
            for step in ["push-casa-dev:5.4", "push-casa-run:5.4"] {
                guard case .dockerPublication(.pushed(let image))? = again.outcome(of: StepName(step)) else {
                    Issue.record("no \(step)"); continue
                }
                #expect(image.blobsUploaded.isEmpty && image.bytesSent == 0, "\(image)")
            }
            #expect(
                try workspace.registryTags(registry, "cati/casa-dev") == [
                    "5.4", "5.4-1", "5.4-2", "latest", "latest-1", "latest-2",
                ])
            guard case .dockerPublication(.movedTags(let tags))? = again.outcome(of: .tagImages) else {
                Issue.record("no tags"); return
            }
            let movingTagsWereThere = tags.filter { !$0.numbered }.allSatisfy { $0.alreadyThere }
            #expect(movingTagsWereThere)

            // Provenance: the pushed reference reaches the built image, its Dockerfile and its base.
            let provenance = try workspace.run(["provenance", "\(registry.host)/cati/casa-dev:5.4-2"])
            #expect(provenance.status == 0, "\(provenance.stderr)")
            for expected in [
                "pushed to a registry: \(registry.host)/cati/casa-dev:5.4-2",
                "pushed: casa-dev:5.4  (cati/casa-dev:5.4)",
                "recipe: Dockerfile", "base: casa-run:5.4", String(dev.dropFirst(7)),
            ] {
                #expect(provenance.stdout.contains(expected), "\(expected) in \(provenance.stdout)")
            }
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// Two hosts (two base directories) on one ledger, each building its own casa-run:5.4: each
    /// publishes the build in its own layout, not the ledger's latest, which the other made.
    @Test func eachHostOfASharedLedgerPublishesWhatItBuilt() async throws {
        try await onItsOwnThread {
            let first = try Self.builtWorkspace()
            let second = try Workspace()
            let shared = ["CASA_RELEASE_LEDGER": first.ledgerArgument]
            try second.makeBusyboxBase()
            try second.defineRun(marker: "built-elsewhere")
            let built = try second.run(
                ["create-docker", "image_names=casa-run:*", "casa_version=5.4"], environment: shared)
            #expect(built.status == 0, "\(built.stderr)")
            let mine = try first.skopeoDigest("cati/casa-run:5.4")
            let theirs = try second.skopeoDigest("cati/casa-run:5.4")
            #expect(mine != theirs, "two different builds")
            let registry = try RegistryServer(directory: first.root + "/registry")
            let fromFirst = try first.run(["publish-docker", "image_names=casa-run:*", "registry=\(registry.url)"])
            #expect(fromFirst.status == 0, "\(fromFirst.stderr)")
            #expect(try first.registryDigest(registry, "cati/casa-run:5.4-1") == mine)
            let fromSecond = try second.run(
                ["publish-docker", "image_names=casa-run:*", "registry=\(registry.url)"], environment: shared)
            #expect(fromSecond.status == 0, "\(fromSecond.stderr)")
            #expect(try first.registryDigest(registry, "cati/casa-run:5.4-2") == theirs)
            #expect(try first.registryDigest(registry, "cati/casa-run:5.4") == theirs)
        }
    }

    @Test func aBasicLoginIsAskedForAndNeverRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try Self.builtWorkspace()
            let registry = try RegistryServer(
                directory: workspace.root + "/registry", login: .basic(user: "casa", password: "s3cret-word"))
            let home = workspace.root + "/home"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            // No login, a wrong one, a login file that cannot be read: each is said before a run is
            // recorded, and nothing is.
            let runs = try workspace.runCount()
            let anonymous = try workspace.run(
                ["publish-docker", "registry=\(registry.url)"], environment: ["HOME": home])
            #expect(anonymous.status == 69, "\(anonymous.stderr)")
            #expect(
                anonymous.stderr.contains("asks for a login (401) and none is given")
                    && anonymous.stderr.contains("nothing was recorded"), "\(anonymous.stderr)")
            let wrong = try workspace.run(
                ["publish-docker", "registry=\(registry.url)"],
                environment: [
                    "HOME": home, "CASA_RELEASE_REGISTRY_USER": "casa", "CASA_RELEASE_REGISTRY_PASSWORD": "nope",
                ])
            #expect(wrong.status == 69 && wrong.stderr.contains("refused the login of casa"), "\(wrong.stderr)")
            try workspace.write(home + "/.docker/config.json", "{\"auths\": {\"\(registry.host)\": ")
            let garbage = try workspace.run(
                ["publish-docker", "registry=\(registry.url)"], environment: ["HOME": home])
            #expect(
                garbage.status != 0 && garbage.stderr.contains("config.json")
                    && garbage.stderr.split(separator: "\n").count == 1, "\(garbage.stderr)")
            #expect(try workspace.runCount() == runs, "nothing recorded")

            // docker login's file: the command publishes.
            let auth = Data("casa:s3cret-word".utf8).base64EncodedString()
            try workspace.write(
                home + "/.docker/config.json", "{\"auths\": {\"\(registry.host)\": {\"auth\": \"\(auth)\"}}}")
            let resumed = try workspace.run(
                ["publish-docker", "registry=\(registry.url)"], environment: ["HOME": home])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            try #expect(
                workspace.registryDigest(registry, "cati/casa-dev:5.4", creds: "casa:s3cret-word")
                    == (try workspace.skopeoDigest("cati/casa-dev:5.4")))
            let ledger = try workspace.ledgerContents()
            #expect(!ledger.contains("s3cret-word") && !ledger.contains(auth), "no secret in the ledger")
        }
    }

    @Test func theBearerTokenFlowIsFollowedAndAReaderCannotPush() async throws {
        try await onItsOwnThread {
            let workspace = try Self.builtWorkspace()
            let tokens = try TokenServer(
                directory: workspace.root + "/tokens",
                users: [("writer", "w-pass", "pull,push"), ("reader", "r-pass", "pull")])
            let registry = try RegistryServer(directory: workspace.root + "/registry", login: .token(tokens))
            let reader = try workspace.run(
                ["publish-docker", "registry=\(registry.url)", "image_names=casa-run:*"],
                environment: ["CASA_RELEASE_REGISTRY_USER": "reader", "CASA_RELEASE_REGISTRY_PASSWORD": "r-pass"])
            #expect(reader.status == 69, "\(reader.stderr)")
            #expect(reader.stderr.contains("refused the login of reader"), "\(reader.stderr)")
            #expect(
                try workspace.registryTags(registry, "cati/casa-run", creds: "writer:w-pass").isEmpty, "nothing visible"
            )

            let writer = try workspace.run(
                ["publish-docker", "registry=\(registry.url)", "image_names=casa-run:*"],
                environment: ["CASA_RELEASE_REGISTRY_USER": "writer", "CASA_RELEASE_REGISTRY_PASSWORD": "w-pass"])
            #expect(writer.status == 0, "\(writer.stderr)")
            try #expect(
                workspace.registryDigest(registry, "cati/casa-run:5.4", creds: "writer:w-pass")
                    == (try workspace.skopeoDigest("cati/casa-run:5.4")))
            #expect(
                tokens.requests().contains { $0.contains("scope=repository:cati/casa-run:pull,push") },
                "\(tokens.requests())")
        }
    }

    /// A blob of the layout whose bytes no longer match its digest: the registry refuses it
    /// (DIGEST_INVALID), casa-release says which blob and why, and no tag is there.
    @Test func aCorruptBlobIsRefusedByTheRegistryAndNothingIsVisible() async throws {
        try await onItsOwnThread {
            let workspace = try Self.builtWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            let layer =
                try workspace.shell(
                    "skopeo inspect --format '{{range .Layers}}{{.}} {{end}}' 'oci:\(workspace.ociLayout):cati/casa-run:5.4'"
                )
                .split(separator: " ").last.map(String.init) ?? ""
            let path = workspace.ociLayout + "/blobs/sha256/" + layer.dropFirst(7)
            var bytes = try workspace.bytes(path)
            bytes[bytes.count / 2] ^= 0xff
            try bytes.write(to: URL(fileURLWithPath: path))
            let failed = try workspace.run(["publish-docker", "registry=\(registry.url)", "image_names=casa-run:*"])
            #expect(failed.status == 65, "\(failed.stderr)")
            #expect(
                failed.stderr.contains("the blob \(layer) in the OCI layout is corrupt")
                    && failed.stderr.contains("DIGEST_INVALID"), "\(failed.stderr)")
            #expect(try workspace.registryTags(registry, "cati/casa-run").isEmpty)
            #expect(try workspace.lastRun().step(StepName("push-casa-run:5.4"))?.status == .failed)
        }
    }

    @Test func anUnreachableRegistryIsATemporaryFailureAndNothingIsRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try Self.builtWorkspace()
            let port = try FreePort.find()
            let environment = ["CASA_RELEASE_TRANSFER_ATTEMPTS": "2", "CASA_RELEASE_RETRY_DELAY": "0.01"]
            let runs = try workspace.runCount()
            let failed = try workspace.run(
                ["publish-docker", "registry=http://127.0.0.1:\(port)", "image_names=casa-run:*"],
                environment: environment)
            #expect(failed.status == 75, "\(failed.stderr)")
            #expect(
                failed.stderr.contains("reaching http://127.0.0.1:\(port) failed 2 times")
                    && failed.stderr.contains("nothing was recorded"), "\(failed.stderr)")
            #expect(try workspace.runCount() == runs, "nothing recorded")
            // The registry comes up on that port: the same command publishes.
            let registry = try RegistryServer(directory: workspace.root + "/registry", port: port)
            let resumed = try workspace.run([
                "publish-docker", "registry=http://127.0.0.1:\(port)", "image_names=casa-run:*",
            ])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            try #expect(
                workspace.registryDigest(registry, "cati/casa-run:5.4")
                    == (try workspace.skopeoDigest("cati/casa-run:5.4"))
            )
        }
    }

    /// A private image goes only to private_registry=, and only with visibility=private.
    @Test func privateImagesGoOnlyToThePrivateRegistry() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.makeBusyboxBase()
            try workspace.define(
                "casa-secret/busybox",
                yaml: """
                    image_sources:
                      - name: casa-secret
                        tags: ["1"]
                        visibility: private
                    """, dockerfile: "FROM cati/busybox-base:1\nRUN echo secret > /secret\n")
            #expect(try workspace.run(["create-docker", "image_names=casa-secret:*"]).status == 0)
            let registry = try RegistryServer(directory: workspace.root + "/public")
            let privateRegistry = try RegistryServer(directory: workspace.root + "/private")
            let asPublic = try workspace.run(["publish-docker", "registry=\(registry.url)"])
            #expect(asPublic.status == 65 && asPublic.stderr.contains("casa-secret:1 is private"), "\(asPublic.stderr)")
            let published = try workspace.run([
                "publish-docker", "visibility=private", "private_registry=\(privateRegistry.url)",
            ])
            #expect(published.status == 0, "\(published.stderr)")
            try #expect(
                workspace.registryDigest(privateRegistry, "cati/casa-secret:1")
                    == workspace.skopeoDigest("cati/casa-secret:1"))
            #expect(try workspace.registryTags(registry, "cati/casa-secret").isEmpty, "nothing on the public registry")
        }
    }

    /// A tag the distribution spec takes (up to 128 characters) but whose `<tag>-<N>` it would
    /// refuse: said before any run, exit 65.
    @Test func aTagWithNoRoomForItsNumberIsRefusedBeforeTheRun() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.makeBusyboxBase()
            let tag = String(repeating: "a", count: 125)
            try workspace.define(
                "casa-long/busybox",
                yaml: """
                    image_sources:
                      - name: casa-long
                        tags: ["\(tag)"]
                    """, dockerfile: "FROM cati/busybox-base:1\n")
            #expect(try workspace.run(["create-docker", "image_names=casa-long:*"]).status == 0)
            let runs = try workspace.runCount()
            let refused = try workspace.run(["publish-docker", "registry=http://127.0.0.1:9"])
            #expect(refused.status == 65, "\(refused.stderr)")
            #expect(refused.stderr.contains("leaves no room for its numbered tag"), "\(refused.stderr)")
            #expect(try workspace.runCount() == runs)
        }
    }

    @Test func wrongArgumentsAreOneLineAndStartNoRun() async throws {
        try await onItsOwnThread {
            let workspace = try Self.builtWorkspace()
            for (arguments, status, message) in [
                (["visibility=secret"], Int32(64), "visibility=secret is neither public nor private"),
                (["registry=ftp://example.org"], 64, "registry=ftp://example.org is not a registry"),
                (["registry=http://127.0.0.1:99999"], 64, "registry=http://127.0.0.1:99999 is not a registry"),
                (["visibility=private"], 64, "visibility=private images go only to private_registry=URL"),
                (
                    ["image_names=nothing-like-it:*"], 65,
                    "no image built by create-docker matches image_names=nothing-like-it:*"
                ),
                (["image_names=,"], 64, "image_names= needs at least one pattern"),
                // A login typed into the URL: said without its password, and where logins go.
                (
                    ["registry=http://casa:s3cret-pw@127.0.0.1:9"], 64,
                    "registry=http://casa@127.0.0.1:9 is not a registry"
                ),
                (["registry=http://casa:s3cret-pw@[::1"], 64, "registry=http://casa@[::1 is not a registry"),
                (
                    ["visibility=private", "private_registry=https://casa:s3cret-pw@registry.example.org:5000/"], 64,
                    "private_registry=https://casa@registry.example.org:5000/ is not a registry"
                ),
            ] {
                let runs = try workspace.runCount()
                let result = try workspace.run(["publish-docker"] + arguments)
                #expect(result.status == status, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
                #expect(!(result.stdout + result.stderr).contains("s3cret"), "no password shown: \(result.stderr)")
                #expect(try workspace.runCount() == runs, "no run for \(arguments)")
            }
        }
    }
}
