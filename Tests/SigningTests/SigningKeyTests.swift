import Foundation
import Signing
import Testing

@testable import TestSupport

/// Release keys in process, checked against the `openssl` command line, a signer and verifier
/// this project did not write.
@Suite struct SigningKeyTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "signing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    @Test func aSignatureVerifiesAndNothingElseDoes() throws {
        let key = try SigningKey.generate()
        let message = Data("casa-run-5.4-3.sif".utf8)
        let signature = try key.sign(message)
        #expect(key.verifyingKey.isValidSignature(signature, for: message))
        #expect(!key.verifyingKey.isValidSignature(signature, for: Data("casa-run-5.4-4.sif".utf8)))
        #expect(!(try SigningKey.generate()).verifyingKey.isValidSignature(signature, for: message))
        var flipped = signature
        flipped[flipped.count - 1] ^= 1
        #expect(!key.verifyingKey.isValidSignature(flipped, for: message))
        #expect(!key.verifyingKey.isValidSignature(Data("junk".utf8), for: message))
        // A fresh nonce every time: two signatures differ, both verify.
        let second = try key.sign(message)
        #expect(second != signature)
        #expect(key.verifyingKey.isValidSignature(second, for: message))
    }

    @Test func opensslVerifiesOurSignaturesAndWeVerifyItsOwn() throws {
        let key = try SigningKey.generate()
        let message = Data((0..<5000).map { UInt8($0 % 251) })
        try message.write(to: URL(fileURLWithPath: directory + "/message"))
        try key.sign(message).write(to: URL(fileURLWithPath: directory + "/message.sig"))
        try Data(key.verifyingKey.pem.utf8).write(to: URL(fileURLWithPath: directory + "/key.pub"))
        let verdict = try Shell.script(
            "cd \(directory) && openssl dgst -sha256 -verify key.pub -signature message.sig message",
            mergingErrors: true)
        #expect(verdict == "Verified OK")

        // A key and a signature made by openssl alone.
        try Shell.script(
            """
            cd \(directory) && openssl ecparam -name prime256v1 -genkey -noout -out theirs.pem \
            && openssl pkey -in theirs.pem -pubout -out theirs.pub \
            && openssl dgst -sha256 -sign theirs.pem -out theirs.sig message
            """)
        let theirs = try VerifyingKey(pem: try Data(contentsOf: URL(fileURLWithPath: directory + "/theirs.pub")))
        let signature = try Data(contentsOf: URL(fileURLWithPath: directory + "/theirs.sig"))
        #expect(theirs.isValidSignature(signature, for: message))
        #expect(!key.verifyingKey.isValidSignature(signature, for: message))
        // Their private key reads too, and has the public half openssl wrote.
        let private_ = try SigningKey.read(
            pem: try Data(contentsOf: URL(fileURLWithPath: directory + "/theirs.pem")), passphrase: nil)
        #expect(private_.verifyingKey.pem == theirs.pem)
    }

    @Test func aPassphraseProtectsTheFileAndOpensIt() throws {
        let key = try SigningKey.generate()
        let pem = try key.privatePEM(passphrase: "correct horse")
        let text = String(decoding: pem, as: UTF8.self)
        #expect(text.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        #expect(try SigningKey.read(pem: pem, passphrase: "correct horse").verifyingKey.keyID == key.verifyingKey.keyID)
        #expect(throws: SigningError(.passphrase, "the passphrase does not open the key (CASA_RELEASE_KEY_PASSPHRASE)"))
        {
            try SigningKey.read(pem: pem, passphrase: "wrong")
        }
        #expect(
            throws: SigningError(.passphrase, "the key is protected by a passphrase: set CASA_RELEASE_KEY_PASSPHRASE")
        ) {
            try SigningKey.read(pem: pem, passphrase: nil)
        }
        // openssl opens it with the same passphrase and finds the same public key.
        try pem.write(to: URL(fileURLWithPath: directory + "/protected.pem"))
        let public_ = try Shell.script(
            "openssl pkey -in \(directory)/protected.pem -passin pass:'correct horse' -pubout")
        #expect(public_ + "\n" == key.verifyingKey.pem)
        // In the clear without a passphrase.
        #expect(
            String(decoding: try key.privatePEM(passphrase: nil), as: UTF8.self).hasPrefix(
                "-----BEGIN PRIVATE KEY-----"))
    }

    @Test func otherKeysAreRefusedByName() throws {
        try Shell.script(
            """
            cd \(directory) && openssl ecparam -name secp384r1 -genkey -noout -out p384.pem \
            && openssl genpkey -algorithm ed25519 -out ed25519.pem \
            && openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out rsa.pem
            """)
        for name in ["p384.pem", "ed25519.pem", "rsa.pem"] {
            let pem = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            #expect(throws: SigningError(.unusableKey, "not an ECDSA P-256 key (casa-release signs with P-256 only)")) {
                try SigningKey.read(pem: pem, passphrase: nil)
            }
        }
        #expect(throws: SigningError.self) { try SigningKey.read(pem: Data("junk".utf8), passphrase: nil) }
        #expect(throws: SigningError.self) { try VerifyingKey(pem: Data("-----BEGIN PUBLIC KEY-----\n".utf8)) }
    }

    /// TUF's key id, computed here from the definition with Python's own JSON and hashlib.
    @Test func theKeyIDIsTUFs() throws {
        let key = try SigningKey.generate()
        try Data(key.verifyingKey.pem.utf8).write(to: URL(fileURLWithPath: directory + "/key.pub"))
        let expected = try Shell.script(
            """
            /usr/bin/python3 -c 'import hashlib, json, sys
            key = {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": open(sys.argv[1]).read()}}
            text = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=False).replace("\\\\n", "\\n")
            print(hashlib.sha256(text.encode()).hexdigest())' \(directory)/key.pub
            """)
        #expect(key.verifyingKey.keyID == expected)
        #expect(key.verifyingKey.keyID.count == 64)
    }
}
