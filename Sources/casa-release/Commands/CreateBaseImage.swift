import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release create-base-image type=system|run|dev|pixi image_version=V [base=...] [publish=yes]`
struct CreateBaseImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-base-image", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Create a base image: system (a described copy of an upstream .sif, or with container_type=vbox a VirtualBox VM made from an Ubuntu ISO), or run, dev and pixi (built by Apptainer from a recipe); optionally publish it.",
        usage:
            "casa-release create_base_image type=system|run|dev|pixi image_version=V [key=value ...]\ncasa-release create-base-image --type T --image-version V [--option value ...]",
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Option(help: "Image type: system, run, dev or pixi.", completion: ShellCompletion.imageTypes)
    var type: String

    @Option(
        name: .customLong("image-version"),
        help:
            "Image version: for system images conventionally the system (ubuntu-24.04); for the others the recipe's version (5.4)."
    )
    var imageVersion: String

    @Option(
        name: .customLong("container-type"),
        help: "apptainer or singularity (one container type, two names), or vbox (VirtualBox, type=system only).",
        completion: ShellCompletion.containerTypes)
    var containerType: String = "singularity"

    @Option(
        help:
            "The base image (a path or a glob). Default: for system the single *ubuntu-*.sif (vbox: *ubuntu-*.iso) in the base directory; for the others the recipe's base there."
    )
    var base: String?

    @Option(help: "The image's name, a template with {type}, {system} and {image_version}.")
    var name: String = "casa-{type}-{image_version}"

    @Option(
        help:
            "The output file, a template with {name}, {system} and {extension}. Default: <base dir>/{name}.{extension}."
    )
    var output: String?

    @Option(
        help:
            "Recipes directory, laid out <DIR>/casa-<type>/<image_version>/ (default: $CASA_RELEASE_RECIPES, else <casa_distro>/image-recipes)."
    )
    var recipes: String?

    @Option(
        name: .customLong("casa-distro"),
        help: "casa-distro's sources, which install_casa_distro copies into dev images (default: $CASA_DISTRO_SOURCE).")
    var casaDistro: String?

    @Option(help: "Replace an existing output.")
    var force: StrictBool = StrictBool(false)

    @Option(help: "Publish the image once it is made.")
    var publish: StrictBool = StrictBool(false)

    @Option(
        help:
            "Where to publish: sftp://USER@HOST/DIR/, http(s)://HOST/DIR/ (WebDAV), file:///DIR/ or a directory (default: $CASA_RELEASE_PUBLISH_URL, else casa-distro's server from $BRAINVISA_PUBLISH_*)."
    )
    var target: String?

    @Option(help: "Let apptainer clean up its build directory (cleanup=no keeps it: --no-cleanup).")
    var cleanup: StrictBool = StrictBool(true)

    @Option(help: "Build with --fakeroot (fakeroot=no builds as root, through sudo when needed).")
    var fakeroot: StrictBool = StrictBool(true)

    @Option(help: "vbox: the VM's memory in MiB (default 8192).")
    var memory: Int?

    @Option(name: .customLong("video-memory"), help: "vbox: the VM's video memory in MiB (default 50).")
    var videoMemory: Int?

    @Option(name: .customLong("disk-size"), help: "vbox: the disk's maximum size in MiB (default 131072).")
    var diskSize: Int?

    @Option(help: "vbox: the VM's processors (default 2).")
    var cpus: Int?

    @Option(help: "vbox: show the VM's window (default yes: the Ubuntu installation is done in it).")
    var gui: StrictBool?

    @Option(
        name: .customLong("iso-url"), help: "vbox: download the ISO from this URL when it is not there (resumable).")
    var isoURL: String?

    @Option(name: .customLong("iso-sha256"), help: "vbox: the ISO's expected SHA-256, checked before the VM is made.")
    var isoSHA256: String?

    @Option(help: "vbox: seconds to wait for the VM to power off after the ACPI power button (default 300).")
    var timeout: Int?

    func validate() throws {
        guard ["system", "run", "dev", "pixi"].contains(type) else {
            throw ValidationError("type must be system, run, dev or pixi, not '\(type)'")
        }
        switch containerType {
        case "apptainer", "singularity":
            let vboxOnly = [
                ("memory", memory != nil), ("video_memory", videoMemory != nil), ("disk_size", diskSize != nil),
                ("cpus", cpus != nil), ("gui", gui != nil), ("iso_url", isoURL != nil),
                ("iso_sha256", isoSHA256 != nil),
                ("timeout", timeout != nil),
            ].filter(\.1).map(\.0)
            if let first = vboxOnly.first { throw ValidationError("\(first)= applies to container_type=vbox only") }
        case "vbox":
            try validateVirtualBox()
        default:
            throw ValidationError("container_type must be apptainer, singularity or vbox, not '\(containerType)'")
        }
        guard !imageVersion.isEmpty, !imageVersion.contains("/") else {
            throw ValidationError("image_version must be a non-empty name without '/', not '\(imageVersion)'")
        }
    }

    func run() throws {
        if containerType == "vbox" { return try runVirtualBox() }
        if type == "system" { try runSystem() } else { try runFromRecipe() }
    }

    private func runSystem() throws {
        let baseDirectory = global.resolvedBaseDirectory
        let explicitBase = base.map(Paths.absolute)
        let pattern = "*ubuntu-*.sif"

        // Everything that can be checked is checked before the run is recorded, so that a typo
        // leaves the ledger untouched.
        let resolved = try BaseResolver.resolve(
            ResolveBaseIntent(baseDirectory: baseDirectory, explicitBase: explicitBase, pattern: pattern))
        try launch(.systemBaseImage, base: resolved, baseDirectory: baseDirectory) { imageName, outputPath in
            RunParameters(
                .systemBaseImage(
                    SystemBaseImageParameters(
                        baseDirectory: baseDirectory, base: explicitBase, basePattern: pattern,
                        imageVersion: imageVersion,
                        containerType: "singularity", name: imageName, output: outputPath, force: force.value)))
        }
    }

    /// run, dev and pixi: recipe → definition → apptainer build → describe → [publish].
    private func runFromRecipe() throws {
        let baseDirectory = global.resolvedBaseDirectory
        let casaDistroSource = try CasaDistroSource.resolve(casaDistro)
        let recipesRoot = try RecipeDirectory.root(recipes, casaDistroSource: casaDistroSource)
        let recipeDirectory = recipesRoot + "/casa-\(type)/\(imageVersion)"
        let tool = try ContainerTool.locate(ToolSettings())
        let recipe = try RecipeLoader.load(
            LoadRecipeIntent(recipeDirectory: recipeDirectory, imageVersion: imageVersion)
        ).recipe
        if recipe.installsCasaDistro {
            guard let casaDistroSource else {
                throw CommandFailure(
                    .usage,
                    "the recipe in \(recipeDirectory) copies casa-distro's sources into the image (install_casa_distro): give casa_distro=DIR or set CASA_DISTRO_SOURCE"
                )
            }
            try CasaDistroSource.check(casaDistroSource)
        }
        let explicitBase = Paths.absolute(
            base ?? (baseDirectory as NSString).appendingPathComponent(recipe.baseFileName(extension: "sif")))
        let resolved = try BaseResolver.resolve(
            ResolveBaseIntent(
                baseDirectory: baseDirectory, explicitBase: explicitBase, pattern: FilePath.lastComponent(explicitBase))
        )
        if type == "dev", resolved.baseImageID == nil {
            throw CommandFailure(
                .badInput,
                "the run image \(resolved.base) has no image_id in its sidecar \(resolved.base).json, so the dev image could not name its origin_run; build or describe the run image with casa-release first"
            )
        }
        try launch(.recipeBaseImage, base: resolved, baseDirectory: baseDirectory, tools: ["apptainer": tool.version()])
        { imageName, outputPath in
            RunParameters(
                .recipeBaseImage(
                    RecipeBaseImageParameters(
                        baseDirectory: baseDirectory, imageType: type, imageVersion: imageVersion,
                        recipeDirectory: recipeDirectory,
                        base: resolved.base, name: imageName, output: outputPath, containerType: "singularity",
                        force: force.value,
                        fakeroot: fakeroot.value, cleanup: cleanup.value,
                        casaDistroSource: recipe.installsCasaDistro ? casaDistroSource : nil)))
        }
    }

    /// The end both kinds share: output names checked, publication target checked, then the run
    /// recorded with a new image_id and creation time, and driven.
    func launch(
        _ pipeline: PipelineKind, base: ResolvedBase, baseDirectory: String, tools: [String: String] = [:],
        extension fileExtension: String = "sif", chosen: ChosenValues? = nil,
        _ parameters: (_ imageName: String, _ outputPath: String) throws -> RunParameters
    ) throws {
        let out = global.output
        let (imageName, outputPath) = try outputNames(
            system: base.system, baseDirectory: baseDirectory, extension: fileExtension)
        if outputPath == base.base {
            throw CommandFailure(.badInput, "the output \(outputPath) is the base image itself")
        }
        var runParameters = try parameters(imageName, outputPath)
        runParameters.publication = try publicationParameters(outputPath, out)
        runParameters.commandLine = Redaction.commandLine(CommandLine.arguments)
        let ledger = try global.openLedgerForWriting()
        let chosen = chosen ?? ChosenValues(imageID: UUID().uuidString.lowercased(), creationTime: CreationTime.now())
        try RunLauncher.start(
            pipeline, parameters: runParameters, chosen: chosen, ledger: ledger, output: out, transfers: transfers,
            logRoot: RunLogs.root(baseDirectory), tools: tools)
    }

    /// The image's name and output path from their templates, with the output checked: its
    /// directory exists and is writable, and nothing is there unless force=yes.
    private func outputNames(
        system: String, baseDirectory: String, extension fileExtension: String
    ) throws -> (String, String) {
        let values = ["type": type, "system": system, "image_version": imageVersion]
        let imageName = try Template.fill(name, values, option: "name")
        let outputPath = Paths.absolute(
            try Template.fill(
                output ?? (baseDirectory as NSString).appendingPathComponent("{name}.{extension}"),
                ["name": imageName, "system": system, "extension": fileExtension], option: "output"))
        try OutputFile.check(outputPath, force: force.value)
        return (imageName, outputPath)
    }

    private func publicationParameters(_ outputPath: String, _ out: Output) throws -> PublicationParameters? {
        guard publish.value else {
            if target != nil { out.note("target= is ignored without publish=yes") }
            return nil
        }
        let key = try signing.openKey()
        let address = try TargetAddress.resolve(target)
        try TargetAddress.preflight(address, transfers: transfers)
        if let key { try SigningOptions.checkMirror(address, key: key.key, transfers: transfers) }
        return PublicationParameters(
            target: address, image: outputPath, sshKey: transfers.sshKeyPath, signingKey: key?.path,
            signingKeyID: key?.key.verifyingKey.keyID)
    }
}
