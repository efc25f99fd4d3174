import Foundation

/// `create-user-image container_type=vbox`: the install tree copied into a VM imported from the
/// run image's .ova, exported again, then published when asked.
public enum VirtualBoxUserImagePipeline: ReleasePipeline {
    private static let vm: [StepName] = [.checkVirtualBox, .importVM, .startVM, .copyInstall, .writeImageID]

    public static let definition = Pipeline.publishingWhenAsked(
        UserImagePipeline.environmentSteps + vm.map { StepDefinition($0, skipRule: .unlessGenerating) } + [
            .byOperator(.setUpDesktop, skipRule: .unlessGenerating),
            StepDefinition(.shutDownVM, skipRule: .unlessGenerating),
            StepDefinition(.export, skipRule: .unlessGenerating),
            StepDefinition(.describe, skipRule: .unlessGenerating),
        ])

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        // Its VM steps, then every step it shares with an Apptainer user image.
        try IntentPlanner.virtualBoxUserImageIntent(for: name, in: state, started: started)
            ?? UserImagePipeline.intent(for: name, in: state, started: started)
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        RunProvenance.environmentInputs(state)
    }
}

// VirtualBox user images (with check-virtualbox, shut-down-vm and export).
extension StepName {
    public static let importVM = StepName("import-vm")
    public static let startVM = StepName("start-vm")
    public static let copyInstall = StepName("copy-install")
    public static let writeImageID = StepName("write-image-id")
    public static let setUpDesktop = StepName("set-up-desktop")
}
