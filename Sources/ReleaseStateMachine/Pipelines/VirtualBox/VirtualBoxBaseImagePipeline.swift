import Foundation

/// `create-base-image type=system container_type=vbox`: the seed's ten-step VirtualBox procedure,
/// then export, describe, and publish when asked.
public enum VirtualBoxBaseImagePipeline: ReleasePipeline {
    /// The seed's procedure, steps 1 to 10, in its order (docs/design.md).
    public static let definition = Pipeline.publishingWhenAsked([
        StepDefinition(.checkVirtualBox), StepDefinition(.provideISO), StepDefinition(.createVM),
        .byOperator(.installUbuntu), .byOperator(.updateSystem), .byOperator(.setRootPassword),
        StepDefinition(.rebootVM), .byOperator(.installGuestAdditions, check: .guestAdditions),
        StepDefinition(.shutDownVM), StepDefinition(.configureVM),
        StepDefinition(.export), StepDefinition(.describe),
    ])

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.virtualBoxBaseImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.systemImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.publicationIntent(for: name, in: state, started: started)
            ?? IntentPlanner.unknown(name)
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        guard case .virtualBox(let effect)? = state.outcome(of: .provideISO), let iso = effect.file else { return [] }
        return [
            ProvenanceInput(
                role: .iso, name: FilePath.lastComponent(iso.path), path: iso.path, url: iso.url, sha256: iso.sha256,
                size: iso.size)
        ]
    }
}

// The seed's procedure (the operator steps are done by hand in the VM).
extension StepName {
    public static let checkVirtualBox = StepName("check-virtualbox")
    public static let provideISO = StepName("provide-iso")
    public static let createVM = StepName("create-vm")
    public static let installUbuntu = StepName("install-ubuntu")
    public static let updateSystem = StepName("update-system")
    public static let setRootPassword = StepName("set-root-password")
    public static let rebootVM = StepName("reboot-vm")
    public static let installGuestAdditions = StepName("install-guest-additions")
    public static let shutDownVM = StepName("shut-down-vm")
    public static let configureVM = StepName("configure-vm")
    public static let export = StepName("export")
}
