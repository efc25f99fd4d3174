import Foundation
import Testing
import ReleaseStateMachine
@testable import TestSupport

/// How casa-release logs in and what it trusts: a password in a WebDAV URL (used, never kept),
/// `~/.netrc`, a user name in the URL (which must not reach WebDAV's `Destination`), host keys
/// accepted for servers on other ports, and a server whose disk is full.
@Suite(.serialized) struct TransferLoginTests {
    static let image = "casa-system-ubuntu-24.04-1.sif"

    /// A WebDAV server that asks for a login: the password given in the URL is used for every
    /// request, never written to the ledger nor printed; without it the publication is refused
    /// up front with one line; a later run logs in from ~/.netrc with only the user in the URL.
    @Test func aPasswordInTheURLOrInNetrcLogsIn() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(.webdav, in: workspace, login: ("casa", "s3cret-Pa55"))
            let port = server.webdav!.port
            let home = workspace.root + "/home"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            #expect(try workspace.run(workspace.createArguments).status == 0)

            let anonymous = try workspace.run(
                ["publish-base-image", "type=system", "target=http://127.0.0.1:\(port)/pub/"],
                environment: ["HOME": home])
            #expect(anonymous.status == 69, "\(anonymous.stderr)")
            #expect(anonymous.stderr.contains("asks for a login (401)"))
            #expect(anonymous.stderr.split(separator: "\n").count == 1)

            let withPassword = try workspace.run(
                ["publish-base-image", "type=system", "target=http://casa:s3cret-Pa55@127.0.0.1:\(port)/pub/"],
                environment: ["HOME": home])
            #expect(withPassword.status == 0, "\(withPassword.stderr)")
            #expect(try server.files() == [Self.image, Self.image + ".json"])
            #expect(!(withPassword.stdout + withPassword.stderr).contains("s3cret"))
            #expect(try workspace.latestRun().parameters?.publication?.target == "http://casa@127.0.0.1:\(port)/pub/")
            for file in try FileManager.default.contentsOfDirectory(atPath: workspace.base)
            where file.hasPrefix("casa-release.sqlite") {
                let bytes = try workspace.bytes(workspace.base + "/" + file)
                #expect(bytes.range(of: Data("s3cret".utf8)) == nil, "the password is in \(file)")
            }
            let logins = try server.webdav!.accessLog().filter { $0.contains(" casa [") }
            #expect(logins.contains { $0.contains("\"MOVE ") }, "the MOVE went through with the user name in the URL")

            try "machine 127.0.0.1\nlogin casa\npassword s3cret-Pa55\n".write(
                toFile: home + "/.netrc", atomically: true, encoding: .utf8)
            try Data(count: 1 << 20).write(to: URL(fileURLWithPath: workspace.upstream))
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            let fromNetrc = try workspace.run(
                ["publish-base-image", "type=system", "target=http://casa@127.0.0.1:\(port)/pub/"],
                environment: ["HOME": home])
            #expect(fromNetrc.status == 0, "\(fromNetrc.stderr)")
            #expect(try server.files().contains("casa-system-ubuntu-24.04-2.sif"))
            #expect(try server.files().allSatisfy { !$0.hasPrefix(".") }, "no claim or upload left")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// Two ssh servers on one address, each accepted once with accept_new_host_key=yes: each key
    /// is written as OpenSSH writes it (`[127.0.0.1]:PORT`), so the second is not taken for a man
    /// in the middle of the first, and ssh-keygen finds both.
    /// A target named by a host alias of ~/.ssh/config, as casa-distro's ssh and rsync named it:
    /// its HostName, Port, User and IdentityFile are used (the key under a name ssh would not
    /// try by itself).
    @Test func anSSHHostAliasIsReadFromTheSSHConfig() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(.sftp, in: workspace)
            let sftp = try #require(server.sftp)
            for suffix in ["", ".pub"] {
                try FileManager.default.moveItem(
                    atPath: sftp.home + "/.ssh/id_ed25519" + suffix, toPath: sftp.home + "/.ssh/release_key" + suffix)
            }
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let target = "target=sftp://brainvisa-release\(server.directory)/"
            let unknown = try workspace.run(
                ["publish-base-image", "type=system", target], environment: server.environment)
            #expect(unknown.status != 0, "no alias yet: \(unknown.stderr)")
            try """
            # the release server
            Host other
                HostName 192.0.2.1
            Host brainvisa-release release-*
                HostName 127.0.0.1
                Port \(sftp.port)
                User root
                IdentityFile ~/.ssh/release_key
            Host *
                User nobody-else
            """.write(toFile: sftp.home + "/.ssh/config", atomically: true, encoding: .utf8)
            let published = try workspace.run(
                ["publish-base-image", "type=system", target], environment: server.environment)
            #expect(published.status == 0, "\(published.stderr)")
            #expect(try server.files() == [Self.image, Self.image + ".json"])
            #expect(
                try workspace.latestRun().parameters?.publication?.target
                    == "sftp://brainvisa-release\(server.directory)/",
                "the target as named")

            // Reading the same directory by its alias: a download and an import of it.
            let output = workspace.root + "/downloaded.sif"
            let downloaded = try workspace.run(
                [
                    "download-image", "url=sftp://brainvisa-release\(server.directory)/", "filename=\(Self.image)",
                    "output=\(output)",
                ],
                environment: server.environment)
            #expect(downloaded.status == 0, "\(downloaded.stderr)")
            #expect(try workspace.bytes(output) == server.bytes(Self.image))
            let imported = try workspace.run(
                ["import", "sftp://brainvisa-release\(server.directory)/"], environment: server.environment)
            #expect(imported.status == 0, "\(imported.stderr)")
        }
    }

    @Test func newHostKeysAreWrittenWithTheirPort() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let first = try PublicationServer(.sftp, in: workspace, knownToClient: false)
            let second = try SFTPServer(directory: workspace.root + "/sshd-2", knownToClient: false)
            let secondDirectory = workspace.root + "/server-2/pub"
            try FileManager.default.createDirectory(atPath: secondDirectory, withIntermediateDirectories: true)
            // The second server lets the first one's client key in.
            try FileManager.default.copyItem(
                atPath: first.sftp!.home + "/.ssh/id_ed25519.pub", toPath: workspace.root + "/client.pub")
            let authorized = try String(contentsOfFile: workspace.root + "/client.pub", encoding: .utf8)
            try authorized.write(toFile: second.directory + "/authorized_keys", atomically: true, encoding: .utf8)
            #expect(try workspace.run(workspace.createArguments).status == 0)

            #expect(try workspace.publish(to: first, ["accept_new_host_key=yes"]).status == 0)
            let toSecond = try workspace.run(
                [
                    "publish-base-image", "type=system", "target=\(second.url(secondDirectory))",
                    "accept_new_host_key=yes",
                ],
                environment: first.environment)
            #expect(toSecond.status == 0, "\(toSecond.stderr)")

            let knownHosts = first.sftp!.home + "/.ssh/known_hosts"
            let lines = try String(contentsOfFile: knownHosts, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2, "\(lines)")
            for (server, line) in zip([first.sftp!, second], lines) {
                let key = try server.knownHostsLine.split(whereSeparator: \.isWhitespace)[1...2].joined(separator: " ")
                #expect(line == "[127.0.0.1]:\(server.port) \(key)")
                #expect(
                    try ProcessOutput.run("/usr/bin/ssh-keygen", "-F", "[127.0.0.1]:\(server.port)", "-f", knownHosts)
                        .contains(key))
            }
            // Known now: a third publication to the first server needs no acceptance.
            try Data(count: 1 << 20).write(to: URL(fileURLWithPath: workspace.upstream))
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            #expect(try workspace.publish(to: first).status == 0)
        }
    }

    /// An sftp server whose disk cannot hold the image: the refused write is a failure for good
    /// (exit 73), not retried, and the publication is rolled back at once, leaving nothing.
    @Test func aFullDiskOnAnSFTPServerIsFinalAndRolledBack() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace(baseBytes: 4 << 20)
            let server = try PublicationServer(.sftp, in: workspace, diskSize: 1 << 20)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let full = try workspace.publish(to: server, environment: ["CASA_RELEASE_RETRY_DELAY": "0"])
            #expect(full.status == 73, "\(full.stderr)")
            #expect(full.stderr.contains("no room left"))
            #expect(!full.stderr.contains("trying again"), "not retried: \(full.stderr)")
            #expect(full.stderr.contains("publication rolled back"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: server.directory).isEmpty)
            let state = try workspace.latestRun()
            #expect(state.step(.uploadImage)?.status == .failed)
            #expect(state.step(.uploadImage)?.attempts == 1)
            #expect(!state.rollbackDue)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }
}

/// The standard output of a short command.
enum ProcessOutput {
    static func run(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }
}
