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
        case .loadRecipe(let intent): return .loadedRecipe(try RecipeLoader.load(intent))
        case .renderDefinition(let intent): return .renderedDefinition(try DefinitionStep.render(intent))
        case .buildImage(let intent):
            return .builtImage(try ApptainerBuildStep.build(intent, logPath: logPath, tools: tools))
        case .selectEnvironment(let intent): return .selectedEnvironment(try EnvironmentReader.read(intent))
        case .checkRunImage(let intent): return .checkedRunImage(try RunImageSelector.check(intent))
        case .install(let intent): return .installed(try InstallStep.perform(intent, logPath: logPath, tools: tools))
        case .zipInstall(let intent): return .zipped(try ZipStep.perform(intent))
        case .resolveBase(let intent): return .resolvedBase(try BaseResolver.resolve(intent))
        case .copyImage(let intent): return .copiedImage(try ImageSteps.copy(intent))
        case .describeImage(let intent): return .describedImage(try ImageSteps.describe(intent))
        case .inspectImage(let intent): return .describedImage(try ImageSteps.inspect(intent))
        case .checkTarget(let intent):
            return .checkedTarget(
                try PublicationSteps.check(intent, on: try PublicationTargets.open(intent.target, transfers: transfers))
            )
        case .claimBuildNumber(let intent):
            return .claimedBuildNumber(
                try PublicationSteps.claim(
                    intent, on: try PublicationTargets.open(intent.target, transfers: transfers), reserve: reserve))
        case .uploadImage(let intent):
            return .transferred(
                try PublicationSteps.uploadImage(
                    intent, to: try PublicationTargets.open(intent.target, transfers: transfers)))
        case .uploadSidecar(let intent):
            return .transferred(
                try PublicationSteps.uploadSidecar(
                    intent, to: try PublicationTargets.open(intent.target, transfers: transfers)))
        case .verifyUpload(let intent):
            return .verifiedUpload(
                try PublicationSteps.verify(
                    intent, on: try PublicationTargets.open(intent.target, transfers: transfers)))
        case .makeVisible(let intent):
            return .madeVisible(
                try PublicationSteps.makeVisible(
                    intent, on: try PublicationTargets.open(intent.target, transfers: transfers)))
        case .recordPublication(let intent): return .recordedPublication(try LocalRecordStep.perform(intent))
        case .locateDownload(let intent):
            return .locatedDownload(try ImageDownload.locate(intent, transfers: transfers))
        case .fetchImage(let intent): return .fetchedImage(try ImageDownload.fetch(intent, transfers: transfers))
        case .verifyDownload(let intent): return .verifiedDownload(try ImageDownload.verify(intent))
        case .virtualBox(let intent):
            return .virtualBox(
                try VirtualBoxSteps.perform(intent, logPath: logPath, transfers: transfers, tools: tools))
        // Recording is the whole effect of an import: the images were read before the run started.
        case .recordImports(let intent):
            return .importedImages(ImportedImages(directory: intent.directory, images: intent.images))
        case .docker(let intent): return .docker(try DockerImageSteps.perform(intent, logPath: logPath))
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
        // create-docker's steps other than a build are made again: rendering, tagging and
        // checking are idempotent.
        case .resolveBase, .inspectImage, .checkTarget, .verifyUpload, .loadRecipe, .selectEnvironment, .checkRunImage,
            .locateDownload,
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
        case .fetchImage(let intent): return ImageDownload.reconcileFetch(intent).map(StepOutcome.fetchedImage)
        case .verifyDownload(let intent):
            return try ImageDownload.reconcileVerify(intent).map(StepOutcome.verifiedDownload)
        case .renderDefinition(let intent):
            return try DefinitionStep.reconcile(intent).map(StepOutcome.renderedDefinition)
        case .buildImage(let intent):
            return try ApptainerBuildStep.reconcile(intent, tools: tools).map(StepOutcome.builtImage)
        case .install(let intent): return try InstallStep.reconcile(intent).map(StepOutcome.installed)
        case .zipInstall(let intent): return try ZipStep.reconcile(intent).map(StepOutcome.zipped)
        case .copyImage(let intent): return try ImageSteps.reconcileCopy(intent).map(StepOutcome.copiedImage)
        case .describeImage(let intent): return try ImageSteps.reconcileDescribe(intent).map(StepOutcome.describedImage)
        case .claimBuildNumber(let intent):
            return try PublicationSteps.reconcileClaim(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers)
            ).map(StepOutcome.claimedBuildNumber)
        case .uploadImage(let intent):
            return try PublicationSteps.reconcileUploadImage(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers)
            ).map(StepOutcome.transferred)
        case .uploadSidecar(let intent):
            return try PublicationSteps.reconcileUploadSidecar(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers)
            ).map(StepOutcome.transferred)
        case .makeVisible(let intent):
            return try PublicationSteps.reconcileMakeVisible(
                intent, on: try PublicationTargets.open(intent.target, transfers: transfers)
            ).map(StepOutcome.madeVisible)
        case .recordPublication(let intent):
            return try LocalRecordStep.reconcile(intent).map(StepOutcome.recordedPublication)
        case .virtualBox(let intent):
            return try VirtualBoxSteps.reconcile(intent, tools: tools).map(StepOutcome.virtualBox)
        case .recordImports(let intent):
            return .importedImages(ImportedImages(directory: intent.directory, images: intent.images))
        }
    }
}
