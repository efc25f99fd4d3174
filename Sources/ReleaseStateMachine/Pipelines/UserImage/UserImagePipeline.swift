import Foundation

/// `create-user-image`: install, [zip], generate and describe from a dev environment, then
/// publish (upload) when asked.
public enum UserImagePipeline: ReleasePipeline {
    /// What every user image does first, Apptainer or VirtualBox: choose the environment and the
    /// run image, install, zip.
    public static let environmentSteps = [
        StepDefinition(.selectEnvironment), StepDefinition(.checkRunImage),
        StepDefinition(.install, skipRule: .unlessInstalling),
        StepDefinition(.zip, skipRule: .unlessZipping),
    ]

    public static let definition = Pipeline.publishingWhenAsked(
        environmentSteps + [
            StepDefinition(.renderDefinition, skipRule: .unlessGenerating),
            StepDefinition(.generate, skipRule: .unlessGenerating),
            StepDefinition(.describe, skipRule: .unlessGenerating),
        ])

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.userImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.systemImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.publicationIntent(for: name, in: state, started: started)
            ?? IntentPlanner.unknown(name)
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        RunProvenance.environmentInputs(state)
    }
}

extension StepName {
    public static let selectEnvironment = StepName("select-environment")
    public static let checkRunImage = StepName("check-run-image")
    public static let install = StepName("install")
    public static let zip = StepName("zip")
    public static let generate = StepName("generate")
}
