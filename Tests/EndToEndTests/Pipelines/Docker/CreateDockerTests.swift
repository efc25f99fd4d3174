import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `create-docker` with the real buildah: definitions built dependencies first into an OCI
/// layout, the same inputs giving the same digest, an unchanged image up to date, every mistake
/// one line and nothing built.
@Suite struct CreateDockerTests {
    @Test func theShippedDefinitionBuildsAndIsUpToDateTheSecondTime() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let first = try workspace.run(["create-docker", "casa_version=5.4"])
            #expect(first.status == 0, "\(first.stderr)")
            let digest = try workspace.skopeoDigest("cati/casa-test:5.4-scratch")
            #expect(first.stdout.contains("built cati/casa-test:5.4-scratch \(digest)"), "\(first.stdout)")
            #expect(try workspace.buds() == ["cati/casa-test:5.4-scratch"])
            // The template was rendered into the image.
            let layer = try workspace.shell(
                "skopeo inspect --format '{{range .Layers}}{{.}}{{end}}' 'oci:\(workspace.ociLayout):cati/casa-test:5.4-scratch'"
            )
            let release = try workspace.shell(
                "tar -xOf '\(workspace.ociLayout)/blobs/sha256/\(layer.dropFirst(7))' casa/release.txt")
            #expect(release == "casa-test 5.4 on scratch, built by casa-release create-docker")

            let second = try workspace.run(["create-docker", "casa_version=5.4"])
            #expect(
                second.status == 0 && second.stdout.contains("cati/casa-test:5.4-scratch is up to date"),
                "\(second.stdout)\(second.stderr)")
            #expect(try workspace.buds().count == 1, "nothing built the second time")

            let forced = try workspace.run(["create-docker", "casa_version=5.4", "force=yes"])
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(try workspace.buds().count == 2)
            #expect(
                try workspace.skopeoDigest("cati/casa-test:5.4-scratch") == digest,
                "--timestamp 0: the same inputs, the same digest")

            // Another casa_version is another image.
            let other = try workspace.run(["create-docker", "casa_version=5.5"])
            #expect(other.status == 0, "\(other.stderr)")
            #expect(try workspace.skopeoDigest("cati/casa-test:5.5-scratch") != digest)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func dependenciesAreBuiltFirstAndProvenanceReachesTheBase() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.defineRunAndDev()
            let built = try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"])
            #expect(built.status == 0, "\(built.stderr)")
            #expect(
                try workspace.buds() == ["cati/casa-run:5.4", "cati/casa-dev:5.4"],
                "casa-run first; casa-test not asked for")
            let dev = try workspace.skopeoDigest("cati/casa-dev:5.4")
            #expect(try workspace.skopeoDigest("cati/casa-dev:latest") == dev, "every tag names the built image")
            let run = try workspace.skopeoDigest("cati/casa-run:5.4")

            let state = try workspace.lastRun()
            #expect(
                state.steps.map(\.name.rawValue) == [
                    "resolve-definitions", "build-casa-run:5.4", "build-casa-dev:5.4", "tag", "describe",
                ])
            guard case .docker(.described(let images))? = state.outcome(of: .describe) else {
                Issue.record("no description"); return
            }
            let devImage = try #require(images.first { $0.reference == "casa-dev:5.4" })
            #expect(devImage.baseImages == [DockerBaseImage(reference: "cati/casa-run:5.4", digest: run)])
            #expect(devImage.manifestDigest == dev && devImage.tags == ["latest", "5.4"])
            #expect(
                images.first { $0.reference == "casa-run:5.4" }?.baseImages.first?.reference == "cati/busybox-base:1")

            let provenance = try workspace.run(["provenance", "cati/casa-dev:5.4"])
            #expect(provenance.status == 0, "\(provenance.stderr)")
            for expected in [
                "base: casa-run:5.4  (cati/casa-run:5.4)", "definition: casa-dev/busybox", "recipe: Dockerfile",
                "base: cati/busybox-base:1", String(run.dropFirst(7)),
            ] {
                #expect(provenance.stdout.contains(expected), "\(expected) in \(provenance.stdout)")
            }
            let byDigest = try workspace.run(["provenance", dev])
            #expect(
                byDigest.status == 0 && byDigest.stdout.contains("cati/casa-dev:5.4"),
                "\(byDigest.stdout)\(byDigest.stderr)")
            let audit = try workspace.run(["audit", "image=cati/casa-run:5.4"])
            #expect(audit.status == 0 && audit.stdout.contains("casa-dev:5.4"), "\(audit.stdout)\(audit.stderr)")
        }
    }

    /// A changed Dockerfile rebuilds its image, and a changed base rebuilds what is built on it.
    @Test func aChangeRebuildsTheImageAndWhatIsBuiltOnIt() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.defineRunAndDev()
            #expect(try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"]).status == 0)
            let dev = try workspace.skopeoDigest("cati/casa-dev:5.4")
            #expect(try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"]).status == 0)
            #expect(try workspace.buds().count == 2, "both up to date the second time")
            try workspace.write(
                workspace.base + "/share/docker/casa-run/busybox/Dockerfile",
                "FROM cati/busybox-base:1\nRUN mkdir -p /casa && echo run2 > /casa/run\n")
            let again = try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(
                try workspace.buds() == [
                    "cati/casa-run:5.4", "cati/casa-dev:5.4", "cati/casa-run:5.4", "cati/casa-dev:5.4",
                ])
            #expect(try workspace.skopeoDigest("cati/casa-dev:5.4") != dev)
        }
    }

    @Test func aFailedBuildNamesItsLogAndResumeBuildsOnlyThatImage() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.defineRunAndDev()
            #expect(try workspace.run(["create-docker", "image_names=casa-run:*", "casa_version=5.4"]).status == 0)
            let marker = workspace.root + "/mirror-down"
            try workspace.write(marker, "")
            let failed = try workspace.run(
                ["create-docker", "image_names=casa-dev:*", "casa_version=5.4"],
                environment: ["BUILDAH_FAIL_BUD_WHILE": marker])
            #expect(failed.status == 1, "\(failed.stderr)")
            #expect(
                failed.stderr.contains(
                    "step build-casa-dev:5.4 failed: the build of casa-dev:5.4: buildah bud exited with status 1; its output is in "
                ), "\(failed.stderr)")
            let log = try #require(
                failed.stderr.components(separatedBy: "its output is in ").last?.components(separatedBy: "\n").first)
            #expect(try String(contentsOfFile: log, encoding: .utf8).contains("exit status 100"))
            try FileManager.default.removeItem(atPath: marker)
            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(
                try workspace.buds() == ["cati/casa-run:5.4", "cati/casa-dev:5.4", "cati/casa-dev:5.4"],
                "casa-run up to date, casa-dev built again once")
            #expect(try workspace.skopeoDigest("cati/casa-dev:latest") == workspace.skopeoDigest("cati/casa-dev:5.4"))
        }
    }

    /// A RUN that fails for good: exit 1, the run recorded and resumable, nothing tagged.
    @Test func aRunThatFailsIsExit1() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.makeBusyboxBase()
            try workspace.define(
                "broken/busybox", yaml: "image_sources:\n  - name: broken\n    tags: [\"1\"]\n",
                dockerfile: "FROM cati/busybox-base:1\nRUN test -e /nothing-here\n")
            let failed = try workspace.run(["create-docker", "image_names=broken:*"])
            #expect(failed.status == 1 && failed.stderr.contains("step build-broken:1 failed"), "\(failed.stderr)")
            #expect(try workspace.lastRun().step(StepName("build-broken:1"))?.status == .failed)
            #expect((try? workspace.skopeoDigest("cati/broken:1")) == nil, "nothing under the name")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test(arguments: [
        ("image_sources:\n  - name: x\n    tags: [\"1\"]\n    visiblity: public\n", "unknown key `visiblity`"),
        (
            "dependencies: [../../nowhere]\nimage_sources:\n  - name: x\n    tags: [\"1\"]\n",
            "names no image definition"
        ),
        ("dependencies: [../../x]\nimage_sources:\n  - name: x\n    tags: [\"1\"]\n", "the dependencies form a cycle"),
        ("image_sources: [", "not YAML"),
    ])
    func aWrongDefinitionIsExit65AndNothingIsBuilt(yaml: String, expected: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.define("x/y", yaml: yaml, dockerfile: "FROM scratch\n")
            if expected.contains("cycle") {
                try workspace.define(
                    "x/z", yaml: "dependencies: [../../x/y]\nimage_sources:\n  - name: z\n    tags: [\"1\"]\n",
                    dockerfile: "FROM scratch\n")
            }
            let result = try workspace.run(["create-docker"])
            #expect(result.status == 65, "\(result.stderr)")
            #expect(
                result.stderr.contains(workspace.base + "/share/docker/x/") && result.stderr.contains(expected),
                "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            #expect(try workspace.buds().isEmpty)
            let runs = workspace.hasLedger ? try workspace.runIDs() : []
            #expect(runs.isEmpty, "no run recorded")
        }
    }

    @Test func aMissingBuildahIsExit69AndNothingIsRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let result = try workspace.run(
                ["create-docker", "casa_version=5.4"],
                environment: ["CASA_RELEASE_BUILDAH": workspace.root + "/no-buildah"]
            )
            #expect(result.status == 69, "\(result.stderr)")
            #expect(
                result.stderr
                    == "casa-release: CASA_RELEASE_BUILDAH=\(workspace.root)/no-buildah is not an executable\n",
                "\(result.stderr)")
            let runs = workspace.hasLedger ? try workspace.runIDs() : []
            #expect(runs.isEmpty, "no run recorded")
        }
    }

    @Test func badArgumentsAreExit64() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let empty = try workspace.run(["create-docker", "image_names=,"])
            #expect(empty.status == 64 && empty.stderr.contains("image_names="), "\(empty.stderr)")
            let nothing = try workspace.run(["create-docker", "image_names=nothing*", "casa_version=5.4"])
            #expect(
                nothing.status == 65
                    && nothing.stderr.contains(
                        "image_names=nothing*: no image definition matches (known: casa-test:5.4-scratch)"),
                "\(nothing.stderr)")
            let version = try workspace.run(["create-docker"])
            #expect(version.status == 65 && version.stderr.contains("give casa_version="), "\(version.stderr)")
        }
    }

    /// Installed by copying the binary elsewhere and found on the PATH (its command line says only
    /// `casa-release`): with share/casa-release/docker beside its bin/, the shipped definitions
    /// are found; without, create-docker says where it looked.
    @Test func anInstalledBinaryFindsItsShippedDefinitionsOrSaysWhereItLooked() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let prefix = workspace.root + "/prefix"
            try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Workspace.binary, toPath: prefix + "/bin/casa-release")
            let command = { () throws -> Execution in
                try workspace.run(
                    ["casa-release", "create-docker", "image_names=nothing*", "casa_version=5.4"],
                    environment: ["CASA_RELEASE_DOCKER_BUILTIN": ""],
                    launcher: ["/usr/bin/env", "PATH=\(prefix)/bin:/usr/bin:/bin"], binary: false)
            }
            let lost = try command()
            #expect(
                lost.status == 65 && lost.stderr.contains("no image definition found")
                    && lost.stderr.contains(prefix + "/share/casa-release/docker"), "\(lost.stderr)")
            try FileManager.default.createDirectory(
                atPath: prefix + "/share/casa-release", withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: Workspace.package + "/share/docker", toPath: prefix + "/share/casa-release/docker")
            let found = try command()
            #expect(found.status == 65 && found.stderr.contains("(known: casa-test:5.4-scratch)"), "\(found.stderr)")
        }
    }
}

/// SIGKILL just before or just after steps of create-docker, then `resume`: the same digest as an
/// uninterrupted build, and buildah bud ran exactly once. A sample with the real kill: every step
/// is crashed before and after in process, with the same buildah and expectations
/// (Tests/ReleaseDriverTests/DockerImageCrashPointTests.swift).
@Suite struct CreateDockerCrashResumeTests {
    static let points: [(String, String)] = [("build-casa-test:5.4-scratch", "after"), ("tag", "before")]

    /// The digest of one uninterrupted build, made once for all the cases rather than once per case
    /// (eight buildah builds less per pass): buildah's output for the same definition and context is
    /// the same in any workspace, which is what the cases compare against.
    static let uninterrupted = Result { () throws -> String in
        let reference = try Workspace()
        let build = try reference.run(["create-docker", "casa_version=5.4"])
        guard build.status == 0 else { throw TestServerError.failed("the reference build failed: \(build.stderr)") }
        return try reference.skopeoDigest("cati/casa-test:5.4-scratch")
    }

    @Test(arguments: points)
    func killedThenResumed(step: String, moment: String) async throws {
        try await onItsOwnThread {
            let expected = try Self.uninterrupted.get()

            let workspace = try Workspace()
            let killed = try workspace.run(
                ["create-docker", "casa_version=5.4"], environment: ["CASA_RELEASE_FAILPOINT": "\(step):\(moment)"])
            #expect(killed.killed && killed.status == SIGKILL, "\(killed.stderr)")
            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try workspace.lastRun().status == .completed)
            #expect(try workspace.skopeoDigest("cati/casa-test:5.4-scratch") == expected)
            let buds = try workspace.buds()
            #expect(buds.count == 1, "buildah bud ran once: \(buds)")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }
}
