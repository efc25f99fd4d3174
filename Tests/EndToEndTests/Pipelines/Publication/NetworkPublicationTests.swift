import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// Publication over the network, through libcurl, against real servers on 127.0.0.1: OpenSSH's
/// sshd (sftp://) and nginx's WebDAV (http://), started by each test.
@Suite(.serialized) struct NetworkPublicationTests {
    static let image = "casa-system-ubuntu-24.04-1.sif"

    @Test(arguments: ServerKind.allCases)
    func publishThenUpToDate(_ kind: ServerKind) async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(kind, in: workspace)
            #expect(try workspace.run(workspace.createArguments).status == 0)

            let published = try workspace.publish(to: server)
            #expect(published.status == 0, "\(published.stderr)")
            #expect(published.stdout.contains("published \(Self.image) to \(server.url)"))
            #expect(try server.files() == [Self.image, Self.image + ".json"])
            #expect(try server.bytes(Self.image) == workspace.bytes(workspace.upstream))
            let remote = try ImageSidecar.parse(String(decoding: try server.bytes(Self.image + ".json"), as: UTF8.self))
            #expect(remote.buildNumber == 1)
            #expect(remote.md5 == (try workspace.sidecar(workspace.output + ".json")).md5)
            let attributes = try FileManager.default.attributesOfItem(atPath: server.directory + "/" + Self.image)
            #expect(
                (attributes[.posixPermissions] as? Int).map { $0 & 0o004 != 0 } == true,
                "published files are readable by the web server")

            let before = try server.files().map { try server.bytes($0) }
            let again = try workspace.publish(to: server)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("\(Self.image) is up to date"))
            #expect(try server.files().map { try server.bytes($0) } == before)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test(arguments: ServerKind.allCases)
    func twoPublishersOfDifferentImagesGetDistinctNumbers(_ kind: ServerKind) async throws {
        try await onItsOwnThread(.early) {
            let first = try Workspace()
            let second = try Workspace()
            let server = try PublicationServer(kind, in: first)
            #expect(try first.run(first.createArguments).status == 0)
            #expect(try second.run(second.createArguments).status == 0)
            let one = try first.startPublishing(to: server)
            let two = try second.startPublishing(to: server)
            let (a, b) = (one.finish(), two.finish())
            #expect(a.status == 0, "\(a.stderr)")
            #expect(b.status == 0, "\(b.stderr)")
            #expect(
                try server.files() == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                    "casa-system-ubuntu-24.04-2.sif", "casa-system-ubuntu-24.04-2.sif.json",
                ])
            let numbers = try [first, second].map { try $0.latestRun().publicationStatus?.buildNumber }
            #expect(Set(numbers.compactMap { $0 }) == [1, 2])
            // Each number holds the bytes of the image that claimed it.
            for (workspace, number) in zip([first, second], numbers) {
                guard let number else { continue }
                #expect(
                    try server.bytes("casa-system-ubuntu-24.04-\(number).sif") == workspace.bytes(workspace.upstream))
            }
        }
    }

    /// The server dies in the middle of the image's upload: casa-release retries, gives up with
    /// 75 and keeps its claim; once the server is back, resume finishes with the same N. Over
    /// SFTP the upload goes on from the bytes the server kept.
    @Test(arguments: ServerKind.allCases)
    func serverStoppedDuringTheUploadThenResume(_ kind: ServerKind) async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace(baseBytes: 24 << 20)
            let server = try PublicationServer(kind, in: workspace)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let pause = try TransferPause(in: workspace, afterBytes: 12 << 20)
            let process = try workspace.startPublishing(
                to: server, environment: pause.environment.merging(["CASA_RELEASE_TRANSFER_ATTEMPTS": "3"]) { $1 })
            try pause.waitUntilPaused(process)
            server.server.stop()
            pause.release()
            let cut = process.finish()
            #expect(cut.status == 75, "\(cut.stderr)")
            #expect(cut.stderr.contains("failed 3 times"))
            #expect(cut.stderr.contains("resume"))
            #expect(
                try server.files().filter { !$0.hasPrefix(".") } == [Self.image + ".json"],
                "only the claim, which clients ignore")

            try server.server.start()
            let resumed = try workspace.run(["resume"], environment: server.environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try server.files() == [Self.image, Self.image + ".json"])
            #expect(try server.bytes(Self.image) == workspace.bytes(workspace.upstream))
            let state = try workspace.latestRun()
            #expect(state.publicationStatus?.buildNumber == 1)
            guard case .publication(.transferred(let transfer))? = state.step(.uploadImage)?.outcome else {
                Issue.record("no upload outcome")
                return
            }
            if kind == .sftp {
                #expect((transfer.resumedFrom ?? 0) > 0, "the upload went on from the server's bytes")
            } else {
                #expect(transfer.resumedFrom == nil, "nginx keeps no partial PUT: the upload starts over")
            }
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// A WebDAV server whose disk fills during the upload answers 500, and nginx, copying the body
    /// across file systems, leaves the partial copy under a hidden name of its own making
    /// (`.<temporary>.0000000002`), which its index never shows. Once there is room again, the
    /// resumed run publishes, and nothing of the failed tries is left on the server.
    @Test func aFullDiskOnAWebDAVServerLeavesNothingOnceResumed() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace(baseBytes: 4 << 20)
            let server = try PublicationServer(.webdav, in: workspace, diskSize: 1 << 20)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let full = try workspace.publish(
                to: server, environment: ["CASA_RELEASE_RETRY_DELAY": "0", "CASA_RELEASE_TRANSFER_ATTEMPTS": "2"])
            #expect(full.status == 75, "\(full.stderr)")
            #expect(full.stderr.contains("500"))
            let leftovers = server.allFiles().filter { $0.contains(".part.") }
            #expect(!leftovers.isEmpty, "the server kept partial copies, as the test means it to: \(server.allFiles())")

            try Shell.run("/bin/mount", "-o", "remount,size=\(64 << 20)", server.directory)
            let resumed = try workspace.run(["resume"], environment: server.environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(server.allFiles() == [Self.image, Self.image + ".json"], "nothing but the publication is left")
            #expect(try server.bytes(Self.image) == workspace.bytes(workspace.upstream))
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// A server that takes the claim but refuses the image (413): the publication is rolled back,
    /// nothing of it stays on the server, the exit is clear, and the ledger says what was removed.
    @Test func aServerThatRefusesTheImageIsRolledBack() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(.webdav, in: workspace, maximumBodySize: "64k")
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let refused = try workspace.publish(to: server)
            #expect(refused.status == 73, "\(refused.stderr)")
            #expect(refused.stderr.contains("413"))
            #expect(refused.stderr.contains("publication rolled back: removed casa-system-ubuntu-24.04-1.sif.json"))
            #expect(try server.files().isEmpty)
            let state = try workspace.latestRun()
            #expect(state.rollbacks.last?.removed == [Self.image + ".json"])
            #expect(!state.rollbackDue)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// An SFTP server that refuses renames: the claim cannot be made; nothing stays behind.
    @Test func anSFTPServerThatRefusesRenames() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(.sftp, in: workspace, deniedRequests: ["rename", "posix-rename"])
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let refused = try workspace.publish(to: server)
            #expect(refused.status == 73, "\(refused.stderr)")
            #expect(refused.stderr.contains("refused"))
            let all = try FileManager.default.contentsOfDirectory(atPath: server.directory)
            #expect(all.isEmpty, "no claim and no temporary file left: \(all)")
        }
    }

    /// A server that refuses every write is found before anything is recorded.
    @Test func aReadOnlyServerIsRefusedBeforeTheRun() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(.webdav, in: workspace, readOnly: true)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let runs = try workspace.runIDs().count
            let refused = try workspace.publish(to: server)
            #expect(refused.status == 73, "\(refused.stderr)")
            #expect(refused.stderr.contains("cannot write to the publication directory"))
            #expect(refused.stderr.split(separator: "\n").count == 1)
            #expect(try workspace.runIDs().count == runs)
        }
    }

    @Test func anUnknownHostKeyIsRefusedUnlessAccepted() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(.sftp, in: workspace, knownToClient: false)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let runs = try workspace.runIDs().count
            let refused = try workspace.publish(to: server)
            #expect(refused.status == 69, "\(refused.stderr)")
            #expect(refused.stderr.contains("is not in known_hosts"))
            #expect(refused.stderr.contains("SHA256:"))
            #expect(refused.stderr.split(separator: "\n").count == 1)
            #expect(try workspace.runIDs().count == runs)
            #expect(try server.files().isEmpty)

            let accepted = try workspace.publish(to: server, ["accept_new_host_key=yes"])
            #expect(accepted.status == 0, "\(accepted.stderr)")
            let knownHosts = try String(contentsOfFile: server.sftp!.home + "/.ssh/known_hosts", encoding: .utf8)
            let hostKey = try server.sftp!.knownHostsLine.split(separator: " ")[2]
            #expect(knownHosts.contains(hostKey))
            #expect(try server.files() == [Self.image, Self.image + ".json"])
        }
    }

    @Test func aChangedHostKeyIsRefusedEvenWhenNewKeysAreAccepted() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(.sftp, in: workspace)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            // known_hosts holds another key for this host and port: a server reinstalled, or someone in the middle.
            try Shell.run("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", workspace.root + "/other")
            let other = try String(contentsOfFile: workspace.root + "/other.pub", encoding: .utf8).split(separator: " ")
                .prefix(2).joined(separator: " ")
            try "[127.0.0.1]:\(server.sftp!.port) \(other)\n".write(
                toFile: server.sftp!.home + "/.ssh/known_hosts", atomically: true, encoding: .utf8)
            let refused = try workspace.publish(to: server, ["accept_new_host_key=yes"])
            #expect(refused.status == 69, "\(refused.stderr)")
            #expect(refused.stderr.contains("is NOT the one known_hosts has"))
            #expect(try server.files().isEmpty)
        }
    }

    @Test func aMissingSSHKeyOrAnUnreachableServerIsOneLine() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let noKey = try workspace.run([
                "publish-base-image", "type=system", "target=sftp://root@127.0.0.1:1/srv/", "ssh_key=/nonexistent/key",
            ])
            #expect(noKey.status == 65, "\(noKey.stderr)")
            #expect(noKey.stderr.contains("/nonexistent/key"))
            let closed = try FreePort.find()
            let unreachable = try workspace.run(
                ["publish-base-image", "type=system", "target=http://127.0.0.1:\(closed)/pub/"],
                environment: ["CASA_RELEASE_RETRY_DELAY": "0.01", "CASA_RELEASE_TRANSFER_ATTEMPTS": "2"])
            #expect(unreachable.status == 75, "\(unreachable.stderr)")
            // No run exists yet: the message says so, and does not send the user to `resume`.
            #expect(
                unreachable.stderr.contains("nothing was recorded: run the same command again"), "\(unreachable.stderr)"
            )
            #expect(!unreachable.stderr.contains("resume"), "\(unreachable.stderr)")
            #expect(unreachable.stderr.split(separator: "\n").filter { $0.hasPrefix("casa-release:") }.count == 1)
            #expect(try workspace.runIDs().count == 1, "only the create run: nothing recorded for the publication")
        }
    }
}
