import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `casa-release import DIR`: images made by casa-distro, recorded once, with their links, so
/// that chains reach them; and `verify --artifacts` over what the ledger recorded.
@Suite struct ImportTests {
    let runID = "c7d6042e-f4f2-4a56-86ea-258a10c087c3"
    let devID = "fd0e0a96-5b9a-4420-8494-b9bdb0fad95c"
    let userID = "53b70856-6cac-423b-91eb-e0e841091bae"

    /// An image and its casa-distro sidecar (docs/casa-distro.md §2's keys), md5 and size from the bytes.
    func casaDistroImage(
        _ workspace: Workspace, _ path: String, bytes: String, keys: [(String, String)], imageID: String
    ) throws {
        try workspace.write(path, bytes)
        let md5 = try workspace.shell("md5sum '\(path)' | cut -d' ' -f1")
        let members =
            keys.map { "    \"\($0.0)\": \"\($0.1)\"" } + [
                "    \"size\": \(bytes.utf8.count)", "    \"md5\": \"\(md5)\"", "    \"image_id\": \"\(imageID)\"",
            ]
        try workspace.write(path + ".json", "{\n" + members.joined(separator: ",\n") + "\n}")
    }

    /// casa-distro's run and user images, the dev image's sidecar alone, and a stray image.
    func casaDistroDirectory(_ workspace: Workspace) throws -> String {
        let directory = workspace.root + "/casa-distro-images"
        try casaDistroImage(
            workspace, directory + "/casa-run-5.3.sif", bytes: "run image bytes",
            keys: [("name", "casa-run-5.3"), ("type", "run"), ("origin", "ubuntu-22.04.sif")], imageID: runID)
        try casaDistroImage(
            workspace, directory + "/brainvisa-5.3.0.sif", bytes: "user image bytes",
            keys: [("name", "brainvisa-5.3.0"), ("type", "user"), ("origin_dev", devID), ("origin_run", runID)],
            imageID: userID)
        try workspace.write(
            directory + "/casa-dev-5.3.sif.json",
            #"{"name": "casa-dev-5.3", "type": "dev", "origin_run": "\#(runID)", "size": 10, "md5": "0123", "image_id": "\#(devID)"}"#
        )
        try workspace.write(directory + "/stray.sif", "no sidecar")
        try workspace.write(directory + "/notes.json", "{}")
        return directory
    }

    @Test func importedImagesAreRecordedOnceAndChainsReachThem() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let directory = try casaDistroDirectory(workspace)
            let first = try workspace.run(["import", directory])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("recorded 3 images from \(directory)"))
            #expect(first.stderr.contains("skipped \(directory)/stray.sif: no sidecar"))
            let events = try workspace.ledger().eventCount()

            let again = try workspace.run(["import", directory])
            #expect(
                again.status == 0
                    && again.stdout.contains("nothing new to record in \(directory) (3 images already recorded)"),
                "\(again.stdout)")
            #expect(try workspace.ledger().eventCount() == events, "nothing recorded the second time")

            let result = try workspace.run(["provenance", "brainvisa-5.3.0.sif", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let graph = try JSONDecoder().decode(ProvenanceGraph.self, from: Data(result.stdout.utf8))
            let user = try #require(graph.node(graph.subject))
            let userSHA256 = try workspace.shell("sha256sum '\(directory)/brainvisa-5.3.0.sif' | cut -d' ' -f1")
            #expect(
                user.origin == .imported && user.run?.pipeline == .importImages && user.imageID == userID
                    && user.sha256 == userSHA256)
            let edges = Dictionary(uniqueKeysWithValues: graph.inputs(of: user.id).map { ($0.role, $0.to) })
            let run = try #require(edges["origin-run"].flatMap(graph.node))
            #expect(run.path == directory + "/casa-run-5.3.sif" && run.origin == .imported && run.sha256?.count == 64)
            #expect(graph.inputs(of: run.id).compactMap { graph.node($0.to)?.name } == ["ubuntu-22.04.sif"])
            let dev = try #require(edges["origin-dev"].flatMap(graph.node))
            #expect(dev.imageID == devID && dev.sha256 == nil && dev.md5 == "0123", "a sidecar alone: no sha256")
            #expect(graph.inputs(of: dev.id).map(\.to) == [run.id], "the dev image's origin_run is the same run image")

            let slsa = try workspace.run(["provenance", devID, "--format", "slsa"])
            #expect(
                slsa.status == 65 && slsa.stderr.contains("the ledger has no digest of casa-dev-5.3.sif"),
                "\(slsa.stderr)")
            #expect(try workspace.run(["verify", "--artifacts"]).status == 0)
        }
    }

    @Test func wrongFilesAreListedAndTheGoodOnesStillRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let directory = try casaDistroDirectory(workspace)
            try workspace.write(directory + "/casa-dev-5.3.sif.json", "{\"name\": ")
            try workspace.write(directory + "/casa-run-5.3.sif", "changed bytes")
            let result = try workspace.run(["import", directory])
            #expect(result.status == 65)
            #expect(result.stderr.contains("not imported: \(directory)/casa-dev-5.3.sif.json: not a readable sidecar"))
            #expect(result.stderr.contains("not imported: \(directory)/casa-run-5.3.sif: its md5 is"))
            #expect(
                result.stderr.hasSuffix("casa-release: 2 files in \(directory) could not be imported (listed above)\n"),
                "\(result.stderr)")
            #expect(result.stdout.contains("recorded 1 image"))
            #expect(try workspace.run(["provenance", userID]).status == 0)

            // Fixed, imported again: only what was missing is recorded.
            try casaDistroImage(
                workspace, directory + "/casa-run-5.3.sif", bytes: "changed bytes",
                keys: [("name", "casa-run-5.3"), ("type", "run")], imageID: runID)
            try workspace.write(
                directory + "/casa-dev-5.3.sif.json", #"{"name": "casa-dev-5.3", "image_id": "\#(devID)"}"#)
            let fixed = try workspace.run(["import", directory])
            #expect(
                fixed.status == 0 && fixed.stdout.contains("recorded 2 images")
                    && fixed.stdout.contains("1 already recorded"), "\(fixed.stdout) \(fixed.stderr)")
        }
    }

    @Test(arguments: [("missing", "does not exist"), ("file", "is not a directory")])
    func aDirectoryThatIsNotThereRecordsNothing(_ kind: String, _ message: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let path = workspace.root + "/" + kind
            if kind == "file" { try workspace.write(path, "x") }
            let result = try workspace.run(["import", path])
            #expect(result.status == 65 && result.stderr == "casa-release: \(path) \(message)\n", "\(result.stderr)")
            #expect(!workspace.hasLedger, "no ledger made for nothing")
        }
    }

    @Test func verifyArtifactsReportsWhatIsMissingOrChanged() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            let clean = try workspace.run(["verify", "--artifacts"])
            #expect(
                clean.status == 0 && clean.stdout.contains("all present with their recorded digests"), "\(clean.stderr)"
            )

            // The same size, one byte changed: only a digest tells.
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: workspace.runImage))
            try handle.seek(toOffset: 10)
            let byte = try #require(try handle.read(upToCount: 1)).first!
            try handle.seek(toOffset: 10)
            handle.write(Data([byte ^ 0xff]))
            try handle.close()
            try FileManager.default.removeItem(atPath: workspace.devImage + ".json")

            let result = try workspace.run(["verify", "--artifacts"])
            #expect(result.status == 65)
            #expect(result.stdout.contains("changed: \(workspace.runImage) (image of run"))
            #expect(result.stdout.contains("missing: \(workspace.devImage).json (sidecar of run"))
            #expect(
                result.stderr.contains("2 of ") && result.stderr.contains("recorded local files are missing or changed")
            )

            let json = try workspace.run(["verify", "--artifacts", "--json"])
            #expect(json.status == 65)
            struct Report: Decodable { var intact: Bool; var artifacts: [[String: String]] }
            let report = try JSONDecoder().decode(Report.self, from: Data(json.stdout.utf8))
            #expect(!report.intact && report.artifacts.filter { $0["state"] != "intact" }.count == 2)
            #expect(try workspace.run(["verify"]).status == 0, "the hash chain alone is intact")
        }
    }
}
