import Foundation

/// The kinds of run casa-release knows. Each is a pipeline: an ordered list of steps.
public enum PipelineKind: String, Codable, Sendable, CaseIterable {
    /// `create-base-image type=system`: resolve base, copy, describe, then optionally publish.
    case systemBaseImage = "system-base-image"
    /// `publish-base-image` / `publish-user-image`: inspect an existing image, then publish it.
    case publication = "publication"
    /// `create-base-image type=run|dev|pixi`: an Apptainer build from a recipe.
    case recipeBaseImage = "recipe-base-image"
    /// `create-user-image`: install, [zip], generate, describe, [upload] from a dev environment.
    case userImage = "user-image"
    /// `download-image`: locate an image on a server, fetch it (resumable), verify it.
    case downloadImage = "download-image"
    /// `create-base-image type=system container_type=vbox`: the seed's ten-step VirtualBox procedure,
    /// then export, describe and optionally publish.
    case virtualBoxBaseImage = "vbox-base-image"
    /// `create-user-image container_type=vbox`: the install tree copied into a VM imported from the
    /// run image's .ova, exported again.
    case virtualBoxUserImage = "vbox-user-image"
    /// `casa-release import DIR`: images made before casa-release, recorded with their sidecars'
    /// links, so that provenance chains reach them. One step, recorded in one transaction.
    case importImages = "import-images"
    /// `create-docker`: image definitions built with buildah into an OCI layout, dependencies
    /// first; the run's own steps list names one build step per image.
    case dockerImages = "docker-images"
    /// `publish-docker`: built images pushed to a registry by digest, then tagged; the run's own
    /// steps list names one push step per image.
    case dockerPublication = "docker-publication"
    /// `create-singularity`: docker images built by create-docker converted to `.sif` files by
    /// apptainer; the run's own steps list names one convert step per image.
    case singularityImages = "singularity-images"

    /// The pipeline's unit: the one switch over pipelines in this module.
    public var pipeline: any ReleasePipeline.Type {
        switch self {
        case .systemBaseImage: return SystemImagePipeline.self
        case .publication: return PublicationPipeline.self
        case .recipeBaseImage: return RecipeImagePipeline.self
        case .userImage: return UserImagePipeline.self
        case .downloadImage: return DownloadPipeline.self
        case .virtualBoxBaseImage: return VirtualBoxBaseImagePipeline.self
        case .virtualBoxUserImage: return VirtualBoxUserImagePipeline.self
        case .importImages: return ImportPipeline.self
        case .dockerImages: return DockerImagesPipeline.self
        case .dockerPublication: return DockerPublicationPipeline.self
        case .singularityImages: return SingularityImagesPipeline.self
        }
    }
}

/// Who carries a step out.
public enum StepKind: String, Codable, Sendable {
    case automated
    /// A step a person does by hand and confirms with `casa-release confirm`.
    case operatorStep = "operator"
}

/// When parameters skip a step (`publish=no` skips the publication steps).
public enum SkipRule: String, Codable, Sendable {
    case unlessPublishing = "publish=no"
    case unlessInstalling = "install=no"
    case unlessZipping = "zip=no"
    case unlessGenerating = "generate=no"

    /// Why `parameters` skip a step under this rule, or nil when they do not.
    public func reason(_ parameters: RunParameters) -> String? {
        let user = parameters.userImage
        switch self {
        case .unlessPublishing:
            guard parameters.publication == nil else { return nil }
            guard let user else { return "publish=no" }
            return user.generate ? "upload=no" : "generate=no: there is no new image to upload"
        case .unlessInstalling:
            guard let user else { return nil }
            if user.isPixi {
                return "pixi user images are installed by pixi inside the image during generate ("
                    + (user.install ? "install=yes: monolithic)" : "install=no: modular)")
            }
            return user.install ? nil : "install=no"
        case .unlessZipping:
            return user?.zip == true ? nil : "zip=no"
        case .unlessGenerating:
            return user?.generate == false ? "generate=no" : nil
        }
    }
}

/// A check that verifies an operator step after the fact, when the operator confirms it.
public enum OperatorCheckKind: String, Codable, Sendable {
    /// `VBoxManage guestproperty get VM /VirtualBox/GuestAdd/Version` has a value.
    case guestAdditions = "guest-additions"
}

/// One step of a pipeline: data, not code.
public struct StepDefinition: Equatable, Sendable {
    public var name: StepName
    public var kind: StepKind
    public var skipRule: SkipRule?
    /// For an operator step: what checks the operator's confirmation, if anything can.
    public var check: OperatorCheckKind?

    public init(
        _ name: StepName, kind: StepKind = .automated, skipRule: SkipRule? = nil, check: OperatorCheckKind? = nil
    ) {
        self.name = name
        self.kind = kind
        self.skipRule = skipRule
        self.check = check
    }

    static func byOperator(
        _ name: StepName, skipRule: SkipRule? = nil, check: OperatorCheckKind? = nil
    ) -> StepDefinition {
        StepDefinition(name, kind: .operatorStep, skipRule: skipRule, check: check)
    }
}

/// A pipeline: its kind and its steps in order.
public struct Pipeline: Equatable, Sendable {
    public var kind: PipelineKind
    public var steps: [StepDefinition]

    /// The publication protocol of docs/design.md, shared by every pipeline that publishes.
    public static let publicationSteps: [StepName] = [
        .checkTarget, .claimBuildNumber, .uploadImage, .uploadSidecar, .attestProvenance, .verifyUpload, .makeVisible,
        .updateMirror, .record,
    ]

    /// The steps that put something on the target, and which a failed publication takes back.
    public static let stepsWithRemoteEffects: Set<StepName> = [
        .claimBuildNumber, .uploadImage, .uploadSidecar, .attestProvenance, .makeVisible,
    ]

    /// Whether a failure of `step` of kind `kind` calls for taking the publication back. A
    /// temporary failure (a server gone, a connection lost) does not: the claim and the partial
    /// upload are kept, hidden, so that `resume` goes on from them with the same N.
    public static func failureRollsBack(_ step: StepName, kind: FailureKind) -> Bool {
        (stepsWithRemoteEffects.contains(step) || step == .verifyUpload) && kind != .temporary
    }

    public static func definition(of kind: PipelineKind) -> Pipeline {
        Pipeline(kind: kind, steps: kind.pipeline.definition)
    }

    /// The steps a run of `kind` with `parameters` records in `RunStarted`: the pipeline's, with
    /// one step per image where the pipeline has them (create-docker's builds, publish-docker's
    /// pushes, create-singularity's conversions).
    public static func steps(of kind: PipelineKind, _ parameters: RunParameters) -> [StepName] {
        kind.pipeline.steps(for: parameters)
    }

    /// The steps of an image pipeline that publishes when asked: its own, then the publication
    /// protocol's, skipped with `publish=no`.
    public static func publishingWhenAsked(_ steps: [StepDefinition]) -> [StepDefinition] {
        steps + publicationSteps.map { StepDefinition($0, skipRule: .unlessPublishing) }
    }

    public func step(named name: StepName) -> StepDefinition? {
        steps.first { $0.name == name }
    }
}
