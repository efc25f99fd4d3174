import Foundation

extension IntentPlanner {
    /// The intents of `create-singularity`'s steps: convert-<name>:<tag> per image, then describe.
    static func singularityImagesIntent(
        for name: StepName, in state: RunState, started: RunStarted
    ) throws -> StepIntent {
        let parameters = try require(started.parameters.singularityImages, name, "singularity image parameters")
        if name == .describe {
            let creationTime = try require(
                started.chosen.creationTime, name, "the creation time chosen when the run started")
            let images = try parameters.images.map { conversion -> DescribeSingularityImages.ImageToDescribe in
                guard case .singularity(.converted(let image))? = state.outcome(of: conversion.stepName) else {
                    throw PlanningError.missingInput(
                        step: name, needs: "the conversion of \(conversion.image.reference)")
                }
                return .init(image: image, sidecar: .singularityFromDocker(conversion, creationTime: creationTime))
            }
            return .singularity(.describe(DescribeSingularityImages(images: images)))
        }
        guard let conversion = parameters.images.first(where: { $0.stepName == name }) else {
            throw PlanningError.unknownStep(name)
        }
        let logs = try require(started.chosen.logDirectory, name, "the run's log directory")
        let stem = String(FilePath.lastComponent(conversion.output).dropLast(4))
        let archive = parameters.archives + "/" + token(started.runID) + "/" + stem + ".tar"
        let imageIDFile = logs + "/" + stem + ".image_id"
        return .singularity(
            .convert(
                ConvertToSingularity(
                    conversion: conversion, layout: parameters.layout, archive: archive,
                    definition: logs + "/" + stem + ".def",
                    definitionText: SingularityDefinition.render(
                        archive: archive, imageIDFile: imageIDFile, conversion: conversion),
                    imageIDFile: imageIDFile, temporary: temporaryPath(for: conversion.output, runID: started.runID),
                    fakeroot: parameters.fakeroot, force: parameters.force)))
    }
}
