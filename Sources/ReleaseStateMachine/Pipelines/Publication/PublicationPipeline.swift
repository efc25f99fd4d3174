import Foundation

/// `publish-base-image` / `publish-user-image`: inspect an image another run made, then publish it.
public enum PublicationPipeline: ReleasePipeline {
    public static let definition =
        [StepDefinition(.inspectImage)] + Pipeline.publicationSteps.map { StepDefinition($0) }

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.systemImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.publicationIntent(for: name, in: state, started: started)
            ?? IntentPlanner.unknown(name)
    }

    /// A publication run inspects an image that another run made: it produces none.
    public static func outputs(of state: RunState) -> [ProducedImage] { [] }
}

extension StepName {
    public static let inspectImage = StepName("inspect-image")
}
