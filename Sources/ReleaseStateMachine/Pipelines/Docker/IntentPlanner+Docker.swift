import Foundation

extension IntentPlanner {
    /// The intents of `create-docker`'s steps: resolve-definitions, build-<name>:<tag> per image
    /// (dependencies first), tag, describe.
    static func dockerImagesIntent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        let docker = try require(started.parameters.dockerImages, name, "docker image parameters")
        switch name {
        case .resolveDefinitions:
            return .docker(
                .renderContexts(
                    RenderDockerContexts(
                        images: docker.images, directory: docker.storage.contexts + "/" + token(started.runID))))
        case .tagImages, .describe:
            let built = try docker.images.map { image -> BuiltDockerImage in
                guard case .docker(.built(let built))? = state.outcome(of: image.stepName) else {
                    throw PlanningError.missingInput(step: name, needs: "the build of \(image.reference)")
                }
                return built
            }
            let images = TagDockerImages(storage: docker.storage, images: built)
            return .docker(name == .tagImages ? .tag(images) : .describe(images))
        default:
            guard let image = docker.images.first(where: { $0.stepName == name }) else {
                throw PlanningError.unknownStep(name)
            }
            guard case .docker(.renderedContexts(let contexts))? = state.outcome(of: .resolveDefinitions),
                let context = contexts.first(where: { $0.reference == image.reference })
            else {
                throw PlanningError.missingInput(step: name, needs: "the rendered context of \(image.reference)")
            }
            return .docker(
                .build(
                    BuildDockerImage(
                        image: image, context: context, storage: docker.storage, noHostNetwork: docker.noHostNetwork,
                        earlier: docker.earlierBuilds[image.reference], force: docker.force)))
        }
    }
}
