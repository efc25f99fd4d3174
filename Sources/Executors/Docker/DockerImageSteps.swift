import Foundation
import ReleaseStateMachine

/// create-docker's steps: render the contexts, build each image with buildah into the OCI
/// layout, tag, describe. Every one of them can run again after a kill: a context is rendered
/// anew, a build with `--timestamp 0` gives the same digests, tagging and checking change
/// nothing twice.
public enum DockerImageSteps {
    public static func perform(_ intent: DockerIntent, logPath: String?, tools: ToolSettings) throws -> DockerEffect {
        switch intent {
        case .renderContexts(let intent): return .renderedContexts(try renderContexts(intent))
        case .build(let intent): return .built(try build(intent, logPath: logPath, tools: tools))
        case .tag(let intent): return .tagged(try tag(intent, logPath: logPath, tools: tools))
        case .describe(let intent): return .described(try describe(intent))
        }
    }

    static func renderContexts(_ intent: RenderDockerContexts) throws -> [RenderedDockerContext] {
        try intent.images.map { image in
            try DockerContext.render(
                image, into: RenderDockerContexts.contextDirectory(intent.directory, image.reference),
                definitionFile: image.directory + "/" + DockerDefinitionSearch.fileName)
        }
    }

    static func build(_ intent: BuildDockerImage, logPath: String?, tools: ToolSettings) throws -> BuiltDockerImage {
        // The context must be what resolve-definitions rendered and recorded.
        guard LocalFiles.isDirectory(intent.context.directory),
            try DockerContext.digest(of: intent.context.directory) == intent.context.contextSHA256
        else {
            throw ExecutorError(
                .badInput,
                "the build context \(intent.context.directory) changed since it was rendered; start a new run")
        }
        let buildah = try Buildah.locate(intent.storage, tools)
        let layout = OCILayout(directory: intent.storage.layout)
        let reference = intent.fullReference

        if !intent.force, let earlier = intent.earlier, isUpToDate(earlier, intent, buildah: buildah, layout: layout) {
            return earlier
        }

        var bud = [
            "bud", "--isolation", "chroot", "--timestamp", "0", "--pull=missing", "--format", "oci", "--tag", reference,
        ]
        if !intent.noHostNetwork { bud += ["--network", "host"] }
        bud += ["--file", intent.context.directory + "/Dockerfile", intent.context.directory]
        try buildah.run(bud, logPath: logPath, what: "the build of \(intent.image.reference)")
        let bases = try baseImages(intent.context.baseImages, buildah: buildah, layout: layout)
        // Uncompressed layers (-D): their digests depend only on the files, so the same inputs
        // give the same manifest digest on every host.
        try buildah.run(
            ["push", "-D", reference, "oci:" + intent.storage.layout + ":" + reference], logPath: logPath,
            what: "the copy of \(intent.image.reference) into \(intent.storage.layout)")
        guard let digest = try layout.digest(of: reference) else {
            throw ExecutorError(.stepFailed, "buildah push left no \(reference) in \(intent.storage.layout)")
        }
        let contents = try layout.contents(of: digest)
        let built = BuiltDockerImage(
            reference: intent.image.reference, tags: intent.image.tags, visibility: intent.image.visibility,
            manifestDigest: digest, configDigest: contents.config, layers: contents.layers, size: contents.size,
            definition: intent.image.definition, definitionDirectory: intent.image.directory,
            contextSHA256: intent.context.contextSHA256, dockerfileSHA256: intent.context.dockerfileSHA256,
            parameters: intent.image.parameters, baseImages: bases, builder: try buildah.version())
        // What reconcile finds if the process dies before the success is recorded.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try LocalFiles.writeAtomically(try encoder.encode(built), to: builtMarker(intent))
        return built
    }

    /// Whether `earlier` was built from this build's inputs (context, Dockerfile, parameters, base
    /// images by digest as they are now), and the layout still holds it.
    static func isUpToDate(
        _ earlier: BuiltDockerImage, _ intent: BuildDockerImage, buildah: Buildah, layout: OCILayout
    ) -> Bool {
        guard earlier.contextSHA256 == intent.context.contextSHA256,
            earlier.dockerfileSHA256 == intent.context.dockerfileSHA256,
            earlier.parameters == intent.image.parameters,
            let bases = try? baseImages(intent.context.baseImages, buildah: buildah, layout: layout),
            bases == earlier.baseImages,
            (try? layout.digest(of: intent.fullReference)) == earlier.manifestDigest,
            (try? layout.contents(of: earlier.manifestDigest)) != nil
        else { return false }
        return true
    }

    /// Beside the run's rendered context: what its build made.
    static func builtMarker(_ intent: BuildDockerImage) -> String { intent.context.directory + ".built.json" }

    /// The build this run made, when its marker is there and the layout still holds its manifest
    /// under the reference; nil otherwise (the build is made again, to the same digest).
    public static func reconcileBuild(_ intent: BuildDockerImage) -> BuiltDockerImage? {
        guard let data = FileManager.default.contents(atPath: builtMarker(intent)),
            let built = try? JSONDecoder().decode(BuiltDockerImage.self, from: data),
            built.reference == intent.image.reference, built.contextSHA256 == intent.context.contextSHA256
        else { return nil }
        let layout = OCILayout(directory: intent.storage.layout)
        guard (try? layout.digest(of: intent.fullReference)) == built.manifestDigest,
            (try? layout.contents(of: built.manifestDigest)) != nil
        else { return nil }
        return built
    }

    /// The Dockerfile's base images by digest: the layout's when create-docker built them (so that
    /// provenance links them to their own run), else buildah's storage.
    static func baseImages(_ references: [String], buildah: Buildah, layout: OCILayout) throws -> [DockerBaseImage] {
        try references.map { reference in
            let inLayout = try layout.digest(of: reference) ?? layout.digest(of: DockerReference.namespace + reference)
            guard let digest = inLayout ?? buildah.digest(of: reference) else {
                throw ExecutorError(
                    .badInput, "the base image \(reference) is not in buildah's storage (\(buildah.storage.root))")
            }
            return DockerBaseImage(reference: reference, digest: digest)
        }
    }

    static func tag(_ intent: TagDockerImages, logPath: String?, tools: ToolSettings) throws -> [BuiltDockerImage] {
        let buildah = try Buildah.locate(intent.storage, tools)
        let layout = OCILayout(directory: intent.storage.layout)
        for image in intent.images {
            for reference in image.taggedReferences {
                try layout.tag(reference, image.manifestDigest)
                if reference != image.fullReference {
                    try buildah.run(
                        ["tag", image.fullReference, reference], logPath: logPath, what: "tagging \(reference)")
                }
            }
        }
        return intent.images
    }

    /// Every tag of every image names the built manifest in the layout, and every blob is there
    /// and matches its digest.
    static func describe(_ intent: TagDockerImages) throws -> [BuiltDockerImage] {
        let layout = OCILayout(directory: intent.storage.layout)
        for image in intent.images {
            for reference in image.taggedReferences where try layout.digest(of: reference) != image.manifestDigest {
                throw ExecutorError(
                    .badInput, "\(reference) in \(intent.storage.layout) is no longer \(image.manifestDigest)")
            }
            let contents = try layout.contents(of: image.manifestDigest)
            for digest in [contents.config] + contents.layers { try layout.checkBlob(digest) }
        }
        return intent.images
    }
}
