import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release create-docker [image_names=PATTERNS] [casa_version=V]`
struct CreateDocker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-docker", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Build docker (OCI) images from their definitions with buildah, dependencies first, into an OCI layout under the base directory.",
        usage: "casa-release create-docker [image_names=PATTERNS] [casa_version=V] [no_host_network=yes] [force=yes]",
        discussion: """
            Definitions are <name>/<system>/ directories holding casa_distro_docker.yaml and a \
            Dockerfile (or Dockerfile.template), looked up in <base dir>/share/docker, \
            $HOME/.config/casa-distro/docker, $HOME/.casa-distro/docker, then those casa-release \
            ships; a definition found earlier hides one of the same path found later. Every \
            definition is read before anything is built: a wrong one is one error naming its file \
            (exit 65).

            The images whose <name>:<tag> matches one of the comma-separated shell patterns \
            (default *), with every image they depend on, are built in dependency order (ties by \
            name): one step per image, build-<name>:<tag>, after resolve-definitions (the \
            *.template files rendered with casa_version and the definition's \
            template_files_parameters), then tag (every tag of each image), then describe. Each is \
            built by buildah bud --isolation chroot --storage-driver vfs --timestamp 0 (the same \
            inputs give the same digest) and copied to <base dir>/casa-release-docker/oci as \
            cati/<name>:<tag>. An image whose Dockerfile, context, parameters and base images are \
            unchanged since a completed build is reported up to date (force=yes builds it again).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions

    @Option(name: .customLong("image-names"), help: "Comma-separated shell patterns over <name>:<tag> (default *).")
    var imageNames: String = "*"

    @Option(name: .customLong("casa-version"), help: "The value of %(casa_version)s in names, tags and templates.")
    var casaVersion: String?

    @Option(name: .customLong("no-host-network"), help: "Build without the host's network (no_host_network=yes).")
    var noHostNetwork: StrictBool = StrictBool(false)

    @Option(help: "Build again even an image whose inputs are unchanged since its last build.")
    var force: StrictBool = StrictBool(false)

    func run() throws {
        let output = global.output
        let baseDirectory = global.resolvedBaseDirectory
        let patterns = try ImagePatterns.parse(imageNames)
        if let casaVersion, casaVersion.isEmpty {
            throw CommandFailure(.usage, "casa_version= needs a value (e.g. 5.4)")
        }
        let roots = DockerDefinitionSearch.roots(
            baseDirectory: baseDirectory, home: ProcessInfo.processInfo.environment["HOME"],
            builtin: DockerDefinitionSearch.builtinRoot())
        let images: [PlannedDockerImage]
        do {
            let definitions = try DockerDefinitionSearch.load(roots: roots)
            guard !definitions.isEmpty else {
                let environment = ProcessInfo.processInfo.environment["CASA_RELEASE_DOCKER_BUILTIN"] ?? ""
                let shipped =
                    environment.isEmpty
                    ? "the ones shipped with casa-release, looked for in "
                        + DockerDefinitionSearch.builtinCandidates().joined(separator: ", ")
                    : "CASA_RELEASE_DOCKER_BUILTIN=\(environment)"
                throw CommandFailure(
                    .badInput,
                    "no image definition found: none in \(roots.joined(separator: ", ")), nor \(shipped) (install casa-release's share/casa-release/docker, or set CASA_RELEASE_DOCKER_BUILTIN)"
                )
            }
            images = try DockerImagePlanner.plan(definitions, patterns: patterns, casaVersion: casaVersion)
        } catch let error as DockerDefinitionError {
            throw CommandFailure(.badInput, error.description)
        }
        let storage = DockerStorage(baseDirectory: baseDirectory)
        let buildah = try DockerTool.buildahVersion(storage, ToolSettings())
        let ledger = try global.openLedgerForWriting()
        let parameters = RunParameters(
            .dockerImages(
                DockerImagesParameters(
                    baseDirectory: baseDirectory, patterns: patterns, casaVersion: casaVersion, images: images,
                    storage: storage,
                    noHostNetwork: noHostNetwork.value, force: force.value,
                    earlierBuilds: try ledger.latestDockerBuilds(layout: storage.layout).filter { build in
                        images.contains { $0.reference == build.key }
                    })),
            commandLine: Redaction.commandLine(CommandLine.arguments))
        output.note("building \(images.map(\.reference).joined(separator: ", "))")
        try RunLauncher.start(
            .dockerImages, parameters: parameters, chosen: ChosenValues(), ledger: ledger, output: output,
            transfers: transfers, logRoot: RunLogs.root(baseDirectory), tools: ["buildah": buildah])
    }
}
