import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import Signing

/// `casa-release mirror …`: the TUF metadata signed publications keep at a target.
struct MirrorCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract:
            "The TUF metadata of a publication target: 'mirror init' starts it with an offline root key, 'mirror refresh' signs a new timestamp before it expires.",
        subcommands: [MirrorInit.self, MirrorRefresh.self]
    )
}

/// `casa-release mirror refresh [target=URL] [signing_key=KEY]`, from cron.
struct MirrorRefresh: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract:
            "Sign a new timestamp for the target's TUF metadata (it expires after 7 days: run this daily, from cron).",
        discussion: """
            Clients refuse a mirror whose timestamp has expired: a mirror with no publication for a \\
            week needs this. Under the target's lock, as publications update it. Not recorded in \\
            the ledger: it signs no new content.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Option(help: "The publication target (default: $CASA_RELEASE_PUBLISH_URL, else casa-distro's server).")
    var target: String?

    func run() throws {
        guard let key = try signing.openKey(for: "the mirror's timestamp") else {
            throw CommandFailure(
                .usage, "mirror refresh signs with the release key: signing_key=KEY or CASA_RELEASE_SIGNING_KEY")
        }
        let address = try TargetAddress.resolve(target)
        let writes = try MirrorMetadataStep.refresh(
            on: try PublicationTargets.open(address, transfers: transfers.settings()), key: key.key)
        global.output.result(
            "signed timestamp version \(writes.last?.version ?? 0) of \(address)tuf/ with key \(key.key.verifyingKey.keyID)"
        )
    }
}

/// `casa-release mirror init root_key=ROOT [target=URL] [signing_key=KEY]`
struct MirrorInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract:
            "Start a target's TUF metadata with the root role apart: ROOT (kept offline) holds it, the release key the others.",
        discussion: """
            Without it, the first signed publication to a target gives all four roles to the \
            release key. With it, the root key signs only roots (this one, and the next with \
            'keys rotate'): a release host that loses its release key loses no root, and the root \
            key hands the roles to a new key. ROOT's passphrase: $CASA_RELEASE_ROOT_KEY_PASSPHRASE, \
            else $CASA_RELEASE_KEY_PASSPHRASE. A target that has metadata already is refused (65).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Option(name: .customLong("root-key"), help: "The root key (a private key file made by 'keys generate').")
    var rootKey: String

    @Option(help: "The publication target (default: $CASA_RELEASE_PUBLISH_URL, else casa-distro's server).")
    var target: String?

    func run() throws {
        guard let online = try signing.openKey(for: "the mirror's first metadata") else {
            throw CommandFailure(
                .usage,
                "mirror init gives the online roles to the release key: signing_key=KEY or CASA_RELEASE_SIGNING_KEY")
        }
        let root = try ReleaseKeyLocation.open(
            rootKey, passphraseVariable: "CASA_RELEASE_ROOT_KEY_PASSPHRASE", toSign: "the first root")
        guard root.verifyingKey.keyID != online.key.verifyingKey.keyID else {
            throw CommandFailure(
                .usage, "root_key= is the release key: the root key is another key, kept offline ('keys generate')")
        }
        let address = try TargetAddress.resolve(target)
        _ = try MirrorMetadataStep.initialize(
            on: try PublicationTargets.open(address, transfers: transfers.settings()), rootKey: root,
            onlineKey: online.key)
        global.output.result(
            "\(address)tuf/1.root.json gives the root role to key \(root.verifyingKey.keyID) (keep it offline) and the targets, snapshot and timestamp roles to key \(online.key.verifyingKey.keyID)"
        )
    }
}

/// `casa-release keys rotate NEW [target=URL] [signing_key=OLD] [root_key=ROOT]`
struct KeysRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Hand the TUF roles a key holds on a target (signing_key=OLD) to NEW: the next root, signed by both.",
        discussion: """
            NEW is a key made by 'keys generate' (its passphrase: $CASA_RELEASE_NEW_KEY_PASSPHRASE, \
            else $CASA_RELEASE_KEY_PASSPHRASE). Writes tuf/<N+1>.root.json in which NEW holds \
            every role OLD held, signed by the current root key and the next one; when OLD held the \
            targets, snapshot and timestamp roles, those are signed again by NEW. Clients that trust \
            the current root follow it. When OLD does not hold the root role (a mirror started by \
            'mirror init'), the root key signs: root_key=ROOT (its passphrase: \
            $CASA_RELEASE_ROOT_KEY_PASSPHRASE, else $CASA_RELEASE_KEY_PASSPHRASE).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Argument(help: "The new key (a private key file made by 'keys generate').")
    var new: String

    @Option(help: "The publication target (default: $CASA_RELEASE_PUBLISH_URL, else casa-distro's server).")
    var target: String?

    @Option(
        name: .customLong("root-key"),
        help: "The root key, when the key handed over does not hold the root role (a mirror started by 'mirror init').")
    var rootKey: String?

    func run() throws {
        guard let old = try signing.openKey(for: "the next root") else {
            throw CommandFailure(
                .usage,
                "keys rotate signs with the current release key too: signing_key=KEY or CASA_RELEASE_SIGNING_KEY")
        }
        let newKey = try ReleaseKeyLocation.open(
            new, passphraseVariable: "CASA_RELEASE_NEW_KEY_PASSPHRASE", toSign: "the next root with the new key")
        let root = try rootKey.map {
            try ReleaseKeyLocation.open(
                $0, passphraseVariable: "CASA_RELEASE_ROOT_KEY_PASSPHRASE", toSign: "the next root with the root key")
        }
        let address = try TargetAddress.resolve(target)
        let writes = try MirrorMetadataStep.rotate(
            on: try PublicationTargets.open(address, transfers: transfers.settings()), from: old.key, to: newKey,
            rootKey: root)
        let online = writes.count > 1
        global.output.result(
            "\(address)tuf/\(writes.first?.name ?? "?") hands the roles of key \(old.key.verifyingKey.keyID) to key \(newKey.verifyingKey.keyID)"
                + (online ? "; publish with signing_key=\(Paths.absolute(new)) from now on" : "; keep it offline")
        )
    }
}
