import Foundation
import ReleaseStateMachine

/// Carries out a step's intent, or checks after a crash whether it was carried out.
/// One entry point for the shell; each step's effect lives in its own file.
public enum StepExecutors {
    /// Performs the intent's effect and returns its outcome; tools' output goes to `logPath`;
    /// `transfers` says how to reach servers, `tools` where the tools are; a claim reserves its
    /// numbers with `reserve`.
    public static func perform(
        _ intent: StepIntent, logPath: String? = nil, transfers: TransferSettings = TransferSettings(),
        tools: ToolSettings = ToolSettings(), reserve: BuildNumberReserver = { $0 }
    ) throws -> StepOutcome {
        switch intent {
        case .recipeImage(.loadRecipe(let intent)):
            return .recipeImage(.loadedRecipe(try RecipeLoader.load(intent, tools: tools)))
        case .recipeImage(.renderDefinition(let intent)):
            return .recipeImage(.renderedDefinition(try DefinitionStep.render(intent)))
        case .recipeImage(.buildImage(let intent)):
            return .recipeImage(.builtImage(try ApptainerBuildStep.build(intent, logPath: logPath, tools: tools)))
        case .userImage(.selectEnvironment(let intent)):
            return .userImage(.selectedEnvironment(try EnvironmentReader.read(intent)))
        case .userImage(.checkRunImage(let intent)):
            return .userImage(.checkedRunImage(try RunImageSelector.check(intent)))
        case .userImage(.install(let intent)):
            return .userImage(.installed(try InstallStep.perform(intent, logPath: logPath, tools: tools)))
        case .userImage(.zipInstall(let intent)): return .userImage(.zipped(try ZipStep.perform(intent)))
        case .systemImage(.resolveBase(let intent)):
            return .systemImage(.resolvedBase(try BaseResolver.resolve(intent)))
        case .systemImage(.copyImage(let intent)): return .systemImage(.copiedImage(try ImageSteps.copy(intent)))
        case .systemImage(.describeImage(let intent)):
            return .systemImage(.describedImage(try ImageSteps.describe(intent)))
        case .publication(.inspectImage(let intent)):
            return .systemImage(.describedImage(try ImageSteps.inspect(intent)))
        case .publication(.checkTarget(let intent)):
            return .publication(
                .checkedTarget(
                    try PublicationSteps.check(
                        intent, on: try PublicationTargets.open(intent.target, transfers: transfers))
                ))
        case .publication(.claimBuildNumber(let intent)):
            return .publication(
                .claimedBuildNumber(
                    try PublicationSteps.claim(
                        intent, on: try PublicationTargets.open(intent.target, transfers: transfers), reserve: reserve))
            )
        case .publication(.uploadImage(let intent)):
            return .publication(
                .transferred(
                    try PublicationSteps.uploadImage(
                        intent, to: try PublicationTargets.open(intent.target, transfers: transfers))))
        case .publication(.uploadSidecar(let intent)):
            return .publication(
                .transferred(
                    try PublicationSteps.uploadSidecar(
                        intent, to: try PublicationTargets.open(intent.target, transfers: transfers))))
        case .publication(.verifyUpload(let intent)):
            return .publication(
                .verifiedUpload(
                    try PublicationSteps.verify(
                        intent, on: try PublicationTargets.open(intent.target, transfers: transfers))))
        case .publication(.makeVisible(let intent)):
            return .publication(
                .madeVisible(
                    try PublicationSteps.makeVisible(
                        intent, on: try PublicationTargets.open(intent.target, transfers: transfers))))
        case .publication(.recordPublication(let intent)):
            return .publication(.recordedPublication(try LocalRecordStep.perform(intent)))
        case .publication(.updateMirror(let intent)):
            return .publication(
                .updatedMirror(
                    try MirrorMetadataStep.update(
                        intent, on: try PublicationTargets.open(intent.target, transfers: transfers),
                        environment: transfers.environment)))
        case .publication(.attestProvenance(let intent)):
            return .publication(
                .attestedProvenance(
                    try ProvenanceAttestation.attest(
                        intent, on: try PublicationTargets.open(intent.target, transfers: transfers),
                        environment: transfers.environment)))
        case .download(.locateDownload(let intent)):
            return .download(.locatedDownload(try ImageDownload.locate(intent, transfers: transfers)))
        case .download(.fetchImage(let intent)):
            return .download(.fetchedImage(try ImageDownload.fetch(intent, transfers: transfers)))
        case .download(.verifyDownload(let intent)):
            return .download(.verifiedDownload(try ImageDownload.verify(intent)))
        case .virtualBox(let intent):
            return .virtualBox(
                try VirtualBoxSteps.perform(intent, logPath: logPath, transfers: transfers, tools: tools))
        // Recording is the whole effect of an import: the images were read before the run started.
        case .recordImports(let intent):
            return .importedImages(ImportedImages(directory: intent.directory, images: intent.images))
        case .docker(let intent): return .docker(try DockerImageSteps.perform(intent, logPath: logPath, tools: tools))
        case .dockerPublication(let intent):
            return .dockerPublication(try DockerPublicationSteps.perform(intent, transfers: transfers))
        case .singularity(let intent):
            return .singularity(try SingularitySteps.perform(intent, logPath: logPath, tools: tools))
        }
    }

    /// Checks, without side effects on the results, whether the intent's effect is present; nil
    /// when it is not and the step must run again. Steps without lasting effects (resolve, check,
    /// verify) are simply performed again: they only read.
    public static func reconcile(
        _ intent: StepIntent, transfers: TransferSettings = TransferSettings(), tools: ToolSettings = ToolSettings()
    ) throws -> StepOutcome? {
        switch intent {
        // Steps that only read, and create-docker's other than a build, are made again: reading,
        // rendering, tagging and checking are idempotent.
        case .systemImage(.resolveBase), .publication(.inspectImage), .publication(.checkTarget),
            .publication(.verifyUpload),
            // Listing the files again writes only what the interrupted step had not written.
            .publication(.updateMirror), .recipeImage(.loadRecipe), .userImage(.selectEnvironment),
            .userImage(.checkRunImage), .download(.locateDownload),
            .docker(.renderContexts), .docker(.tag), .docker(.describe):
            return nil
        // publish-docker's steps are made again: blobs and manifests are content-addressed (a
        // push again only asks), and a tag already on the pushed digest is left as it is.
        case .dockerPublication:
            return nil
        case .docker(.build(let intent)): return DockerImageSteps.reconcileBuild(intent).map { .docker(.built($0)) }
        // Describing is made again: it hashes and writes each sidecar atomically.
        case .singularity(.describe): return nil
        case .singularity(.convert(let intent)):
            return try SingularitySteps.reconcileConvert(intent, tools: tools).map { .singularity(.converted($0)) }
        case .download(.fetchImage(let intent)):
            return ImageDownload.reconcileFetch(intent).map { .download(.fetchedImage($0)) }
        case .download(.verifyDownload(let intent)):
            return try ImageDownload.reconcileVerify(intent).map { .download(.verifiedDownload($0)) }
        case .recipeImage(.renderDefinition(let intent)):
            return try DefinitionStep.reconcile(intent).map { .recipeImage(.renderedDefinition($0)) }
        case .recipeImage(.buildImage(let intent)):
            return try ApptainerBuildStep.reconcile(intent, tools: tools).map { .recipeImage(.builtImage($0)) }
        case .userImage(.install(let intent)):
            return try InstallStep.reconcile(intent).map { .userImage(.installed($0)) }
        case .userImage(.zipInstall(let intent)):
            return try ZipStep.reconcile(intent).map { .userImage(.zipped($0)) }
        case .systemImage(.copyImage(let intent)):
            return try ImageSteps.reconcileCopy(intent).map { .systemImage(.copiedImage($0)) }
        case .systemImage(.describeImage(let intent)):
            return try ImageSteps.reconcileDescribe(intent).map { .systemImage(.describedImage($0)) }
        case .publication(.claimBuildNumber(let intent)):
            return try PublicationSteps.reconcileClaim(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers)
            ).map { .publication(.claimedBuildNumber($0)) }
        case .publication(.uploadImage(let intent)):
            return try PublicationSteps.reconcileUploadImage(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers)
            ).map { .publication(.transferred($0)) }
        case .publication(.uploadSidecar(let intent)):
            return try PublicationSteps.reconcileUploadSidecar(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers)
            ).map { .publication(.transferred($0)) }
        case .publication(.makeVisible(let intent)):
            return try PublicationSteps.reconcileMakeVisible(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers)
            ).map { .publication(.madeVisible($0)) }
        case .publication(.recordPublication(let intent)):
            return try LocalRecordStep.reconcile(intent).map { .publication(.recordedPublication($0)) }
        case .publication(.attestProvenance(let intent)):
            return try ProvenanceAttestation.reconcile(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers),
                environment: transfers.environment
            ).map { .publication(.attestedProvenance($0)) }
        case .virtualBox(let intent):
            return try VirtualBoxSteps.reconcile(intent, tools: tools).map(StepOutcome.virtualBox)
        case .recordImports(let intent):
            return .importedImages(ImportedImages(directory: intent.directory, images: intent.images))
        }
    }
}
