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
        .checkTarget, .claimBuildNumber, .uploadImage, .uploadSidecar, .verifyUpload, .makeVisible, .record,
    ]

    /// The steps that put something on the target, and which a failed publication takes back.
    public static let stepsWithRemoteEffects: Set<StepName> = [
        .claimBuildNumber, .uploadImage, .uploadSidecar, .makeVisible,
    ]

    /// Whether a failure of `step` of kind `kind` calls for taking the publication back. A
    /// temporary failure (a server gone, a connection lost) does not: the claim and the partial
    /// upload are kept, hidden, so that `resume` goes on from them with the same N.
    public static func failureRollsBack(_ step: StepName, kind: FailureKind) -> Bool {
        (stepsWithRemoteEffects.contains(step) || step == .verifyUpload) && kind != .temporary
    }

    public static func definition(of kind: PipelineKind) -> Pipeline {
        switch kind {
        case .systemBaseImage:
            return Pipeline(
                kind: kind,
                steps: [
                    StepDefinition(.resolveBase), StepDefinition(.copy), StepDefinition(.describe),
                ] + publicationSteps.map { StepDefinition($0, skipRule: .unlessPublishing) })
        case .publication:
            return Pipeline(
                kind: kind, steps: [StepDefinition(.inspectImage)] + publicationSteps.map { StepDefinition($0) })
        case .recipeBaseImage:
            return Pipeline(
                kind: kind,
                steps: [
                    StepDefinition(.resolveBase), StepDefinition(.loadRecipe), StepDefinition(.renderDefinition),
                    StepDefinition(.build), StepDefinition(.describe),
                ] + publicationSteps.map { StepDefinition($0, skipRule: .unlessPublishing) })
        case .userImage:
            return Pipeline(
                kind: kind,
                steps: [
                    StepDefinition(.selectEnvironment), StepDefinition(.checkRunImage),
                    StepDefinition(.install, skipRule: .unlessInstalling),
                    StepDefinition(.zip, skipRule: .unlessZipping),
                    StepDefinition(.renderDefinition, skipRule: .unlessGenerating),
                    StepDefinition(.generate, skipRule: .unlessGenerating),
                    StepDefinition(.describe, skipRule: .unlessGenerating),
                ] + publicationSteps.map { StepDefinition($0, skipRule: .unlessPublishing) })
        case .downloadImage:
            return Pipeline(
                kind: kind, steps: [StepDefinition(.locate), StepDefinition(.fetch), StepDefinition(.verify)])
        case .virtualBoxBaseImage:
            // The seed's procedure, steps 1 to 10, in its order.
            return Pipeline(
                kind: kind,
                steps: [
                    StepDefinition(.checkVirtualBox), StepDefinition(.provideISO), StepDefinition(.createVM),
                    .byOperator(.installUbuntu), .byOperator(.updateSystem), .byOperator(.setRootPassword),
                    StepDefinition(.rebootVM), .byOperator(.installGuestAdditions, check: .guestAdditions),
                    StepDefinition(.shutDownVM), StepDefinition(.configureVM),
                    StepDefinition(.export), StepDefinition(.describe),
                ] + publicationSteps.map { StepDefinition($0, skipRule: .unlessPublishing) })
        case .virtualBoxUserImage:
            let vm: [StepName] = [.checkVirtualBox, .importVM, .startVM, .copyInstall, .writeImageID]
            return Pipeline(
                kind: kind,
                steps: [
                    StepDefinition(.selectEnvironment), StepDefinition(.checkRunImage),
                    StepDefinition(.install, skipRule: .unlessInstalling),
                    StepDefinition(.zip, skipRule: .unlessZipping),
                ] + vm.map { StepDefinition($0, skipRule: .unlessGenerating) } + [
                    .byOperator(.setUpDesktop, skipRule: .unlessGenerating),
                    StepDefinition(.shutDownVM, skipRule: .unlessGenerating),
                    StepDefinition(.export, skipRule: .unlessGenerating),
                    StepDefinition(.describe, skipRule: .unlessGenerating),
                ] + publicationSteps.map { StepDefinition($0, skipRule: .unlessPublishing) })
        case .importImages:
            return Pipeline(kind: kind, steps: [StepDefinition(.recordImports)])
        case .dockerImages:
            // The steps every run has; `steps(of:)` puts one build step per image in between.
            return Pipeline(
                kind: kind,
                steps: [StepDefinition(.resolveDefinitions), StepDefinition(.tagImages), StepDefinition(.describe)])
        case .dockerPublication:
            // The steps every run has; `steps(of:)` puts one push step per image in between.
            return Pipeline(kind: kind, steps: [StepDefinition(.checkRegistry), StepDefinition(.tagImages)])
        case .singularityImages:
            // The step every run has; `steps(of:)` puts one convert step per image before it.
            return Pipeline(kind: kind, steps: [StepDefinition(.describe)])
        }
    }

    /// The steps a run of `kind` with `parameters` records in `RunStarted`: the pipeline's, with
    /// create-docker's build steps (one per planned image) after resolve-definitions, and
    /// publish-docker's push steps (one per image) after check-registry, and
    /// create-singularity's convert steps (one per image) before describe.
    public static func steps(of kind: PipelineKind, _ parameters: RunParameters) -> [StepName] {
        let names = definition(of: kind).steps.map(\.name)
        if kind == .dockerImages, let docker = parameters.dockerImages {
            return [.resolveDefinitions] + docker.images.map(\.stepName) + [.tagImages, .describe]
        }
        if kind == .dockerPublication, let publication = parameters.dockerPublication {
            return [.checkRegistry] + publication.images.map(\.stepName) + [.tagImages]
        }
        if kind == .singularityImages, let singularity = parameters.singularityImages {
            return singularity.images.map(\.stepName) + [.describe]
        }
        return names
    }

    public func step(named name: StepName) -> StepDefinition? {
        steps.first { $0.name == name }
    }
}
