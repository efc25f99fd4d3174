import Foundation

extension IntentPlanner {
    /// The intents of `publish-docker`'s steps: check-registry, push-<name>:<tag> per image, tag.
    static func dockerPublicationIntent(
        for name: StepName, in state: RunState, started: RunStarted
    ) throws -> StepIntent {
        let publication = try require(started.parameters.dockerPublication, name, "docker publication parameters")
        switch name {
        case .checkRegistry:
            return .dockerPublication(
                .checkRegistry(
                    CheckDockerRegistry(
                        registry: publication.registry,
                        repositories: publication.images.map {
                            DockerRepositoryTags(repository: $0.repository, tags: $0.image.tags)
                        })))
        case .tagImages:
            guard case .dockerPublication(.checkedRegistry(let found))? = state.outcome(of: .checkRegistry) else {
                throw PlanningError.missingInput(step: name, needs: "the registry's tags, as check-registry read them")
            }
            return .dockerPublication(
                .moveTags(
                    MoveDockerTags(
                        registry: publication.registry, layout: publication.layout,
                        moves: try publication.images.flatMap {
                            try tagMoves($0, found: found, ledgerNumbers: publication.ledgerNumbers, step: name)
                        })))
        default:
            if let image = publication.images.first(where: { $0.signStepName == name }) {
                return .dockerPublication(
                    .sign(
                        SignDockerImage(
                            registry: publication.registry, repository: image.repository,
                            manifestDigest: image.image.manifestDigest,
                            signingKey: try require(publication.signingKey, name, "a signing key"),
                            keyID: try require(publication.signingKeyID, name, "the signing key's id"),
                            statement: started.chosen.provenanceStatements?[image.image.manifestDigest])))
            }
            guard let image = publication.images.first(where: { $0.stepName == name }) else {
                throw PlanningError.unknownStep(name)
            }
            return .dockerPublication(
                .push(
                    PushDockerImage(
                        registry: publication.registry, layout: publication.layout, repository: image.repository,
                        manifestDigest: image.image.manifestDigest,
                        blobs: [image.image.configDigest] + image.image.layers,
                        uploadsDirectory: publication.uploadsDirectory + "/" + token(started.runID))))
        }
    }

    /// One image's tags: `<tag>-<N>` for each of its tags (N above the registry's and the
    /// ledger's), then the tags themselves, each with the digest check-registry found under it.
    static func tagMoves(
        _ image: DockerImageToPush, found: [DockerRepositoryState], ledgerNumbers: [String: Int], step: StepName
    ) throws -> [DockerTagMove] {
        guard let repository = found.first(where: { $0.repository == image.repository }) else {
            throw PlanningError.missingInput(step: step, needs: "the tags of \(image.repository)")
        }
        let digest = image.image.manifestDigest
        let numbered = image.image.tags.map { tag -> DockerTagMove in
            let highest = max(
                repository.highestNumbers[tag] ?? 0, ledgerNumbers[DockerNumberedTags.key(image.repository, tag)] ?? 0)
            return DockerTagMove(
                repository: image.repository, tag: DockerNumberedTags.tag(tag, highest + 1), digest: digest,
                previous: nil, numbered: true)
        }
        let moving = image.image.tags.map { tag in
            DockerTagMove(
                repository: image.repository, tag: tag, digest: digest, previous: repository.tags[tag], numbered: false)
        }
        return numbered + moving
    }
}
