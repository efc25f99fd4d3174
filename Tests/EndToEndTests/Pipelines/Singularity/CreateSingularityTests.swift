import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `create-singularity`: each docker image create-docker built becomes a `.sif` made by apptainer
/// (the stand-in) from an OCI archive of it, keeping its config, described by a sidecar whose
/// origin is the docker image by digest, and traced by provenance down to the Dockerfile.
@Suite struct CreateSingularityTests {
    @Test func eachImageBecomesASifThatKeepsItsConfigAndNamesItsOrigin() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.defineRunAndDevWithConfig()
            #expect(try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"]).status == 0)
            let converted = try workspace.run(["create-singularity"])
            #expect(converted.status == 0, "\(converted.stderr)")
            let state = try workspace.lastRun()
            #expect(state.steps.map(\.name.rawValue) == ["convert-casa-dev:5.4", "convert-casa-run:5.4", "describe"])

            for reference in ["casa-run:5.4", "casa-dev:5.4"] {
                let sif = workspace.sif(reference)
                let digest = try workspace.skopeoDigest("cati/" + reference)
                let sidecar = try workspace.sidecar(sif + ".json")
                #expect(sidecar["origin"]?.stringValue == "cati/" + reference.split(separator: ":")[0] + "@" + digest)
                #expect(
                    sidecar["container_type"]?.stringValue == "singularity"
                        && sidecar["system"]?.stringValue == "busybox")
                #expect(sidecar["type"]?.stringValue == (reference.hasPrefix("casa-run") ? "run" : "dev"))
                #expect(
                    sidecar.members.map(\.key) == [
                        "name", "type", "system", "container_type", "creation_time", "image_version", "origin",
                        "docker_image", "docker_tags", "compatibility", "size", "md5", "image_id",
                    ])
                let imageID = try #require(sidecar.imageID)
                #expect(try workspace.catInImage(sif, "/casa/image_id") == "{\"image_id\": \"\(imageID)\"}")
                #expect(try workspace.shell("md5sum '\(sif)' | cut -d' ' -f1") == sidecar.md5)
                #expect(
                    converted.stdout.contains("created \(sif) from cati/\(reference) \(digest) (image_id \(imageID)"),
                    "\(converted.stdout)")

                // apptainer was handed the image itself: its config and its files, as skopeo reads them in the layout.
                let contents = try workspace.sifContents(sif)
                let docker = try #require(contents["docker"] as? [String: Any])
                let config = try workspace.skopeoConfig("cati/" + reference)
                #expect(docker["manifest"] as? String == digest)
                #expect(docker["env"] as? [String] == config["Env"] as? [String])
                #expect(docker["entrypoint"] as? [String] == config["Entrypoint"] as? [String])
                #expect(docker["cmd"] as? [String] == config["Cmd"] as? [String])
                #expect(try workspace.catInImage(sif, "/casa/run") == "run")
            }
            let run = try workspace.sifContents(workspace.sif("casa-run:5.4"))["docker"] as? [String: Any]
            #expect(
                run?["entrypoint"] as? [String] == ["/bin/sh", "-c"] && run?["cmd"] as? [String] == ["cat /casa/run"])
            #expect((run?["env"] as? [String])?.contains("CASA_PATH=/casa/bin") == true)
            #expect(try workspace.catInImage(workspace.sif("casa-dev:5.4"), "/casa/dev") == "dev")

            // One build each, into a hidden temporary name, from a definition that bootstraps from the archive.
            let builds = try workspace.sifBuilds()
            #expect(builds.count == 2)
            for build in builds {
                #expect(
                    FilePath.lastComponent(build.output).hasPrefix(".cati_casa-") && build.output.hasSuffix(".part"))
                let definition = String(decoding: try workspace.bytes(build.source), as: UTF8.self)
                #expect(definition.hasPrefix("Bootstrap: oci-archive\nFrom: \(workspace.dockerTop)/archives/"))
                #expect(
                    !definition.contains("%post") && !definition.contains("%runscript"),
                    "apptainer keeps the image's own Entrypoint and Cmd")
            }
            #expect(
                try workspace.standInCalls("apptainer").filter { $0.argv.first == "build" }.allSatisfy {
                    $0.argv.contains("--fakeroot")
                })
            #expect(try workspace.conversionLeftovers().isEmpty)
            #expect(try workspace.run(["verify", "--artifacts"]).status == 0)

            // Unchanged: up to date, nothing built.
            let again = try workspace.run(["create-singularity", "image_names=casa-run:*"])
            #expect(
                again.status == 0 && again.stdout.contains("\(workspace.sif("casa-run:5.4")) is up to date"),
                "\(again.stdout)\(again.stderr)")
            #expect(try workspace.sifBuilds().count == 2)
        }
    }

    @Test func provenanceOfASifReachesTheDockerfileAndTheBase() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.defineRunAndDevWithConfig()
            #expect(try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"]).status == 0)
            #expect(try workspace.run(["create-singularity", "image_names=casa-dev:*"]).status == 0)
            let sif = workspace.sif("casa-dev:5.4")
            let dev = try workspace.skopeoDigest("cati/casa-dev:5.4")
            let run = try workspace.skopeoDigest("cati/casa-run:5.4")
            let provenance = try workspace.run(["provenance", sif])
            #expect(provenance.status == 0, "\(provenance.stderr)")
            for expected in [
                "docker-image: casa-dev:5.4  (cati/casa-dev:5.4)", String(dev.dropFirst(7)),
                "definition: casa-dev/busybox",
                "recipe: Dockerfile", "base: casa-run:5.4  (cati/casa-run:5.4)", String(run.dropFirst(7)),
                "base: cati/busybox-base:1", "definition: cati_casa-dev_5.4.def",
            ] {
                #expect(provenance.stdout.contains(expected), "\(expected) in \(provenance.stdout)")
            }
            // By its image_id, and from the docker image up: everything built on it.
            let imageID = try #require(try workspace.sidecar(sif + ".json").imageID)
            #expect(try workspace.run(["provenance", imageID]).stdout.contains("docker-image: casa-dev:5.4"))
            let audit = try workspace.run(["audit", "image=cati/casa-run:5.4"])
            #expect(
                audit.status == 0 && audit.stdout.contains(sif) && audit.stdout.contains("casa-dev:5.4"),
                "\(audit.stdout)\(audit.stderr)")

            // SLSA: the .sif by its digests, the docker image by package URL and digest.
            let slsa = try workspace.run(["provenance", sif, "--format", "slsa"])
            let statement = try JSONSerialization.jsonObject(with: Data(slsa.stdout.utf8)) as! [String: Any]
            let subject = (statement["subject"] as! [[String: Any]])[0]
            #expect(
                (subject["digest"] as? [String: String])?["sha256"]
                    == (try workspace.shell("sha256sum '\(sif)' | cut -d' ' -f1")))
            let dependencies =
                ((statement["predicate"] as! [String: Any])["buildDefinition"] as! [String: Any])[
                    "resolvedDependencies"]
                as! [[String: Any]]
            let docker = try #require(
                dependencies.first { ($0["annotations"] as? [String: String])?["role"] == "docker-image" })
            #expect(docker["uri"] as? String == "pkg:docker/cati/casa-dev@sha256%3A" + dev.dropFirst(7))
            #expect((docker["digest"] as? [String: String])?["sha256"] == String(dev.dropFirst(7)))
            let image =
                try JSONSerialization.jsonObject(
                    with: Data(try workspace.run(["provenance", "cati/casa-dev:5.4", "--format", "slsa"]).stdout.utf8))
                as! [String: Any]
            let imageSubject = (image["subject"] as! [[String: Any]])[0]
            #expect(imageSubject["name"] as? String == "cati/casa-dev:5.4")
            #expect(imageSubject["uri"] as? String == "pkg:docker/cati/casa-dev@sha256%3A" + dev.dropFirst(7))
        }
    }

    /// A new build of the docker image replaces the .sif casa-release made from the old one; a
    /// file casa-release did not make (or that changed since) is replaced only with force=yes.
    @Test func onlyOurOwnSifIsReplacedWithoutForce() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(["create-docker", "casa_version=5.4"]).status == 0)
            let sif = workspace.sif("casa-test:5.4-scratch")
            #expect(try workspace.run(["create-singularity"]).status == 0)
            let first = try #require(try workspace.sidecar(sif + ".json").imageID)

            let forced = try workspace.run(["create-singularity", "force=yes"])
            #expect(forced.status == 0, "\(forced.stderr)")
            let second = try #require(try workspace.sidecar(sif + ".json").imageID)
            let inside = try workspace.catInImage(sif, "/casa/image_id")
            #expect(second != first && inside.contains(second))
            #expect(try workspace.sifBuilds().count == 2)

            // Our image edited by hand is no longer ours: refused before anything is recorded.
            try workspace.shell("printf x >> '\(sif)'")
            let runs = try workspace.runIDs().count
            let refused = try workspace.run(["create-singularity"])
            #expect(
                refused.status == 73
                    && refused.stderr.contains("\(sif) already exists and is not a .sif casa-release made there"),
                "\(refused.stderr)")
            #expect(refused.stderr.contains("force=yes") && refused.stderr.split(separator: "\n").count == 1)
            let kept = try workspace.bytes(sif)
            #expect(try workspace.runIDs().count == runs && kept.last == UInt8(ascii: "x"))

            // Somebody's file under the name of another image: the same.
            #expect(try workspace.run(["create-docker", "casa_version=5.5"]).status == 0)
            let other = workspace.sif("casa-test:5.5-scratch")
            try workspace.write(other, "somebody's image")
            #expect(try workspace.run(["create-singularity", "image_names=*:5.5*"]).status == 73)
            #expect(String(decoding: try workspace.bytes(other), as: UTF8.self) == "somebody's image")
            let replaced = try workspace.run(["create-singularity", "image_names=*:5.5*", "force=yes"])
            #expect(replaced.status == 0, "\(replaced.stderr)")
            let otherID = try #require(try workspace.sidecar(other + ".json").imageID)
            #expect(try workspace.catInImage(other, "/casa/image_id").contains(otherID))

            // A new build of the docker image: our old .sif is replaced, without force. (The shipped
            // definition, copied into the base directory's share/docker, hides the shipped one.)
            try workspace.shell(
                "mkdir -p '\(workspace.base)/share/docker' && cp -r '\(Workspace.package)/share/docker/casa-test' '\(workspace.base)/share/docker/'"
            )
            try workspace.write(workspace.base + "/share/docker/casa-test/scratch/casa/extra.txt", "new\n")
            #expect(try workspace.run(["create-docker", "casa_version=5.5"]).status == 0)
            let rebuilt = try workspace.run(["create-singularity", "image_names=*:5.5*"])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(try workspace.catInImage(other, "/casa/extra.txt") == "new")
            #expect(
                try workspace.sidecar(other + ".json")["origin"]?.stringValue?.hasSuffix(
                    try workspace.skopeoDigest("cati/casa-test:5.5-scratch")) == true)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func badInputAndToolFailuresAreOneLineAndResumable() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let none = try workspace.run(["create-singularity"])
            #expect(
                none.status == 65 && none.stderr.contains("no image built by create-docker matches image_names=*"),
                "\(none.stderr)")
            #expect(try workspace.run(["create-singularity", "image_names=,"]).status == 64)
            #expect(try workspace.run(["create-singularity", "force=maybe"]).status == 64)

            #expect(try workspace.run(["create-docker", "casa_version=5.4"]).status == 0)
            let nothingMatches = try workspace.run(["create-singularity", "image_names=casa-run:*"])
            #expect(nothingMatches.status == 65, "\(nothingMatches.stderr)")
            let noTool = try workspace.run(
                ["create-singularity"], environment: ["CASA_RELEASE_APPTAINER": "no-such-apptainer"])
            #expect(noTool.status == 69 && noTool.stderr.contains("no-such-apptainer"), "\(noTool.stderr)")

            // The build fails: exit 1, its log named, nothing under the output's name, no archive left.
            let sif = workspace.sif("casa-test:5.4-scratch")
            let failed = try workspace.run(["create-singularity"], environment: ["STANDIN_APPTAINER_FAIL_BUILD": "1"])
            #expect(
                failed.status == 1 && failed.stderr.contains("build exited with status")
                    && failed.stderr.contains(".log"),
                "\(failed.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: sif) && !FileManager.default.fileExists(atPath: sif + ".json"))
            #expect(try workspace.conversionLeftovers().isEmpty)
            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(
                try workspace.sidecar(sif + ".json").imageID.map {
                    try workspace.catInImage(sif, "/casa/image_id").contains($0)
                } == true)

            // A layout blob whose bytes changed: named, exit 65, the .sif left as it was.
            let before = try workspace.bytes(sif)
            let layer = try workspace.shell(
                "skopeo inspect --format '{{range .Layers}}{{.}}{{end}}' 'oci:\(workspace.ociLayout):cati/casa-test:5.4-scratch'"
            )
            let blob = workspace.ociLayout + "/blobs/sha256/" + layer.dropFirst(7)
            try workspace.shell(
                "chmod u+w '\(blob)' && printf 'Z' | dd of='\(blob)' bs=1 seek=600 conv=notrunc 2>/dev/null")
            let corrupt = try workspace.run(["create-singularity", "force=yes"])
            #expect(
                corrupt.status == 65 && corrupt.stderr.contains("the blob \(layer)")
                    && corrupt.stderr.contains("does not match its digest"), "\(corrupt.stderr)")
            #expect(try workspace.bytes(sif) == before)
            #expect(try workspace.conversionLeftovers().isEmpty)
            #expect(try workspace.run(["verify"]).status == 0)

            // A base directory apptainer's definitions cannot name.
            let spaced = workspace.root + "/with space"
            try FileManager.default.createDirectory(atPath: spaced, withIntermediateDirectories: true)
            let space = try workspace.run(["--base-dir", spaced, "create-singularity"])
            #expect(space.status == 64 && space.stderr.contains("white space"), "\(space.stderr)")
        }
    }
}
