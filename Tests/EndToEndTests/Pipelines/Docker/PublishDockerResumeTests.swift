import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// publish-docker interrupted: killed between chunks, cut in the middle of one, the registry
/// restarted under it, another pusher moving a tag, SIGKILL before and after every step; then
/// rollback of what was published.
@Suite struct PublishDockerResumeTests {
    static let chunk = 1 << 20

    /// casa-big:1 (a 4 MiB layer on the busybox base), built.
    static func bigWorkspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.makeBusyboxBase()
        try workspace.defineBig(bytes: 4 << 20)
        let built = try workspace.run(["create-docker", "image_names=casa-big:*"])
        guard built.status == 0 else { throw TestServerError.failed("create-docker: \(built.stderr)") }
        return workspace
    }

    static func pushed(_ state: RunState, _ step: String) -> PushedDockerImage? {
        guard case .dockerPublication(.pushed(let image))? = state.outcome(of: StepName(step)) else { return nil }
        return image
    }

    /// Sizes of the layout's blobs, by digest.
    static func blobSize(_ workspace: Workspace, _ digest: String) -> Int64 {
        LocalFilesSize.of(workspace.ociLayout + "/blobs/sha256/" + digest.dropFirst(7))
    }

    @Test func aPushKilledBetweenChunksGoesOnFromTheBytesTheRegistryHas() async throws {
        try await onItsOwnThread {
            let workspace = try Self.bigWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            let environment = ["CASA_RELEASE_DOCKER_CHUNK_BYTES": String(Self.chunk)]
            let killed = try workspace.run(
                ["publish-docker", "registry=\(registry.url)"],
                environment: environment.merging(["CASA_RELEASE_FAILPOINT": "chunk-5:after"]) { $1 })
            #expect(killed.killed && killed.status == SIGKILL, "\(killed.stderr)")
            let resumed = try workspace.run(
                ["resume", try #require(try workspace.lastRun().runID)], environment: environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let image = try #require(Self.pushed(try workspace.lastRun(), "push-casa-big:1"))
            #expect(image.bytesResumed > 0 && image.bytesResumed % Int64(Self.chunk) == 0, "\(image)")
            #expect(
                image.uploadsRestarted == 0 && !image.blobsPresent.isEmpty,
                "blobs sent before the kill are not sent again: \(image)")
            let uploaded = image.blobsUploaded.map { Self.blobSize(workspace, $0) }.reduce(0, +)
            #expect(
                image.bytesSent + image.bytesResumed == uploaded, "every byte of the resumed blob sent once: \(image)")
            try #expect(
                workspace.registryDigest(registry, "cati/casa-big:1") == workspace.skopeoDigest("cati/casa-big:1"))
        }
    }

    /// A PATCH cut in the middle: the registry either kept the session as it was before the cut
    /// chunk (the upload goes on from there) or dropped it (BLOB_UPLOAD_INVALID: that blob starts
    /// again); the blobs finished before are not sent again.
    @Test func aPushKilledInTheMiddleOfAChunkGoesOnOrStartsThatBlobAgain() async throws {
        try await onItsOwnThread {
            let workspace = try Self.bigWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            let (process, _) = try Self.startPausedPush(workspace, registry)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let resumed = try workspace.run(
                ["resume", try #require(try workspace.lastRun().runID)],
                environment: ["CASA_RELEASE_DOCKER_CHUNK_BYTES": String(Self.chunk)])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let image = try #require(Self.pushed(try workspace.lastRun(), "push-casa-big:1"))
            // The registry may have kept none of the cut chunk (the session goes on from where it
            // was) or some of it (it drops the session): either way every byte is sent once more at most.
            #expect(image.uploadsRestarted + (image.bytesResumed == 0 ? 0 : 1) <= 1, "\(image)")
            let uploaded = image.blobsUploaded.map { Self.blobSize(workspace, $0) }.reduce(0, +)
            #expect(image.bytesSent + image.bytesResumed == uploaded, "\(image)")
            let config = try workspace.shell(
                "skopeo inspect --raw 'oci:\(workspace.ociLayout):cati/casa-big:1' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"config\"][\"digest\"])'"
            )
            #expect(image.blobsPresent.contains(config), "the config, sent before the cut, is not sent again: \(image)")
            try #expect(
                workspace.registryDigest(registry, "cati/casa-big:1") == workspace.skopeoDigest("cati/casa-big:1"))
        }
    }

    /// The registry killed and started again with another http.secret while a chunk is on its
    /// way: the upload location no longer verifies, the blob starts again, in the same process.
    @Test func aRegistryRestartedInTheMiddleOfAnUploadMakesThatBlobStartAgain() async throws {
        try await onItsOwnThread {
            let workspace = try Self.bigWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            let (process, fifo) = try Self.startPausedPush(
                workspace, registry, environment: ["CASA_RELEASE_RETRY_DELAY": "0.05"])
            try registry.restart(newSecret: true)
            try "go".write(toFile: fifo, atomically: false, encoding: .utf8)
            process.waitUntilExit()
            let stderr = String(
                decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(stderr)")
            let image = try #require(Self.pushed(try workspace.lastRun(), "push-casa-big:1"))
            #expect(image.uploadsRestarted == 1, "\(image)")
            try #expect(
                workspace.registryDigest(registry, "cati/casa-big:1") == workspace.skopeoDigest("cati/casa-big:1"))
        }
    }

    /// The registry killed while a chunk is on its way, and still down: the chunk is retried,
    /// then the command stops with 75 (a temporary failure, one line), and the run resumes once
    /// the registry is back.
    @Test func aRegistryKilledInTheMiddleOfABlobIsRetriedThen75AndTheRunResumes() async throws {
        try await onItsOwnThread {
            let workspace = try Self.bigWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            let (process, fifo) = try Self.startPausedPush(
                workspace, registry,
                environment: ["CASA_RELEASE_RETRY_DELAY": "0.05", "CASA_RELEASE_TRANSFER_ATTEMPTS": "3"])
            registry.stop()
            try "go".write(toFile: fifo, atomically: false, encoding: .utf8)
            process.waitUntilExit()
            let stderr = String(
                decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 75, "\(stderr)")
            #expect(stderr.contains("failed 3 times"), "retried: \(stderr)")
            try registry.restart(newSecret: false)
            try Self.resumeAndCheckPushed(workspace, registry)
        }
    }

    /// A registry whose storage fills up in the middle of a blob answers 500: the registry does
    /// not say why, so it is retried like any 5xx and the command stops with 75, nothing
    /// recorded as published; with room again, the run resumes and publishes.
    @Test func aRegistryAnswering500IsRetriedThen75AndTheRunResumes() async throws {
        try await onItsOwnThread {
            let workspace = try Self.bigWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            registry.stop()
            try FileManager.default.createDirectory(atPath: registry.storage, withIntermediateDirectories: true)
            try Shell.run("/bin/mount", "-t", "tmpfs", "-o", "size=\(1 << 20)", "tmpfs", registry.storage)
            defer { registry.stop(); _ = try? Shell.run("/bin/umount", "-l", registry.storage) }
            try registry.restart(newSecret: false)
            let full = try workspace.run(
                ["publish-docker", "registry=\(registry.url)"],
                environment: [
                    "CASA_RELEASE_RETRY_DELAY": "0.05", "CASA_RELEASE_TRANSFER_ATTEMPTS": "2",
                    "CASA_RELEASE_DOCKER_CHUNK_BYTES": String(Self.chunk),
                ])
            #expect(full.status == 75, "\(full.stderr)")
            #expect(full.stderr.contains("500"), "\(full.stderr)")
            #expect(full.stderr.contains("failed 2 times"), "retried: \(full.stderr)")
            #expect(try workspace.registryTags(registry, "cati/casa-big") == [], "nothing tagged")

            try Shell.run("/bin/mount", "-o", "remount,size=\(64 << 20)", registry.storage)
            try Self.resumeAndCheckPushed(workspace, registry)
        }
    }

    /// Another pusher moves a tag after check-registry recorded it: the tag step sees it, says
    /// so, and does not overwrite it; rollback takes back the numbered tags this run made.
    @Test func aTagMovedByAnotherPusherIsNotOverwritten() async throws {
        try await onItsOwnThread {
            let workspace = try PublishDockerTests.builtWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            // Stopped once check-registry is recorded (a check that is not recorded is made again).
            let killed = try workspace.run(
                ["publish-docker", "registry=\(registry.url)", "image_names=casa-dev:*"],
                environment: ["CASA_RELEASE_FAILPOINT": "push-casa-dev:5.4:before"])
            #expect(killed.killed, "\(killed.stderr)")
            _ = try workspace.shell(
                "skopeo copy --quiet --dest-tls-verify=false 'oci:\(workspace.ociLayout):cati/casa-run:5.4' 'docker://\(registry.host)/cati/casa-dev:latest'"
            )
            let other = try workspace.skopeoDigest("cati/casa-run:5.4")
            let runID = try #require(try workspace.lastRun().runID)
            let resumed = try workspace.run(["resume", runID])
            #expect(resumed.status == 1, "\(resumed.stderr)")
            #expect(
                resumed.stderr.contains(
                    "tag race lost: \(registry.host)/cati/casa-dev:latest points to \(other) now, not to nothing"),
                "\(resumed.stderr)")
            #expect(
                try workspace.registryDigest(registry, "cati/casa-dev:latest") == other, "the other push's tag stays")
            #expect(try workspace.registryTags(registry, "cati/casa-dev") == ["5.4-1", "latest", "latest-1"])

            let rollback = try workspace.run(["rollback", runID, "--yes"])
            #expect(rollback.status == 0, "\(rollback.stderr)")
            #expect(
                try workspace.registryTags(registry, "cati/casa-dev") == ["latest"],
                "the numbered tags left with their manifest")
            #expect(try workspace.registryDigest(registry, "cati/casa-dev:latest") == other)
            #expect(
                try workspace.lastRun().dockerRetraction?.removed.sorted() == [
                    "cati/casa-dev:5.4-1", "cati/casa-dev:latest-1",
                ])
        }
    }

    /// A second publication of a changed image, rolled back: its moving tags point to the first
    /// image again, its numbered tags are gone, and the first publication's stay.
    @Test func rollbackPutsTheTagsBackWhereTheyWere() async throws {
        try await onItsOwnThread {
            let workspace = try PublishDockerTests.builtWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            #expect(
                try workspace.run(["publish-docker", "registry=\(registry.url)", "image_names=casa-dev:*"]).status == 0)
            let first = try workspace.skopeoDigest("cati/casa-dev:5.4")
            try workspace.write(
                workspace.base + "/share/docker/casa-dev/busybox/Dockerfile.template",
                "FROM cati/casa-run:%(casa_version)s\nRUN echo dev2 > /casa/dev\n")
            #expect(try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"]).status == 0)
            let second = try workspace.skopeoDigest("cati/casa-dev:5.4")
            #expect(second != first)
            #expect(
                try workspace.run(["publish-docker", "registry=\(registry.url)", "image_names=casa-dev:*"]).status == 0)
            #expect(try workspace.registryDigest(registry, "cati/casa-dev:latest") == second)
            let runID = try #require(try workspace.lastRun().runID)

            let rollback = try workspace.run(["rollback", runID, "--yes"])
            #expect(rollback.status == 0, "\(rollback.stderr)")
            #expect(rollback.stdout.contains("cati/casa-dev:latest back to \(first)"), "\(rollback.stdout)")
            for tag in ["latest", "5.4", "latest-1", "5.4-1"] {
                #expect(try workspace.registryDigest(registry, "cati/casa-dev:\(tag)") == first, "\(tag)")
            }
            #expect(try workspace.registryTags(registry, "cati/casa-dev") == ["5.4", "5.4-1", "latest", "latest-1"])
            let again = try workspace.run(["rollback", runID, "--yes"])
            #expect(again.status == 0 && again.stdout.contains("already put back"), "\(again.stdout)\(again.stderr)")
            // A number is never handed out twice: the next publication is -3, not -2 again.
            #expect(
                try workspace.run(["publish-docker", "registry=\(registry.url)", "image_names=casa-dev:*"]).status == 0)
            #expect(try workspace.registryTags(registry, "cati/casa-dev").contains("5.4-3"))
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// SIGKILL just before and just after each step's effect, then resume: the same tags on the
    /// same digest, and one numbered tag, not two.
    @Test(arguments: ["check-registry", "push-casa-run:5.4", "tag"].flatMap { [$0 + ":before", $0 + ":after"] })
    func aKillAtAnyStepResumesToTheSamePublication(_ failpoint: String) async throws {
        try await onItsOwnThread {
            let workspace = try PublishDockerTests.builtWorkspace()
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            let killed = try workspace.run(
                ["publish-docker", "registry=\(registry.url)", "image_names=casa-run:*"],
                environment: ["CASA_RELEASE_FAILPOINT": failpoint])
            #expect(killed.killed, "\(failpoint): \(killed.stderr)")
            let resumed = try workspace.run(["resume", try #require(try workspace.lastRun().runID)])
            #expect(resumed.status == 0, "\(failpoint): \(resumed.stderr)")
            let digest = try workspace.skopeoDigest("cati/casa-run:5.4")
            #expect(try workspace.registryTags(registry, "cati/casa-run") == ["5.4", "5.4-1"], "\(failpoint)")
            for tag in ["5.4", "5.4-1"] {
                #expect(try workspace.registryDigest(registry, "cati/casa-run:\(tag)") == digest)
            }
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// publish-docker in 1 MiB chunks, held in the middle of its first chunk of a blob larger than
    /// half a chunk (the transfer pause hook): returns once it is held, with the FIFO that releases it.
    static func startPausedPush(
        _ workspace: Workspace, _ registry: RegistryServer, environment: [String: String] = [:]
    ) throws -> (Process, String) {
        let fifo = workspace.root + "/pause"
        guard mkfifo(fifo, 0o600) == 0 else { throw TestServerError.failed("mkfifo \(fifo): \(errno)") }
        let process = try workspace.start(
            ["publish-docker", "registry=\(registry.url)"],
            environment: environment.merging([
                "CASA_RELEASE_DOCKER_CHUNK_BYTES": String(chunk), "CASA_RELEASE_TRANSFER_PAUSE": "\(chunk / 2):\(fifo)",
            ]) { $1 })
        try waitForFile(fifo + ".paused")
        return (process, fifo)
    }

    /// Resumes the last run, which must finish, leaving the registry serving the built image.
    static func resumeAndCheckPushed(_ workspace: Workspace, _ registry: RegistryServer) throws {
        let resumed = try workspace.run(
            ["resume", try #require(try workspace.lastRun().runID)],
            environment: ["CASA_RELEASE_DOCKER_CHUNK_BYTES": String(chunk)])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try #expect(workspace.registryDigest(registry, "cati/casa-big:1") == workspace.skopeoDigest("cati/casa-big:1"))
    }

    /// Readiness, not a timing guess: the file a paused transfer creates.
    static func waitForFile(_ path: String) throws {
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: path) {
            guard Date() < deadline else { throw TestServerError.failed("\(path) did not appear in 60 s") }
            usleep(10_000)
        }
    }
}

enum LocalFilesSize {
    static func of(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? -1
    }
}
