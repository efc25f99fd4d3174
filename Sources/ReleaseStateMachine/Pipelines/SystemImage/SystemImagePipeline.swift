import Foundation

/// `create-base-image type=system`: resolve the base, copy it, describe it, then publish when asked.
public enum SystemImagePipeline: ReleasePipeline {
    public static let definition = Pipeline.publishingWhenAsked([
        StepDefinition(.resolveBase), StepDefinition(.copy), StepDefinition(.describe),
    ])

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.systemImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.publicationIntent(for: name, in: state, started: started)
            ?? IntentPlanner.unknown(name)
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        RunProvenance.baseInputs(state)
    }
}

extension StepName {
    public static let copy = StepName("copy")
}
