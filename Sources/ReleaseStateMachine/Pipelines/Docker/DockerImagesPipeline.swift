import Foundation

/// `create-docker`: image definitions built with buildah into an OCI layout, dependencies first.
public enum DockerImagesPipeline: ReleasePipeline {
    /// The steps every run has; `steps(for:)` puts one build step per image in between.
    public static let definition = [
        StepDefinition(.resolveDefinitions), StepDefinition(.tagImages), StepDefinition(.describe),
    ]

    public static func steps(for parameters: RunParameters) -> [StepName] {
        guard let docker = parameters.dockerImages else { return definition.map(\.name) }
        return [.resolveDefinitions] + docker.images.map(\.stepName) + [.tagImages, .describe]
    }

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.dockerImagesIntent(for: name, in: state, started: started)
    }

    /// An image found up to date was made by the run named in `upToDateSince`, not this one.
    public static func outputs(of state: RunState) -> [ProducedImage] {
        guard case .docker(.described(let images))? = state.outcome(of: .describe) else { return [] }
        return images.filter { $0.upToDateSince == nil }.map {
            ProducedImage(
                path: $0.fullReference, imageID: nil, sha256: DockerDigest.hex($0.manifestDigest), md5: nil,
                size: $0.size, origin: .made)
        }
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        guard case .docker(.described(let images))? = state.outcome(of: .describe),
            let image = images.first(where: { $0.fullReference == output.path })
        else { return [] }
        return image.baseImages.map {
            ProvenanceInput(role: .base, name: $0.reference, sha256: DockerDigest.hex($0.digest))
        } + [
            ProvenanceInput(
                role: .definition, name: image.definition, path: image.definitionDirectory,
                sha256: image.contextSHA256),
            ProvenanceInput(
                role: .recipe, name: "Dockerfile", path: image.definitionDirectory, sha256: image.dockerfileSHA256),
        ]
    }

    public static func summarize(_ state: RunState, into report: inout RunReport) {
        guard case .docker(.described(let images))? = state.outcome(of: .describe) else { return }
        for image in images {
            report.lines.append(
                (image.upToDateSince.map { "\(image.fullReference) is up to date (built by run \($0))" }
                    ?? "built \(image.fullReference)")
                    + " \(image.manifestDigest), tags " + image.taggedReferences.joined(separator: ", "))
            report.json["image " + image.fullReference] = image.manifestDigest
        }
    }
}

// create-docker (with describe; the build steps are `build-<name>:<tag>`, one per image).
extension StepName {
    public static let resolveDefinitions = StepName("resolve-definitions")
    public static let tagImages = StepName("tag")
}
