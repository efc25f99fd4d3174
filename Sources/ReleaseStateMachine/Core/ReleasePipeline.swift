import Foundation

/// One pipeline, as one unit: its steps for its parameters, the intent of each step from the
/// run's state, what a completed run made and from what (provenance), and what it says it made.
/// Each pipeline is one type in its folder (`Pipelines/<P>/<P>Pipeline.swift`); `PipelineKind.pipeline`
/// is the one switch that finds it. Its intents and outcomes stay cases of the closed enums
/// `StepIntent` and `StepOutcome`, whose kind strings are the ledger's format.
public protocol ReleasePipeline {
    /// The steps every run of the pipeline has, in order.
    static var definition: [StepDefinition] { get }

    /// The steps a run with `parameters` records in `RunStarted` (one per image for some).
    static func steps(for parameters: RunParameters) -> [StepName]

    /// The intent of step `name`, from the run's parameters, chosen values and earlier outcomes.
    /// Deterministic: a resumed run gets the intent an uninterrupted one had.
    static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent

    /// The images a completed run made (or fetched, imported, pushed).
    static func outputs(of state: RunState) -> [ProducedImage]

    /// What went into `output`, one of `outputs(of:)`.
    static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput]

    /// What a completed run says it made, beyond the image and the publication every pipeline
    /// reports (`RunReport`).
    static func summarize(_ state: RunState, into report: inout RunReport)
}

extension ReleasePipeline {
    /// The definition's steps; `attest-provenance` and `update-mirror` only in a publication with
    /// a signing key, so that an unsigned publication records the steps it always had.
    public static func steps(for parameters: RunParameters) -> [StepName] {
        definition.map(\.name).filter {
            ![.attestProvenance, .updateMirror].contains($0) || parameters.publication?.signingKey != nil
        }
    }

    /// The image the run described, made by it: the output of the pipelines that make one image.
    public static func outputs(of state: RunState) -> [ProducedImage] { RunProvenance.describedImage(state) }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] { [] }

    public static func summarize(_ state: RunState, into report: inout RunReport) {}
}

extension IntentPlanner {
    /// The end of every pipeline's chain of planners: a step no planner of the pipeline knows.
    static func unknown(_ name: StepName) throws -> StepIntent {
        throw PlanningError.unknownStep(name)
    }
}
