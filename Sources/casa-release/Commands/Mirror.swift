import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import Signing

/// `casa-release mirror …`: the TUF metadata signed publications keep at a target.
struct MirrorCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "The TUF metadata of a publication target: 'mirror refresh' signs a new timestamp before it expires.",
        subcommands: [MirrorRefresh.self]
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

/// `casa-release keys rotate NEW [target=URL] [signing_key=OLD]`
struct KeysRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Hand a target's TUF roles from the current release key to NEW: the next root, signed by both.",
        discussion: """
            NEW is a key made by 'keys generate' (its passphrase: $CASA_RELEASE_NEW_KEY_PASSPHRASE, \\
            else $CASA_RELEASE_KEY_PASSPHRASE). Writes tuf/<N+1>.root.json signed by the current key \\
            and NEW, then targets, snapshot and timestamp signed by NEW. Clients that trust the \\
            current root follow it; from then on, publish with signing_key=NEW.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Argument(help: "The new key (a private key file made by 'keys generate').")
    var new: String

    @Option(help: "The publication target (default: $CASA_RELEASE_PUBLISH_URL, else casa-distro's server).")
    var target: String?

    func run() throws {
        guard let old = try signing.openKey(for: "the next root") else {
            throw CommandFailure(
                .usage,
                "keys rotate signs with the current release key too: signing_key=KEY or CASA_RELEASE_SIGNING_KEY")
        }
        let environment = ProcessInfo.processInfo.environment
        let passphrase =
            environment["CASA_RELEASE_NEW_KEY_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ReleaseKeyLocation.passphrase
        let newKey = try KeyFiles.readSigningKey(Paths.absolute(new), passphrase: passphrase)
        let address = try TargetAddress.resolve(target)
        let writes = try MirrorMetadataStep.rotate(
            on: try PublicationTargets.open(address, transfers: transfers.settings()), from: old.key, to: newKey)
        global.output.result(
            "\(address)tuf/\(writes.first?.name ?? "?") hands every role to key \(newKey.verifyingKey.keyID) (signed by \(old.key.verifyingKey.keyID) and it); publish with signing_key=\(Paths.absolute(new)) from now on"
        )
    }
}
