import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release publish-base-image type=system [image=...] [target=...]`
struct PublishBaseImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-base-image", _superCommandName: DirectParse.superCommandName,
        abstract: "Publish a base image and its sidecar as <name>-<N>.<ext>, never showing half of it.",
        usage: "casa-release publish_base_image type=system|run|dev|pixi [image=PATH] [target=URL] [key=value ...]",
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Option(
        help: "Image type (system, run, dev, pixi): selects the default image casa-{type}-*.sif.",
        completion: ShellCompletion.imageTypes)
    var type: String?

    @Option(help: "The image (a path or a glob). Default: the single <base dir>/casa-{type}-*.sif.")
    var image: String?

    @Option(
        name: .customLong("container-type"), help: "apptainer or singularity.",
        completion: ShellCompletion.containerTypes)
    var containerType: String = "singularity"

    @Option(
        help:
            "Where to publish: sftp://USER@HOST/DIR/, http(s)://HOST/DIR/ (WebDAV), file:///DIR/ or a directory (default: $CASA_RELEASE_PUBLISH_URL, else sftp://$BRAINVISA_PUBLISH_LOGIN@$BRAINVISA_PUBLISH_SERVER/$BRAINVISA_PUBLISH_DIR/)."
    )
    var target: String?

    func validate() throws {
        if let type, !["system", "run", "dev", "pixi"].contains(type) {
            throw ValidationError("type must be system, run, dev or pixi, not '\(type)'")
        }
        guard ["apptainer", "singularity"].contains(containerType) else {
            throw ValidationError("container_type must be apptainer or singularity, not '\(containerType)'")
        }
        if type == nil, image == nil { throw ValidationError("give type= or image= to say which image to publish") }
    }

    func run() throws {
        let pattern =
            image.map(Paths.absolute)
            ?? (global.resolvedBaseDirectory as NSString).appendingPathComponent("casa-\(type ?? "")-*.sif")
        let path = try ImageSelection.single(pattern)
        try Publication.start(image: path, target: target, global: global, transfers: transfers, signing: signing)
    }
}

/// `casa-release publish-user-image image=PATH [target=...]`
struct PublishUserImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-user-image", _superCommandName: DirectParse.superCommandName,
        abstract: "Publish any image that has a sidecar, with the same protocol as publish-base-image.",
        usage: "casa-release publish_user_image image=PATH [target=URL] [key=value ...]",
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Option(help: "The image to publish; its sidecar is <image>.json.")
    var image: String

    @Option(
        help:
            "Where to publish: sftp://USER@HOST/DIR/, http(s)://HOST/DIR/ (WebDAV), file:///DIR/ or a directory (default: $CASA_RELEASE_PUBLISH_URL, else sftp://$BRAINVISA_PUBLISH_LOGIN@$BRAINVISA_PUBLISH_SERVER/$BRAINVISA_PUBLISH_DIR/)."
    )
    var target: String?

    func run() throws {
        try Publication.start(
            image: try ImageSelection.single(Paths.absolute(image)), target: target, global: global,
            transfers: transfers, signing: signing)
    }
}

/// Starting a publication run, after checking what can be checked first.
enum Publication {
    static func start(
        image: String, target: String?, global: GlobalOptions, transfers: TransferOptions, signing: SigningOptions
    ) throws {
        _ = try ImageSteps.readPublishableSidecar(image + ".json")
        let address = try TargetAddress.resolve(target)
        // A publication that should be signed and cannot be stops here, before anything is recorded.
        let key = try signing.openKey()
        try TargetAddress.preflight(address, transfers: transfers)
        if let key { try SigningOptions.checkMirror(address, key: key.key, transfers: transfers) }
        let ledger = try global.openLedgerForWriting()
        var chosen = ChosenValues()
        if key != nil { chosen.provenanceStatement = try SignedProvenance.statement(of: image, in: ledger) }
        let parameters = RunParameters(
            publication: PublicationParameters(
                target: address, image: image, sshKey: transfers.sshKeyPath, signingKey: key?.path,
                signingKeyID: key?.key.verifyingKey.keyID),
            commandLine: Redaction.commandLine(CommandLine.arguments))
        try RunLauncher.start(
            .publication, parameters: parameters, chosen: chosen, ledger: ledger,
            output: global.output, transfers: transfers)
    }
}

/// Picks the one image a path or glob names.
enum ImageSelection {
    /// The file at `pattern`, or its single match as a glob. The numbered links that earlier
    /// publications left beside the image match the same glob and are ignored, as casa-distro does.
    static func single(_ pattern: String) throws -> String {
        if let status = LocalFiles.status(pattern), status.isRegular || status.isSymlink { return pattern }
        var matches = BaseResolver.glob(pattern).filter { !$0.hasSuffix(".json") }
        if matches.count > 1 { matches = matches.filter { LocalFiles.status($0)?.isSymlink == false } }
        switch matches.count {
        case 0: throw CommandFailure(.badInput, "no image matches \(pattern)")
        case 1: return matches[0]
        default:
            throw CommandFailure(
                .badInput,
                "several images match \(pattern): \(matches.joined(separator: ", ")); name one with image=PATH")
        }
    }
}
