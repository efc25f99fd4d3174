import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `publish-singularity`: every `.sif` create-singularity made goes through the publication
/// protocol as `<name>-<N>.sif`, one run each; a failure stops the rest, and each run is resumed
/// or rolled back on its own.
@Suite struct PublishSingularityTests {
    /// casa-run and casa-dev built, converted, in a workspace.
    private func converted() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.defineRunAndDev()
        #expect(try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"]).status == 0)
        #expect(try workspace.run(["create-singularity"]).status == 0)
        return workspace
    }

    /// With a release key, each `.sif` gets its signed provenance beside it, which names the
    /// docker image it was converted from.
    @Test func eachSifIsPublishedWithItsSignedProvenance() async throws {
        try await onItsOwnThread {
            let workspace = try converted()
            let key = workspace.root + "/release.key"
            #expect(try workspace.run(["keys", "generate", key]).status == 0)
            let published = try workspace.run(
                ["publish-singularity", "target=file://\(workspace.mirror)/", "image_names=casa-run:*"],
                environment: ["CASA_RELEASE_SIGNING_KEY": key])
            #expect(published.status == 0, "\(published.stderr)")
            let image = workspace.mirror + "/cati_casa-run_5.4-1.sif"
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "cati_casa-run_5.4-1.sif", "cati_casa-run_5.4-1.sif.intoto.jsonl", "cati_casa-run_5.4-1.sif.json",
                    "tuf",
                ])
            let verified = try workspace.run(["provenance", image, "--verify", "key=\(key).pub", "--json"])
            #expect(verified.status == 0, "\(verified.stderr)")
            let (statement, output) = try workspace.verifiedStatement(image, publicKey: key + ".pub")
            #expect(statement != nil, "securesystemslib: \(output)")
            #expect(
                statement?.contains("singularity-images") == true, "built by create-singularity: \(statement ?? "")")
        }
    }

    @Test func eachSifIsPublishedAsNumberOneThenUpToDate() async throws {
        try await onItsOwnThread {
            let workspace = try converted()
            let published = try workspace.run(["publish-singularity", "target=file://\(workspace.mirror)/"])
            #expect(published.status == 0, "\(published.stderr)")
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "cati_casa-dev_5.4-1.sif", "cati_casa-dev_5.4-1.sif.json",
                    "cati_casa-run_5.4-1.sif", "cati_casa-run_5.4-1.sif.json",
                ])
            for reference in ["casa-dev:5.4", "casa-run:5.4"] {
                let sif = workspace.sif(reference)
                let name = FilePath.lastComponent(sif).dropLast(4)
                let remote = try workspace.sidecar(workspace.mirror + "/\(name)-1.sif.json")
                let local = try workspace.sidecar(sif + ".json")
                #expect(remote.buildNumber == 1 && remote.imageID == local.imageID)
                let bytes = try workspace.bytes(sif)
                #expect(try workspace.bytes(workspace.mirror + "/\(name)-1.sif") == bytes)
                #expect(
                    published.stdout.contains("published \(name)-1.sif to file://\(workspace.mirror)/"),
                    "\(published.stdout)")
            }
            #expect(
                try workspace.ledger().runs(limit: 10).filter { $0.pipeline == PipelineKind.publication.rawValue }.count
                    == 2, "one publication run per image")

            let again = try workspace.run([
                "publish-singularity", "image_names=casa-run:*", "target=file://\(workspace.mirror)/", "--json",
            ])
            #expect(again.status == 0, "\(again.stderr)")
            let summaries = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [[String: String]]
            #expect(summaries?.count == 1 && summaries?.first?["publication"] == "up-to-date", "\(again.stdout)")

            // provenance by the published name: the publication, then the docker image by digest.
            let provenance = try workspace.run(["provenance", "cati_casa-dev_5.4-1.sif"])
            #expect(
                provenance.status == 0 && provenance.stdout.contains("docker-image: casa-dev:5.4"),
                "\(provenance.stdout)\(provenance.stderr)")
            #expect(provenance.stdout.contains(String(try workspace.skopeoDigest("cati/casa-dev:5.4").dropFirst(7))))
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// The usual targets: a WebDAV server (nginx) takes them with the same protocol.
    @Test func theSifFilesGoToAWebDAVServerToo() async throws {
        try await onItsOwnThread {
            let workspace = try converted()
            let www = workspace.root + "/www"
            try FileManager.default.createDirectory(atPath: www + "/download", withIntermediateDirectories: true)
            let server = try WebDAVServer(directory: workspace.root + "/nginx", root: www)
            defer { server.stop() }
            let target = server.url("download")
            let published = try workspace.run(["publish-singularity", "target=" + target])
            #expect(published.status == 0, "\(published.stderr)")
            #expect(
                try workspace.files(in: www + "/download") == [
                    "cati_casa-dev_5.4-1.sif", "cati_casa-dev_5.4-1.sif.json",
                    "cati_casa-run_5.4-1.sif", "cati_casa-run_5.4-1.sif.json",
                ])
            for reference in ["casa-dev:5.4", "casa-run:5.4"] {
                let sif = workspace.sif(reference)
                let name = FilePath.lastComponent(sif).dropLast(4)
                let local = try workspace.bytes(sif)
                #expect(try workspace.bytes(www + "/download/\(name)-1.sif") == local)
            }
            let again = try workspace.run(["publish-singularity", "target=" + target])
            #expect(
                again.status == 0 && again.stdout.contains("cati_casa-run_5.4-1.sif is up to date"),
                "\(again.stdout)\(again.stderr)")
        }
    }

    /// The first publication fails: the command stops with its status, names what it did not
    /// start, and leaves nothing visible; resume finishes that run, and the command again
    /// publishes the rest.
    @Test func aFailureStopsTheRestAndEachRunResumesOnItsOwn() async throws {
        try await onItsOwnThread {
            let workspace = try converted()
            let failed = try workspace.run(
                ["publish-singularity", "target=file://\(workspace.mirror)/"],
                environment: ["CASA_RELEASE_FAILPOINT": "upload-image:fail"])
            #expect(failed.status == 1, "\(failed.stderr)")
            #expect(
                failed.stderr.contains("not started: cati_casa-run_5.4.sif")
                    && failed.stderr.contains("casa-release resume"), "\(failed.stderr)")
            #expect(try workspace.files(in: workspace.mirror).isEmpty, "rolled back: nothing visible, no claim left")
            let run = try #require(try workspace.ledger().runs(limit: 1).first)
            #expect(run.pipeline == PipelineKind.publication.rawValue)
            let resumed = try workspace.run(["resume", run.runID])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "cati_casa-dev_5.4-1.sif", "cati_casa-dev_5.4-1.sif.json",
                ])

            let rest = try workspace.run(["publish-singularity", "target=file://\(workspace.mirror)/"])
            #expect(rest.status == 0, "\(rest.stderr)")
            #expect(
                rest.stdout.contains("cati_casa-dev_5.4-1.sif is up to date")
                    && rest.stdout.contains("published cati_casa-run_5.4-1.sif"), "\(rest.stdout)")

            // Rolled back by its published name (the highest N is then the one before), then published again.
            #expect(try workspace.run(["rollback", "cati_casa-run_5.4-1.sif", "--yes"]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: workspace.mirror + "/cati_casa-run_5.4-1.sif"))
            let republished = try workspace.run([
                "publish-singularity", "image_names=casa-run:*", "target=file://\(workspace.mirror)/",
            ])
            #expect(
                republished.status == 0 && republished.stdout.contains("published cati_casa-run_5.4-1.sif"),
                "\(republished.stdout)\(republished.stderr)")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func aStaleOrMissingSifIsRefusedBeforeAnythingStarts() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let none = try workspace.run(["publish-singularity", "target=file://\(workspace.mirror)/"])
            #expect(none.status == 65 && none.stderr.contains("no .sif made by create-singularity"), "\(none.stderr)")

            #expect(try workspace.run(["create-docker", "casa_version=5.4"]).status == 0)
            #expect(try workspace.run(["create-singularity"]).status == 0)
            let sif = workspace.sif("casa-test:5.4-scratch")
            try workspace.shell("printf x >> '\(sif)'")
            let runs = try workspace.runIDs().count
            let stale = try workspace.run(["publish-singularity", "target=file://\(workspace.mirror)/"])
            #expect(
                stale.status == 65 && stale.stderr.contains("\(sif) is not the .sif create-singularity made"),
                "\(stale.stderr)")
            #expect(try workspace.runIDs().count == runs)
            #expect(try workspace.files(in: workspace.mirror).isEmpty)
            #expect(try workspace.run(["publish-singularity", "target=ftp://example.org/"]).status == 64)
        }
    }
}
