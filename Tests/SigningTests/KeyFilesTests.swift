import Foundation
import Signing
import Testing

/// Key files: made whole and private, never replaced, refused when others can read them.
@Suite struct KeyFilesTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "key-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func aKeyPairIsWrittenPrivateAndReadBack() throws {
        let path = directory + "/keys/release.key"
        let key = try SigningKey.generate()
        try KeyFiles.write(key, to: path, passphrase: "secret")
        #expect(try mode(path) == 0o600)
        #expect(try mode(directory + "/keys") == 0o700)
        let read = try KeyFiles.readSigningKey(path, passphrase: "secret")
        #expect(read.verifyingKey.keyID == key.verifyingKey.keyID)
        #expect(try KeyFiles.readVerifyingKey(path + ".pub", passphrase: nil).keyID == key.verifyingKey.keyID)
        #expect(try KeyFiles.readVerifyingKey(path, passphrase: "secret").keyID == key.verifyingKey.keyID)
        // Nothing of the passphrase or the private key in the public file.
        let publicText = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        #expect(publicText.hasPrefix("-----BEGIN PUBLIC KEY-----") && !publicText.contains("PRIVATE"))
    }

    @Test func anExistingKeyIsNeverReplaced() throws {
        let path = directory + "/release.key"
        try KeyFiles.write(try SigningKey.generate(), to: path, passphrase: nil)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: SigningError.self) { try KeyFiles.write(try SigningKey.generate(), to: path, passphrase: nil) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        // A stray public key alone blocks too, and the private key is then not written.
        let other = directory + "/other.key"
        try Data("x".utf8).write(to: URL(fileURLWithPath: other + ".pub"))
        #expect(throws: SigningError.self) { try KeyFiles.write(try SigningKey.generate(), to: other, passphrase: nil) }
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    @Test func aKeyOthersCanReadIsRefused() throws {
        let path = directory + "/open.key"
        try KeyFiles.write(try SigningKey.generate(), to: path, passphrase: nil)
        chmod(path, 0o644)
        #expect(throws: SigningError(.unusableKey, "\(path) can be read by others (mode 644): chmod 600 \(path)")) {
            try KeyFiles.readSigningKey(path, passphrase: nil)
        }
        #expect(
            throws: SigningError(
                .unusableKey, "no signing key at \(directory)/none.key (casa-release keys generate makes one)")
        ) {
            try KeyFiles.readSigningKey(directory + "/none.key", passphrase: nil)
        }
        #expect(throws: SigningError(.unusableKey, "\(directory) is not a file: the signing key must be a PEM file")) {
            try KeyFiles.readSigningKey(directory, passphrase: nil)
        }
    }
}
