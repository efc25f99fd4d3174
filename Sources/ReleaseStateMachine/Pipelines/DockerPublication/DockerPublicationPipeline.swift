import Foundation

/// `publish-docker`: built images pushed to a registry by digest, then tagged.
public enum DockerPublicationPipeline: ReleasePipeline {
    /// The steps every run has; `steps(for:)` puts one push step per image in between.
    public static let definition = [StepDefinition(.checkRegistry), StepDefinition(.tagImages)]

    public static func steps(for parameters: RunParameters) -> [StepName] {
        guard let publication = parameters.dockerPublication else { return definition.map(\.name) }
        let signing = publication.signingKey != nil
        return [.checkRegistry]
            + publication.images.flatMap { signing ? [$0.stepName, $0.signStepName] : [$0.stepName] }
            + [.tagImages]
    }

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.dockerPublicationIntent(for: name, in: state, started: started)
    }

    /// Every tag the run left pointing at a pushed manifest, under the registry's name.
    public static func outputs(of state: RunState) -> [ProducedImage] {
        guard case .dockerPublication(.movedTags(let tags))? = state.outcome(of: .tagImages),
            let publication = state.parameters?.dockerPublication
        else { return [] }
        return tags.map { tag in
            let size = publication.images.first { $0.image.manifestDigest == tag.digest }?.image.size
            return ProducedImage(
                path: publication.registry.reference(tag.repository, tag.tag), imageID: nil,
                sha256: DockerDigest.hex(tag.digest), md5: nil, size: size, origin: .pushed)
        }
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        guard let sha256 = output.sha256,
            let pushed = state.parameters?.dockerPublication?.images.first(where: {
                DockerDigest.hex($0.image.manifestDigest) == sha256
            })
        else { return [] }
        return [
            ProvenanceInput(role: .pushed, name: pushed.image.fullReference, sha256: sha256, size: pushed.image.size)
        ]
    }

    public static func summarize(_ state: RunState, into report: inout RunReport) {
        guard case .dockerPublication(.movedTags(let tags))? = state.outcome(of: .tagImages),
            let registry = state.parameters?.dockerPublication?.registry
        else { return }
        for (digest, group) in Dictionary(grouping: tags, by: \.digest).sorted(by: { $0.key < $1.key }) {
            report.lines.append(
                "published \(group.map { registry.reference($0.repository, $0.tag) }.joined(separator: ", ")) \(digest)"
            )
            for tag in group { report.json["tag " + registry.reference(tag.repository, tag.tag)] = digest }
        }
    }
}

// publish-docker (with tag; the push steps are `push-<name>:<tag>`, one per image).
extension StepName {
    public static let checkRegistry = StepName("check-registry")
}
