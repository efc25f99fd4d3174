import Foundation
import Testing
@testable import Executors

/// `~/.ssh/config` read as OpenSSH reads the four settings of an sftp target: patterns and
/// exclusions on `Host`, the first value of each setting wins, `Match` blocks are not taken.
@Suite struct SSHConfigTests {
    let text = """
        # comments and blank lines

        Host *.internal !secret.internal
            User ops
        Match host release
            Port 9999
        Host release rel-?
            HostName=brainvisa.example.org
            Port = 2222
            User "release engineer"
            IdentityFile ~/.ssh/release_key
        Host release
            HostName ignored.example.org
        Host *
            User everyone
            Port 22
        """

    @Test func theFirstValueOfEachSettingWins() {
        let found = SSHConfig.lookUp("release", text: text, home: "/home/me")
        #expect(
            found
                == SSHConfig(
                    hostName: "brainvisa.example.org", port: 2222, user: "release engineer",
                    identityFile: "/home/me/.ssh/release_key"))
        #expect(SSHConfig.lookUp("rel-1", text: text, home: "/h").hostName == "brainvisa.example.org")
        #expect(
            SSHConfig.lookUp("rel-12", text: text, home: "/h")
                == SSHConfig(hostName: nil, port: 22, user: "everyone", identityFile: nil))
    }

    @Test func anExcludedHostIsNotMatched() {
        #expect(SSHConfig.lookUp("db.internal", text: text, home: "/h").user == "ops")
        #expect(SSHConfig.lookUp("secret.internal", text: text, home: "/h").user == "everyone")
    }

    @Test func aURLTakesWhatItDoesNotSayFromTheConfig() throws {
        let home = NSTemporaryDirectory() + "ssh-config-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        try text.write(toFile: home + "/.ssh/config", atomically: true, encoding: .utf8)
        let plain = SSHConfig.resolve("sftp://release/var/www/download/", home: home)
        #expect(
            plain.url == "sftp://release%20engineer@brainvisa.example.org:2222/var/www/download/"
                && plain.identityFile == home + "/.ssh/release_key")
        // What the URL says wins over the config.
        #expect(
            SSHConfig.resolve("sftp://casa@release:23/d/", home: home).url == "sftp://casa@brainvisa.example.org:23/d/")
        #expect(
            SSHConfig.resolve("sftp://unlisted.example.org/d/", home: NSTemporaryDirectory() + "none").url
                == "sftp://unlisted.example.org/d/")
    }
}
