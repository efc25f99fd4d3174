import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `download-image` against nginx on 127.0.0.1: resumable, verified, recorded.
@Suite(.serialized) struct DownloadTests {
    /// A server directory holding three builds of casa-run-5.4 (and junk), as publication leaves it.
    final class Mirror {
        let workspace: Workspace
        let server: WebDAVServer
        let directory: String

        init(imageBytes: Int = 1 << 20) throws {
            workspace = try Workspace(baseBytes: 16)
            directory = workspace.root + "/www/download"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            server = try WebDAVServer(directory: workspace.root + "/nginx", root: workspace.root + "/www")
            for number in [1, 2, 3] {
                try put("casa-run-5.4-\(number).sif", bytes: number == 3 ? imageBytes : 1000 + number)
            }
            try put("casa-run-5.3-7.sif", bytes: 100)
            try Data("junk".utf8).write(to: URL(fileURLWithPath: directory + "/casa-run-5.4-foo.sif"))
        }

        var url: String { server.url("download") }

        /// An image of random bytes and its sidecar, as casa-distro publishes them.
        func put(_ name: String, bytes: Int, md5Override: String? = nil) throws {
            let path = directory + "/" + name
            let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
            try random.readData(ofLength: bytes).write(to: URL(fileURLWithPath: path))
            try random.close()
            let computed = try workspace.shell("md5sum \(path) | cut -d' ' -f1")
            let md5 = md5Override ?? computed
            let sidecar =
                "{\"name\": \"casa-run-5.4\", \"type\": \"run\", \"size\": \(bytes), \"md5\": \"\(md5)\", \"image_id\": \"id-\(name)\"}"
            try sidecar.write(toFile: path + ".json", atomically: true, encoding: .utf8)
        }

        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Execution {
            try workspace.run(
                ["download-image", "url=\(url)"] + arguments,
                environment: ["CASA_RELEASE_RETRY_DELAY": "0.05"].merging(environment) { $1 })
        }
    }

    @Test func takesTheHighestBuildOfTheVersionAndRecordsIt() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror()
            let downloaded = try mirror.run(["type=run", "image_version=5.4"])
            #expect(downloaded.status == 0, "\(downloaded.stderr)")
            let output = mirror.workspace.base + "/casa-run-5.4-3.sif"
            #expect(
                try mirror.workspace.bytes(output)
                    == Data(contentsOf: URL(fileURLWithPath: mirror.directory + "/casa-run-5.4-3.sif")))
            #expect(
                try mirror.workspace.bytes(output + ".json")
                    == Data(contentsOf: URL(fileURLWithPath: mirror.directory + "/casa-run-5.4-3.sif.json")))
            #expect(!FileManager.default.fileExists(atPath: output + ".part"))
            let state = try mirror.workspace.latestRun()
            #expect(state.locatedDownload?.imageURL == mirror.url + "casa-run-5.4-3.sif")
            #expect(state.locatedDownload?.imageID == "id-casa-run-5.4-3.sif")
            #expect(state.verifiedDownload?.sha256.count == 64)
            #expect(state.isCompleted)
            // Its chain: downloaded, from that URL (made before this ledger: the chain stops there).
            let provenance = try mirror.workspace.run(["provenance", output, "--json"])
            #expect(provenance.status == 0, "\(provenance.stderr)")
            let graph = try JSONDecoder().decode(ProvenanceGraph.self, from: Data(provenance.stdout.utf8))
            #expect(
                graph.node(graph.subject)?.origin == .downloaded
                    && graph.node(graph.subject)?.imageID == "id-casa-run-5.4-3.sif")
            let source = graph.inputs(of: graph.subject).first { $0.role == "download" }.flatMap { graph.node($0.to) }
            #expect(
                source?.kind == .download && source?.url == mirror.url + "casa-run-5.4-3.sif"
                    && source?.md5 == state.locatedDownload?.md5)
            let byImageID = try mirror.workspace.run(["provenance", "id-casa-run-5.4-3.sif", "--json"])
            #expect(byImageID.stdout == provenance.stdout, "an image_id that is not a UUID: \(byImageID.stderr)")

            // Without a version, the highest version wins; a file name is taken as given.
            let named = try mirror.run(["filename=casa-run-5.3-7.sif"])
            #expect(named.status == 0, "\(named.stderr)")
            #expect(FileManager.default.fileExists(atPath: mirror.workspace.base + "/casa-run-5.3-7.sif"))
            let again = try mirror.run(["type=run"])
            #expect(again.status == 0, "casa-run-5.4-3.sif is there already, the same file: \(again.stderr)")
            #expect(again.stdout.contains("is up to date"))
            #expect(try mirror.run(["type=run", "force=yes"]).status == 0)
        }
    }

    /// Names in the listing that only look like `casa-<type>-<version>-<N>.<ext>` (an empty or
    /// dashed version, a padded N, a newline) are never chosen, however high their N.
    @Test func namesThatDoNotParseCleanlyAreNeverChosen() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror()
            for name in [
                "casa-run-5.4--9.sif", "casa-run--9.sif", "casa-run-5.4-09.sif", "casa-run-5.4-9\n.sif",
                "casa-run-5.4-\n9.sif", "casa-run-5.4-٩.sif",
            ] {
                try mirror.put(name, bytes: 10)
            }
            let downloaded = try mirror.run([])
            #expect(downloaded.status == 0, "\(downloaded.stderr)")
            #expect(try mirror.workspace.latestRun().locatedDownload?.imageURL == mirror.url + "casa-run-5.4-3.sif")
        }
    }

    /// The file is already there with the server's md5: up to date, exit 0, nothing fetched (as
    /// casa-distro says); another file under that name is left alone (73). Also from a file://
    /// directory, which libcurl does not list.
    @Test func aFileAlreadyThereIsUpToDate() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror()
            let output = mirror.workspace.base + "/casa-run-5.4-3.sif"
            #expect(try mirror.run(["type=run", "image_version=5.4"]).status == 0)
            let requestsBefore = try mirror.server.accessLog().filter {
                $0.contains("GET /download/casa-run-5.4-3.sif ")
            }
            .count
            let again = try mirror.run(["type=run", "image_version=5.4"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("\(output) is up to date"), "\(again.stdout)")
            #expect(
                try mirror.server.accessLog().filter { $0.contains("GET /download/casa-run-5.4-3.sif ") }.count
                    == requestsBefore, "not fetched again")
            #expect(try mirror.workspace.latestRun().verifiedDownload?.upToDate == true)
            let explicit = try mirror.run(["filename=casa-run-5.4-3.sif", "output=\(output)"])
            #expect(explicit.status == 0, "\(explicit.stderr)")

            let bytes = try mirror.workspace.bytes(output)
            var changed = bytes
            changed[0] ^= 0xff
            try changed.write(to: URL(fileURLWithPath: output))
            let other = try mirror.run(["type=run", "image_version=5.4"])
            #expect(other.status == 73, "\(other.stderr)")
            #expect(other.stderr.contains("already exists and is not the server's file"))
            #expect(try mirror.workspace.bytes(output) == changed, "left alone")

            let local = try mirror.workspace.run([
                "download-image", "url=\(mirror.directory)", "type=run", "output=\(mirror.workspace.root)/local.sif",
            ])
            #expect(local.status == 0, "\(local.stderr)")
            #expect(try mirror.workspace.bytes(mirror.workspace.root + "/local.sif") == bytes)
        }
    }

    /// An image this ledger made and published, downloaded elsewhere: the download's chain goes on
    /// to the image it was published from.
    @Test func aDownloadOfAnImageMadeHereLeadsToItsRun() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror()
            let workspace = mirror.workspace
            #expect(try workspace.run(workspace.createArguments).status == 0)
            #expect(
                try workspace.run(["publish-base-image", "type=system", "target=file://\(mirror.directory)/"]).status
                    == 0)
            let output = workspace.root + "/elsewhere/casa-system.sif"
            try FileManager.default.createDirectory(
                atPath: workspace.root + "/elsewhere", withIntermediateDirectories: true)
            let downloaded = try mirror.run(["filename=casa-system-ubuntu-24.04-1.sif", "output=\(output)"])
            #expect(downloaded.status == 0, "\(downloaded.stderr)")
            let provenance = try workspace.run(["provenance", output, "--json"])
            #expect(provenance.status == 0, "\(provenance.stderr)")
            let graph = try JSONDecoder().decode(ProvenanceGraph.self, from: Data(provenance.stdout.utf8))
            #expect(graph.node(graph.subject)?.origin == .downloaded)
            let source = graph.inputs(of: graph.subject).first { $0.role == "download" }.flatMap { graph.node($0.to) }
            #expect(
                source?.path == workspace.output && source?.run?.pipeline == .systemBaseImage,
                "the image it was published from")
        }
    }

    /// Killed in the middle, then resumed: the second process asks for the rest (206) and the
    /// file is whole and verified.
    @Test func anInterruptedDownloadResumes() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror(imageBytes: 16 << 20)
            let pause = try TransferPause(in: mirror.workspace, afterBytes: 6 << 20)
            let process = try mirror.workspace.start(
                ["download-image", "url=\(mirror.url)", "filename=casa-run-5.4-3.sif"], environment: pause.environment)
            try pause.waitUntilPaused(process)
            kill(process.processIdentifier, SIGKILL)
            let killed = process.finish()
            #expect(killed.killed)
            let partial = mirror.workspace.base + "/casa-run-5.4-3.sif.part"
            let kept = try #require(FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int)
            #expect(kept >= 6 << 20 && kept < 16 << 20)

            let resumed = try mirror.workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(
                try mirror.workspace.bytes(mirror.workspace.base + "/casa-run-5.4-3.sif")
                    == Data(contentsOf: URL(fileURLWithPath: mirror.directory + "/casa-run-5.4-3.sif")))
            guard case .download(.fetchedImage(let fetched))? = try mirror.workspace.latestRun().step(.fetch)?.outcome
            else {
                Issue.record("no fetch outcome")
                return
            }
            #expect(fetched.resumedFrom == Int64(kept))
            #expect(!fetched.restarted)
            #expect(
                try mirror.server.accessLog().contains {
                    $0.contains("GET /download/casa-run-5.4-3.sif ") && $0.contains("\" 206 ")
                })
        }
    }

    /// The same command again after a kill takes the killed run over (the same output, the partial
    /// file kept) instead of starting a second run beside a dead one; while the first process
    /// still lives, the second is refused and records nothing.
    @Test func theSameCommandAgainTakesTheKilledRunOver() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror(imageBytes: 8 << 20)
            let command = ["download-image", "url=\(mirror.url)", "type=run", "image_version=5.4"]
            let pause = try TransferPause(in: mirror.workspace, afterBytes: 2 << 20)
            let process = try mirror.workspace.start(command, environment: pause.environment)
            try pause.waitUntilPaused(process)
            let runID = try #require(try mirror.workspace.ledger().runs().first?.runID)

            let meanwhile = try mirror.workspace.run(command)
            #expect(meanwhile.status == 75, "the first process still holds its run: \(meanwhile.stderr)")
            #expect(try mirror.workspace.ledger().runs().count == 1, "nothing recorded beside it")

            kill(process.processIdentifier, SIGKILL)
            #expect(process.finish().killed)
            let partial = mirror.workspace.base + "/casa-run-5.4-3.sif.part"
            let kept = try #require(FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int)

            let again = try mirror.workspace.run(command)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(
                again.stderr.contains(
                    "taking over run \(runID), which downloads the same (casa-run-5.4-3.sif) and was interrupted"),
                "\(again.stderr)")
            let runs = try mirror.workspace.ledger().runs()
            #expect(runs.count == 1 && runs.first?.status == "completed", "one run, finished: \(runs)")
            guard case .download(.fetchedImage(let fetched))? = try mirror.workspace.latestRun().step(.fetch)?.outcome
            else {
                Issue.record("no fetch outcome")
                return
            }
            #expect(fetched.resumedFrom == Int64(kept), "went on from the partial file")
            #expect(
                try mirror.workspace.bytes(mirror.workspace.base + "/casa-run-5.4-3.sif")
                    == Data(contentsOf: URL(fileURLWithPath: mirror.directory + "/casa-run-5.4-3.sif")))

            // Other parameters are another download: a run of its own.
            let other = try mirror.workspace.run(["download-image", "url=\(mirror.url)", "filename=casa-run-5.4-1.sif"])
            #expect(other.status == 0 && !other.stderr.contains("taking over"), "\(other.stderr)")
            #expect(try mirror.workspace.ledger().runs().count == 2)
        }
    }

    /// The server's file changed between the two attempts: If-Range makes it send the whole new
    /// file (200), and the partial file is started over rather than spliced.
    @Test func aChangedFileOnTheServerStartsOver() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror(imageBytes: 4 << 20)
            let partial = mirror.workspace.base + "/casa-run-5.4-3.sif.part"
            let pause = try TransferPause(in: mirror.workspace, afterBytes: 1 << 20)
            let process = try mirror.workspace.start(
                ["download-image", "url=\(mirror.url)", "filename=casa-run-5.4-3.sif"], environment: pause.environment)
            try pause.waitUntilPaused(process)
            kill(process.processIdentifier, SIGKILL)
            _ = process.finish()
            #expect(FileManager.default.fileExists(atPath: partial))
            // Republished under the same name with other bytes of the same size: only the validator tells.
            try mirror.put("casa-run-5.4-3.sif", bytes: 4 << 20)
            // A republication happens later: nginx's validators (ETag, Last-Modified) have a resolution of one second.
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(60)],
                ofItemAtPath: mirror.directory + "/casa-run-5.4-3.sif")
            let run = try mirror.workspace.latestRun()
            let resumed = try mirror.workspace.run(["resume", try #require(run.runID)])
            // The sidecar recorded at the start no longer matches the new bytes: refused, .part deleted.
            #expect(resumed.status == 65, "\(resumed.stderr)")
            guard case .download(.fetchedImage(let fetched))? = try mirror.workspace.latestRun().step(.fetch)?.outcome
            else {
                Issue.record("no fetch outcome")
                return
            }
            #expect(fetched.restarted, "the server sent the whole changed file")
            #expect(!FileManager.default.fileExists(atPath: partial))
            #expect(!FileManager.default.fileExists(atPath: mirror.workspace.base + "/casa-run-5.4-3.sif"))
            // A new download takes the new sidecar and succeeds.
            #expect(try mirror.run(["filename=casa-run-5.4-3.sif"]).status == 0)
        }
    }

    @Test func anMD5MismatchDeletesThePartialFile() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror()
            try mirror.put("casa-run-5.4-4.sif", bytes: 5000, md5Override: String(repeating: "0", count: 32))
            let refused = try mirror.run(["type=run", "image_version=5.4"])
            #expect(refused.status == 65, "\(refused.stderr)")
            #expect(refused.stderr.contains("md5"))
            #expect(refused.stderr.contains("was deleted"))
            let output = mirror.workspace.base + "/casa-run-5.4-4.sif"
            #expect(!FileManager.default.fileExists(atPath: output))
            #expect(!FileManager.default.fileExists(atPath: output + ".part"))
            #expect(!FileManager.default.fileExists(atPath: output + ".json"))
            #expect(try mirror.workspace.run(["verify"]).status == 0)
        }
    }

    @Test func badDownloadsAreOneLine() async throws {
        try await onItsOwnThread(.early) {
            let mirror = try Mirror()
            let cases: [([String], Int32, String)] = [
                (["filename=casa-run-9.9-1.sif"], 65, "does not exist"),
                (["type=run", "image_version=9.9"], 65, "lists no casa-run-9.9-N.sif"),
                (["type=bogus"], 64, "type must be"),
                (["container_type=docker", "type=run"], 64, "container_type"),
                (["force=maybe", "type=run"], 64, "force"),
                (["retries=-1", "type=run"], 64, "retries must be 0 or more"),
                (["filename=../x.sif"], 64, "filename must be a file name"),
            ]
            for (arguments, status, message) in cases {
                let result = try mirror.run(arguments)
                #expect(result.status == status, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
                #expect(
                    result.stderr.split(separator: "\n").filter {
                        $0.hasPrefix("casa-release:") && !$0.contains("(download-image)")
                    }.count == 1,
                    "\(arguments): \(result.stderr)")
            }
            let runs = try mirror.workspace.runIDs().count
            let badScheme = try mirror.workspace.run(["download-image", "url=ftp://127.0.0.1/download", "type=run"])
            #expect(badScheme.status == 64, "\(badScheme.stderr)")
            #expect(
                badScheme.stderr.contains(
                    "url= takes http://, https://, sftp://, file:// or a directory path; ftp: URLs are not supported"))
            #expect(try mirror.workspace.runIDs().count == runs, "refused before any run is recorded")
        }
    }
}
