import Foundation
import Hashing
import ReleaseStateMachine

/// create-singularity's steps. A conversion writes an OCI archive of the docker image and a
/// definition, and builds the `.sif` with apptainer into a hidden temporary file renamed into
/// place (`ApptainerBuildStep`, as for every other image): nothing stands under the output's
/// name unless it is complete. Reconcile asks the image for its `/casa/image_id`.
public enum SingularitySteps {
    public static func perform(
        _ intent: SingularityIntent, logPath: String?, tools: ToolSettings
    ) throws -> SingularityEffect {
        switch intent {
        case .convert(let intent): return .converted(try convert(intent, logPath: logPath, tools: tools))
        case .describe(let intent): return .described(try describe(intent))
        }
    }

    static func convert(
        _ intent: ConvertToSingularity, logPath: String?, tools: ToolSettings
    ) throws -> SingularityImage {
        let conversion = intent.conversion
        let layout = OCILayout(directory: intent.layout)
        if !intent.force, let earlier = conversion.earlier, earlier.manifestDigest == conversion.image.manifestDigest,
            isStill(earlier)
        {
            return earlier
        }
        // A file under the output's name that casa-release did not make (or that changed since
        // it made it) is somebody's: it is replaced only when asked.
        let mayReplace = intent.force || conversion.earlier.map(isStill) == true
        if !mayReplace, LocalFiles.status(conversion.output) != nil {
            throw ExecutorError(
                .cannotCreate,
                "\(conversion.output) already exists and is not the .sif casa-release last made there; add force=yes to replace it"
            )
        }
        let tool = try ContainerTool.locate(tools)
        let config = try DockerImageConfig.read(layout, manifest: conversion.image.manifestDigest)
        try LocalFiles.createDirectories(FilePath.directory(intent.archive))
        try LocalFiles.createDirectories(FilePath.directory(intent.definition))
        try LocalFiles.writeAtomically(
            Data(SingularityDefinition.imageIDFileText(conversion.imageID).utf8), to: intent.imageIDFile)
        try LocalFiles.writeAtomically(Data(intent.definitionText.utf8), to: intent.definition)
        defer { removeArchive(intent) }
        try OCIArchive.write(
            conversion.image.manifestDigest, reference: conversion.image.fullReference, from: layout,
            to: intent.archive, logPath: logPath)
        let built = try ApptainerBuildStep.build(
            buildIntent(intent, mayReplace: mayReplace), logPath: logPath, tools: tools)
        guard let status = LocalFiles.status(conversion.output) else {
            throw ExecutorError(.stepFailed, "\(conversion.output) is gone right after its build")
        }
        return image(
            intent, config: config, size: built.size, modified: status.modified, command: built.command,
            tool: tool.version())
    }

    /// Converted when the output is there and its `/casa/image_id` names this run's image_id.
    /// The archive an interrupted conversion left is removed either way.
    public static func reconcileConvert(_ intent: ConvertToSingularity, tools: ToolSettings) throws -> SingularityImage?
    {
        removeArchive(intent)
        guard let built = try ApptainerBuildStep.reconcile(buildIntent(intent, mayReplace: false), tools: tools),
            let status = LocalFiles.status(intent.conversion.output)
        else { return nil }
        let config = try DockerImageConfig.read(
            OCILayout(directory: intent.layout), manifest: intent.conversion.image.manifestDigest)
        return image(
            intent, config: config, size: built.size, modified: status.modified, command: [],
            tool: (try? ContainerTool.locate(tools))?.version() ?? "unknown")
    }

    /// Hashes every converted image and writes its sidecar, atomically. An image found up to
    /// date keeps the sidecar the run that made it wrote, which must still name it.
    static func describe(_ intent: DescribeSingularityImages) throws -> [SingularityImage] {
        try intent.images.map { item in
            var image = item.image
            let sidecarPath = image.output + ".json"
            if image.upToDateSince != nil {
                guard let sidecar = try? SidecarFile.read(sidecarPath), sidecar.imageID == image.imageID else {
                    throw ExecutorError(
                        .badInput,
                        "the sidecar \(sidecarPath) no longer names the image (image_id \(image.imageID)); run create-singularity again with force=yes"
                    )
                }
                return image
            }
            guard let status = LocalFiles.status(image.output), status.size == image.size,
                status.modified == image.modified
            else {
                throw ExecutorError(
                    .badInput,
                    "\(image.output) changed or went away after it was converted; run create-singularity again")
            }
            let digests = try FileDigests.compute(path: image.output, label: FilePath.lastComponent(image.output))
            let sidecar = item.sidecar.described(size: digests.size, md5: digests.md5, imageID: image.imageID)
            try LocalFiles.writeAtomically(Data(sidecar.rendered.utf8), to: sidecarPath)
            image.sidecar = sidecarPath
            image.md5 = digests.md5
            image.sha256 = digests.sha256
            return image
        }
    }

    /// The `.sif` under `earlier.output` is still the one recorded: same size, same modification
    /// time, and a sidecar that names its image_id.
    public static func isStill(_ earlier: SingularityImage) -> Bool {
        guard let status = LocalFiles.status(earlier.output), status.isRegular, status.size == earlier.size,
            status.modified == earlier.modified, let sidecar = try? SidecarFile.read(earlier.output + ".json")
        else { return false }
        return sidecar.imageID == earlier.imageID
    }

    private static func buildIntent(_ intent: ConvertToSingularity, mayReplace: Bool) -> BuildImageIntent {
        BuildImageIntent(
            definition: intent.definition, definitionSHA256: sha256(intent.definitionText),
            output: intent.conversion.output,
            temporary: intent.temporary, imageID: intent.conversion.imageID, force: mayReplace,
            fakeroot: intent.fakeroot, cleanup: true)
    }

    private static func image(
        _ intent: ConvertToSingularity, config: DockerImageConfig, size: Int64, modified: Int64,
        command: [String], tool: String
    ) -> SingularityImage {
        let conversion = intent.conversion
        return SingularityImage(
            dockerImage: conversion.image.fullReference, manifestDigest: conversion.image.manifestDigest,
            output: conversion.output,
            imageID: conversion.imageID, size: size, modified: modified, definition: intent.definition,
            definitionSHA256: sha256(intent.definitionText), command: command, tool: tool,
            environment: config.environment,
            entrypoint: config.entrypoint, cmd: config.cmd)
    }

    private static func removeArchive(_ intent: ConvertToSingularity) {
        try? LocalFiles.remove(intent.archive)
        try? LocalFiles.removeTree(intent.archive + ".d")
        // The run's archive directory goes once it is empty (rmdir refuses otherwise).
        rmdir(FilePath.directory(intent.archive))
    }

    private static func sha256(_ text: String) -> String { Hex.encode(SHA256.hash(data: Data(text.utf8))) }
}
