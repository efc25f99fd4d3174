import Foundation

/// `create-singularity`: docker images built by create-docker converted to `.sif` files by apptainer.
public enum SingularityImagesPipeline: ReleasePipeline {
    /// The step every run has; `steps(for:)` puts one convert step per image before it.
    public static let definition = [StepDefinition(.describe)]

    public static func steps(for parameters: RunParameters) -> [StepName] {
        guard let singularity = parameters.singularityImages else { return definition.map(\.name) }
        return singularity.images.map(\.stepName) + [.describe]
    }

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.singularityImagesIntent(for: name, in: state, started: started)
    }

    /// A `.sif` found up to date was made by the run named in `upToDateSince`, not this one.
    public static func outputs(of state: RunState) -> [ProducedImage] {
        (state.singularityImages ?? []).filter { $0.upToDateSince == nil }.map {
            ProducedImage(
                path: $0.output, imageID: $0.imageID, sha256: $0.sha256, md5: $0.md5, size: $0.size, origin: .made)
        }
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        guard let image = state.singularityImages?.first(where: { $0.output == output.path }),
            let conversion = state.parameters?.singularityImages?.images.first(where: { $0.output == output.path })
        else { return [] }
        return [
            ProvenanceInput(
                role: .dockerImage, name: image.dockerImage, sha256: DockerDigest.hex(image.manifestDigest),
                size: conversion.image.size),
            ProvenanceInput(
                role: .definition, name: FilePath.lastComponent(image.definition), path: image.definition,
                sha256: image.definitionSHA256),
        ]
    }

    public static func summarize(_ state: RunState, into report: inout RunReport) {
        for image in state.singularityImages ?? [] {
            report.lines.append(
                image.upToDateSince.map {
                    "\(image.output) is up to date (made by run \($0) from \(image.dockerImage) \(image.manifestDigest))"
                }
                    ?? "created \(image.output) from \(image.dockerImage) \(image.manifestDigest) (image_id \(image.imageID), \(image.size) bytes, md5 \(image.md5 ?? "?"))"
            )
            report.json["sif " + image.output] = image.imageID
        }
    }
}
