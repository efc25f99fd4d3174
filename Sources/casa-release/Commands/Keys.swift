import ArgumentParser
import Foundation
import Signing

/// `casa-release keys …`: the release key that signs what casa-release publishes.
struct KeysCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "The release key: 'keys generate' makes one, 'keys show' prints its public half and id.",
        discussion: """
            A release key is an ECDSA P-256 key pair: KEY holds the private key (mode 600, \
            encrypted when CASA_RELEASE_KEY_PASSPHRASE is set), KEY.pub the public key to give to \
            whoever checks what you publish. KEY is the argument, else $CASA_RELEASE_SIGNING_KEY, \
            else <base dir>/keys/casa-release.key. See docs/signing.md.
            """,
        subcommands: [KeysGenerate.self, KeysShow.self, KeysRotate.self]
    )
}

/// `casa-release keys generate [KEY]`
struct KeysGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make a release key pair: KEY (private, mode 600) and KEY.pub; an existing key is never replaced."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(
        help:
            "Where to write the private key (default: $CASA_RELEASE_SIGNING_KEY, else <base dir>/keys/casa-release.key)."
    )
    var key: String?

    func run() throws {
        let path = ReleaseKeyLocation.resolve(key, baseDirectory: global.resolvedBaseDirectory)
        let passphrase = ReleaseKeyLocation.passphrase
        let pair = try SigningKey.generate()
        try KeyFiles.write(pair, to: path, passphrase: passphrase)
        let description = KeyDescription(
            privateKey: path, publicKey: KeyFiles.publicKeyPath(path), keyID: pair.verifyingKey.keyID,
            passphraseProtected: passphrase != nil)
        if global.json {
            try global.output.emitJSON(description)
            return
        }
        global.output.result(
            """
            private key: \(path) (mode 600\(passphrase == nil ? ", not protected by a passphrase" : ", encrypted with $\(ReleaseKeyLocation.passphraseVariable)"); back it up offline)
            public key:  \(description.publicKey) (give it to whoever checks what you publish)
            key id:      \(description.keyID)
            """)
        if passphrase == nil {
            global.output.note(
                "the key is in the clear: set \(ReleaseKeyLocation.passphraseVariable) before 'keys generate' to encrypt it"
            )
        }
    }
}

/// `casa-release keys show [KEY]`
struct KeysShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a key's id and public key (KEY: a private key, or a .pub file)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The key (default: $CASA_RELEASE_SIGNING_KEY, else <base dir>/keys/casa-release.key).")
    var key: String?

    func run() throws {
        let path = ReleaseKeyLocation.resolve(key, baseDirectory: global.resolvedBaseDirectory)
        let verifying = try KeyFiles.readVerifyingKey(path, passphrase: ReleaseKeyLocation.passphrase)
        if global.json {
            try global.output.emitJSON(
                ["key": path, "keyid": verifying.keyID, "public_key": verifying.pem, "scheme": VerifyingKey.scheme])
            return
        }
        global.output.result("key id: \(verifying.keyID)\n" + verifying.pem.trimmingCharacters(in: .newlines))
    }
}

/// What `keys generate --json` prints.
struct KeyDescription: Encodable {
    var privateKey: String
    var publicKey: String
    var keyID: String
    var passphraseProtected: Bool

    enum CodingKeys: String, CodingKey {
        case privateKey = "private_key"
        case publicKey = "public_key"
        case keyID = "keyid"
        case passphraseProtected = "passphrase_protected"
    }
}
