import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release create-singularity [image_names=PATTERNS] [force=yes] [fakeroot=no]`
struct CreateSingularity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-singularity", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Convert docker images built by create-docker into .sif files with apptainer, each described by a sidecar.",
        usage: "casa-release create-singularity [image_names=PATTERNS] [force=yes] [fakeroot=no]",
        discussion: """
            The latest build of each image whose <name>:<tag> matches one of the comma-separated shell \
            patterns (default *) becomes <base dir>/cati_<name>_<tag>.sif (casa-distro's name), one \
            convert-<name>:<tag> step each: an OCI archive of the image from \
            <base dir>/casa-release-docker/oci, built by apptainer build from a definition that \
            bootstraps from it (the image's Env, Entrypoint and Cmd kept by apptainer, \
            /casa/image_id added) into a hidden temporary file renamed into place. Then describe \
            writes each sidecar (origin: the docker image by digest). A .sif made from the same \
            manifest and untouched since is up to date (force=yes converts it again); a file under \
            the output's name that casa-release did not make is replaced only with force=yes.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions

    @Option(name: .customLong("image-names"), help: "Comma-separated shell patterns over <name>:<tag> (default *).")
    var imageNames: String = "*"

    @Option(
        help:
            "Convert again an up-to-date image, and replace a file under the output's name that casa-release did not make."
    )
    var force: StrictBool = StrictBool(false)

    @Option(
        help: "apptainer build --fakeroot (default yes); without it the build runs through sudo, as casa-distro did.")
    var fakeroot: StrictBool = StrictBool(true)

    func run() throws {
        let output = global.output
        let baseDirectory = global.resolvedBaseDirectory
        let patterns = try ImagePatterns.parse(imageNames)
        guard SingularityDefinition.isUsable(baseDirectory) else {
            throw CommandFailure(
                .usage,
                "the base directory '\(baseDirectory)' has white space in its path, which apptainer's definition files cannot name; choose another with --base-dir"
            )
        }
        let ledger = try global.openLedgerForWriting()
        let layout = DockerStorage(baseDirectory: baseDirectory).layout
        let builds = try ledger.latestDockerBuilds(layout: layout).values.filter { build in
            patterns.contains { DockerImagePlanner.matches($0, build.reference) }
        }.sorted { $0.reference < $1.reference }
        guard !builds.isEmpty else {
            throw CommandFailure(
                .badInput,
                "no image built by create-docker matches image_names=\(imageNames); build it first (casa-release create-docker image_names=\(imageNames))"
            )
        }
        let tool: ContainerTool
        do { tool = try ContainerTool.locate(ToolSettings()) } catch let error as ExecutorError {
            throw CommandFailure(ExitStatus(error.kind), error.message)
        }
        let made = try ledger.latestSingularityImages()
        var conversions: [SingularityConversion] = []
        for image in builds {
            try DockerLayoutCheck.check(image, layout: layout)
            let path = baseDirectory + "/" + SingularityConversion.fileName(of: image)
            let earlier = made[path].flatMap { SingularitySteps.isStill($0) ? $0 : nil }
            if earlier == nil, !force.value, LocalFiles.status(path) != nil {
                throw CommandFailure(
                    .cannotCreate,
                    "\(path) already exists and is not a .sif casa-release made there (or it changed since); add force=yes to replace it"
                )
            }
            conversions.append(
                SingularityConversion(
                    image: image, output: path, imageID: UUID().uuidString.lowercased(), earlier: earlier))
        }
        let parameters = RunParameters(
            .singularityImages(
                SingularityImagesParameters(
                    baseDirectory: baseDirectory, patterns: patterns, layout: layout,
                    archives: baseDirectory + "/casa-release-docker/archives", images: conversions, force: force.value,
                    fakeroot: fakeroot.value)),
            commandLine: Redaction.commandLine(CommandLine.arguments))
        output.note("converting \(builds.map(\.fullReference).joined(separator: ", "))")
        try RunLauncher.start(
            .singularityImages, parameters: parameters, chosen: ChosenValues(creationTime: CreationTime.now()),
            ledger: ledger, output: output, transfers: transfers, logRoot: RunLogs.root(baseDirectory),
            tools: [FilePath.lastComponent(tool.path): tool.version()])
    }
}
