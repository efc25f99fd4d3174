import Foundation

/// `create-base-image type=run|dev|pixi`: an Apptainer build from a recipe, then publish when asked.
public enum RecipeImagePipeline: ReleasePipeline {
    public static let definition = Pipeline.publishingWhenAsked([
        StepDefinition(.resolveBase), StepDefinition(.loadRecipe), StepDefinition(.renderDefinition),
        StepDefinition(.build), StepDefinition(.describe),
    ])

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.recipeBaseImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.systemImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.publicationIntent(for: name, in: state, started: started)
            ?? IntentPlanner.unknown(name)
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        RunProvenance.baseInputs(state)
    }
}

extension StepName {
    public static let loadRecipe = StepName("load-recipe")
    public static let build = StepName("build")
}
