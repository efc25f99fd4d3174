import Foundation
import Testing

@testable import TestSupport

/// `keys generate` and `keys show` through the binary: the files, their modes, what is printed
/// and what never is (the passphrase), and the refusals' exit statuses.
@Suite struct KeysCommandTests {
    @Test func generateWritesAPrivatePairAndShowPrintsItsPublicHalf() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let passphrase = "passphrase-\(UUID().uuidString)"
            let made = try workspace.run(
                ["keys", "generate", "--json"], environment: ["CASA_RELEASE_KEY_PASSPHRASE": passphrase])
            #expect(made.status == 0, "\(made.stderr)")
            let key = workspace.base + "/keys/casa-release.key"
            let described = try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any]
            #expect(described?["private_key"] as? String == key)
            #expect(described?["passphrase_protected"] as? Bool == true)
            let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try String(contentsOfFile: key, encoding: .utf8).hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
            // openssl opens it with the passphrase, and finds the public key written beside it.
            let publicHalf = try Shell.script(
                "PASS='\(passphrase)' openssl pkey -in \(key) -passin env:PASS -pubout", mergingErrors: true)
            #expect(try String(contentsOfFile: key + ".pub", encoding: .utf8) == publicHalf + "\n")

            // The id is the same from the public file, and from the private one with its passphrase.
            let keyID = described?["keyid"] as? String ?? "?"
            let shown = try workspace.run(["keys", "show", key + ".pub"])
            #expect(shown.status == 0 && shown.stdout.hasPrefix("key id: \(keyID)\n-----BEGIN PUBLIC KEY-----"))
            let fromPrivate = try workspace.run(
                ["keys", "show", "--json"], environment: ["CASA_RELEASE_KEY_PASSPHRASE": passphrase])
            #expect(fromPrivate.stdout.contains(keyID))
            for output in [made, shown, fromPrivate] {
                #expect(!(output.stdout + output.stderr).contains(passphrase))
                #expect(!(output.stdout + output.stderr).contains("PRIVATE KEY-----"))
            }
        }
    }

    @Test func refusalsSayWhyWithTheirStatus() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let key = workspace.root + "/release.key"
            #expect(
                try workspace.run(["keys", "generate", key], environment: ["CASA_RELEASE_KEY_PASSPHRASE": "pw"]).status
                    == 0)
            let before = try Data(contentsOf: URL(fileURLWithPath: key))
            try expectRefusal(
                workspace, ["keys", "generate", key], status: 73,
                message: "\(key) exists: a release key is never replaced")
            #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == before)
            try expectRefusal(
                workspace, ["keys", "show", key], status: 69,
                message: "\(key): the key is protected by a passphrase: set CASA_RELEASE_KEY_PASSPHRASE")
            let wrong = try workspace.run(["keys", "show", key], environment: ["CASA_RELEASE_KEY_PASSPHRASE": "nope"])
            #expect(wrong.status == 69 && wrong.stderr.contains("the passphrase does not open the key"))
            chmod(key, 0o640)
            let open = try workspace.run(["keys", "show", key], environment: ["CASA_RELEASE_KEY_PASSPHRASE": "pw"])
            #expect(open.status == 69 && open.stderr.contains("can be read by others (mode 640): chmod 600 \(key)"))
            try expectRefusal(
                workspace, ["keys", "show", workspace.root + "/none.key"], status: 69, message: "cannot read the key")
        }
    }

    /// The signing commands' bad input: one line, its status, nothing recorded.
    @Test func signingCommandsRefuseBadInput() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let key = workspace.root + "/release.key"
            let file = workspace.root + "/image.sif"
            #expect(try workspace.run(["keys", "generate", key]).status == 0)
            try Data("an image".utf8).write(to: URL(fileURLWithPath: file))
            try expectRefusal(
                workspace, ["provenance", file, "--verify"], status: 64,
                message: "--verify needs the release's public key")
            try expectRefusal(
                workspace, ["provenance", file, "--verify", "key=\(key).pub"], status: 65,
                message: "no signed provenance for \(file): cannot read \(file).intoto.jsonl")
            try Data("not an envelope\n".utf8).write(to: URL(fileURLWithPath: file + ".intoto.jsonl"))
            try expectRefusal(
                workspace, ["provenance", file, "--verify", "key=\(key).pub"], status: 65,
                message: "image.sif is NOT verified: the attestation is not DSSE envelopes")
            let target = "target=file://\(workspace.mirror)/"
            try expectRefusal(
                workspace, ["keys", "rotate", key, target], status: 64,
                message: "keys rotate signs with the current release key too")
            let other = workspace.root + "/other.key"
            #expect(try workspace.run(["keys", "generate", other]).status == 0)
            try expectRefusal(
                workspace, ["keys", "rotate", other, target, "signing_key=\(key)"], status: 65,
                message: "has no TUF metadata: there is no root to rotate")
            try expectRefusal(
                workspace, ["mirror", "refresh", target, "signing_key=\(key)"], status: 65,
                message: "has no TUF metadata: a signed publication there makes it")
            // A key that does not open says what it could not sign.
            let missing = "signing_key=\(workspace.root)/none.key"
            try expectRefusal(
                workspace, ["mirror", "refresh", target, missing], status: 69,
                message: "cannot sign the mirror's timestamp: no signing key at")
            try expectRefusal(
                workspace, ["keys", "rotate", other, target, missing], status: 69,
                message: "cannot sign the next root: no signing key at")
            try expectRefusal(
                workspace,
                ["download-image", "type=system", "url=\(workspace.mirror)", "root=\(workspace.root)/none.json"],
                status: 65, message: "cannot read the TUF root \(workspace.root)/none.json (root=)")
        }
    }
}
