import Foundation

/// The kinds of run casa-release knows. Each is a pipeline: an ordered list of steps.
public enum PipelineKind: String, Codable, Sendable, CaseIterable {
    /// `create-base-image type=system`: resolve base, copy, describe, then optionally publish.
    case systemBaseImage = "system-base-image"
    /// `publish-base-image` / `publish-user-image`: inspect an existing image, then publish it.
    case publication = "publication"
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
}

/// One step of a pipeline: data, not code.
public struct StepDefinition: Equatable, Sendable {
    public var name: StepName
    public var kind: StepKind
    public var skipRule: SkipRule?

    public init(_ name: StepName, kind: StepKind = .automated, skipRule: SkipRule? = nil) {
        self.name = name
        self.kind = kind
        self.skipRule = skipRule
    }
}

/// A pipeline: its kind and its steps in order.
public struct Pipeline: Equatable, Sendable {
    public var kind: PipelineKind
    public var steps: [StepDefinition]

    /// The publication protocol of ARCHITECTURE.md, shared by every pipeline that publishes.
    public static let publicationSteps: [StepName] = [
        .checkTarget, .claimBuildNumber, .uploadImage, .uploadSidecar, .verifyUpload, .makeVisible, .record,
    ]

    /// The steps that put something on the target, and which a failed publication takes back.
    public static let stepsWithRemoteEffects: Set<StepName> = [
        .claimBuildNumber, .uploadImage, .uploadSidecar, .makeVisible,
    ]

    public static func definition(of kind: PipelineKind) -> Pipeline {
        switch kind {
        case .systemBaseImage:
            return Pipeline(kind: kind, steps: [
                StepDefinition(.resolveBase), StepDefinition(.copy), StepDefinition(.describe),
            ] + publicationSteps.map { StepDefinition($0, skipRule: .unlessPublishing) })
        case .publication:
            return Pipeline(kind: kind, steps: [StepDefinition(.inspectImage)] + publicationSteps.map { StepDefinition($0) })
        }
    }

    public func step(named name: StepName) -> StepDefinition? {
        steps.first { $0.name == name }
    }
}
