import Foundation

/// Where a step is in its lifecycle (docs/design.md, "Step lifecycle").
public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case running
    case succeeded
    case failed
    /// Started, then the process died before recording an outcome: reconcile decides.
    case indeterminate
    case skipped
    case awaitingOperator = "awaiting-operator"

    /// Done, one way or another: later steps may start.
    public var isDone: Bool { self == .succeeded || self == .skipped }
}

/// Where a run is, derived from its steps and lease.
public enum RunStatus: String, Codable, Sendable {
    case notStarted = "not-started"
    /// A process holds the run and is working on it.
    case running
    /// Nobody holds the run and it is not finished: `casa-release resume` continues it.
    case interrupted
    case failed
    case awaitingOperator = "awaiting-operator"
    case completed
}

/// One step of a run, as folded from its events.
public struct StepState: Equatable, Sendable {
    public var name: StepName
    public var kind: StepKind
    public var status: StepStatus = .pending
    /// How many times the step was started.
    public var attempts = 0
    public var intent: StepIntent?
    public var outcome: StepOutcome?
    /// The last failure reason, skip reason, reconciliation or confirmation, for people.
    public var detail: String?
    public var logPath: String?
    /// For an operator step: what the operator is asked to do.
    public var instructions: String?
    /// For a confirmed operator step: who confirmed it, with the note and the check's finding.
    public var confirmation: StepConfirmed?
    /// For an operator step waiting again: why its last confirmation's check failed.
    public var lastCheckFailure: String?
    /// The version, in the run's stream, of the event that settled the step (it succeeded, was
    /// found done, was confirmed or skipped): how a published file names the ledger event that
    /// published it.
    public var settledAtVersion: Int?

    public init(name: StepName, kind: StepKind) {
        self.name = name
        self.kind = kind
    }
}

/// A run's state: the fold of its events by `RunDecider.evolve`.
public struct RunState: Equatable, Sendable {
    public var started: RunStarted?
    public var steps: [StepState] = []
    /// How many times the run's lease was acquired: the epoch of its current holder.
    public var leaseEpoch: Int = 0
    public var lease: LeaseHolder?
    public var isCompleted = false
    /// How many events were folded: the stream version the next append expects.
    public var version = 0
    public var rollbacks: [PublicationRolledBack] = []
    /// A publication step failed for good and what it put on the target is not taken back yet
    /// (the server could not be reached): the next process rolls it back before anything else.
    public var rollbackDue = false
    /// The build numbers the ledger keeps for this run's claim (`BuildNumberReserved`), until a
    /// rollback, or the retraction of the publication, gives them back.
    public var buildNumberReservations: [Int] = []
    /// Set once a completed publication was taken back on purpose.
    public var retraction: PublicationRetracted?
    /// Set when a docker publication's tags were put back (`casa-release rollback`).
    public var dockerRetraction: DockerTagsRestored?

    public init() {}

    public static let initial = RunState()

    public var runID: String? { started?.runID }
    public var parameters: RunParameters? { started?.parameters }

    // The searches of the steps below go through their positions and read each step's field in
    // place: `steps.first(where:)`, `contains(where:)` and `firstIndex(where:)` hand their
    // closure a copy of each step they pass, every field of it retained and released (`status`
    // and `currentStep` written that way took a thirteenth of `verify`'s CPU time, and copying
    // whole steps to read an outcome a tenth: docs/benchmarks.md).

    /// The position of the step named `name` in `steps`.
    public func position(of name: StepName) -> Int? {
        for position in steps.indices where steps[position].name == name { return position }
        return nil
    }

    public func step(_ name: StepName) -> StepState? {
        position(of: name).map { steps[$0] }
    }

    public var status: RunStatus {
        if started == nil { return .notStarted }
        if isCompleted { return .completed }
        var failed = false
        for position in steps.indices {
            switch steps[position].status {
            case .awaitingOperator: return .awaitingOperator
            case .failed: failed = true
            default: break
            }
        }
        if lease != nil { return .running }
        return failed ? .failed : .interrupted
    }

    /// The first step that is not done, which is what the run is on.
    public var currentStep: StepName? {
        for position in steps.indices where !steps[position].status.isDone { return steps[position].name }
        return nil
    }

    public func outcome(of name: StepName) -> StepOutcome? {
        position(of: name).flatMap { steps[$0].outcome }
    }

    // Typed views of what earlier steps found, for the steps after them.

    public var resolvedBase: ResolvedBase? {
        if case .systemImage(.resolvedBase(let value))? = outcome(of: .resolveBase) { return value }
        return nil
    }

    /// The image this run made (describe) or was given (inspect-image).
    public var image: ImageDescription? {
        for name in [StepName.describe, .inspectImage] {
            if case .systemImage(.describedImage(let value))? = outcome(of: name) { return value }
        }
        return nil
    }

    public var loadedRecipe: LoadedRecipe? {
        if case .recipeImage(.loadedRecipe(let value))? = outcome(of: .loadRecipe) { return value }
        return nil
    }

    public var renderedDefinition: RenderedDefinition? {
        if case .recipeImage(.renderedDefinition(let value))? = outcome(of: .renderDefinition) { return value }
        return nil
    }

    public var environment: SelectedEnvironment? {
        if case .userImage(.selectedEnvironment(let value))? = outcome(of: .selectEnvironment) { return value }
        return nil
    }

    public var runImage: RunImage? {
        if case .userImage(.checkedRunImage(let value))? = outcome(of: .checkRunImage) { return value }
        return nil
    }

    public var installedTree: InstalledTree? {
        if case .userImage(.installed(let value))? = outcome(of: .install) { return value }
        return nil
    }

    public var targetCheck: TargetCheck? {
        if case .publication(.checkedTarget(let value))? = outcome(of: .checkTarget) { return value }
        return nil
    }

    /// The signed provenance the run put beside its publication.
    public var attestation: SignedAttestation? {
        if case .publication(.attestedProvenance(let value))? = outcome(of: .attestProvenance) { return value }
        return nil
    }

    public var buildNumber: Int? {
        if case .publication(.claimedBuildNumber(let value))? = outcome(of: .claimBuildNumber) {
            return value.buildNumber
        }
        return nil
    }

    /// The run's publication, as far as it went.
    public var publicationStatus: PublicationStatus? {
        guard let target = parameters?.publication?.target, position(of: .checkTarget) != nil else {
            return nil
        }
        if let upToDate = targetCheck?.upToDateBuildNumber {
            return PublicationStatus(target: target, buildNumber: upToDate, state: .upToDate)
        }
        if let retraction {
            return PublicationStatus(target: target, buildNumber: retraction.buildNumber, state: .retracted)
        }
        if step(.makeVisible)?.status == .succeeded {
            return PublicationStatus(target: target, buildNumber: buildNumber, state: .published)
        }
        if buildNumber == nil, !rollbacks.isEmpty {
            return PublicationStatus(target: target, buildNumber: nil, state: .rolledBack)
        }
        if step(.checkTarget)?.status == .skipped { return nil }
        return PublicationStatus(target: target, buildNumber: buildNumber, state: .inProgress)
    }
}

/// How far a run's publication went.
public struct PublicationStatus: Equatable, Sendable {
    public enum State: String, Sendable {
        case inProgress = "in-progress"
        case published
        case upToDate = "up-to-date"
        case rolledBack = "rolled-back"
        /// Published, then taken back with `casa-release rollback`.
        case retracted
    }

    public var target: String
    public var buildNumber: Int?
    public var state: State
}
