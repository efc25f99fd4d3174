import Testing
import ReleaseStateMachine

/// The VirtualBox base image as the core plans it: the seed's order, operator steps that wait with
/// their instructions, and confirmations whose check can put a step back to waiting.
@Suite struct VirtualBoxPlanTests {
    static let started = RunStarted(
        runID: Fixture.runID, pipeline: .virtualBoxBaseImage,
        steps: Pipeline.steps(of: .virtualBoxBaseImage, RunParameters()),
        parameters: RunParameters(
            .virtualBoxBaseImage(
                VirtualBoxBaseImageParameters(
                    baseDirectory: "/casa", iso: "/casa/lubuntu-22.04.1-desktop-amd64.iso", isoURL: nil, isoSHA256: nil,
                    imageVersion: "ubuntu-22.04", system: "ubuntu-22.04", name: "casa-system-ubuntu-22.04",
                    output: "/casa/casa-system-ubuntu-22.04.ova", disk: "/casa/casa-system-ubuntu-22.04.vdi",
                    diskSize: 131_072,
                    machine: VirtualMachineSettings(name: "casa-system-ubuntu-22.04", gui: true, timeout: 300),
                    hardware: VirtualMachineHardware(memory: 8192, videoMemory: 50, cpus: 2), force: false))),
        chosen: ChosenValues(
            imageID: "11111111-2222-4333-8444-555555555555", creationTime: "2026-01-01T00:00:00.000000+00:00",
            logDirectory: "/casa/casa-release-logs/run", machineUUID: "99999999-2222-4333-8444-555555555555"),
        host: "build", user: "release", tools: [:])

    @Test func theStepsAreTheSeedsProcedureInItsOrder() {
        let pipeline = Pipeline.definition(of: .virtualBoxBaseImage)
        #expect(
            pipeline.steps.prefix(12).map(\.name.rawValue) == [
                "check-virtualbox", "provide-iso", "create-vm", "install-ubuntu", "update-system", "set-root-password",
                "reboot-vm", "install-guest-additions", "shut-down-vm", "configure-vm", "export", "describe",
            ])
        #expect(
            pipeline.steps.filter { $0.kind == .operatorStep }.map(\.name) == [
                .installUbuntu, .updateSystem, .setRootPassword, .installGuestAdditions,
            ])
        #expect(pipeline.step(named: .installGuestAdditions)?.check == .guestAdditions)
    }

    @Test func anOperatorStepWaitsWithItsInstructionsAndACheckThatFailsPutsItBack() throws {
        var state = Fixture.state([.runStarted(Self.started), .leaseAcquired(LeaseAcquired(holder: Fixture.holder))])
        for step in [StepName.checkVirtualBox, .provideISO, .createVM] {
            state.steps[state.steps.firstIndex { $0.name == step }!].status = .succeeded
        }
        guard case .awaitOperator(let step, let instructions) = try RunPlanner.nextAction(state) else {
            Issue.record("expected the run to wait for an operator")
            return
        }
        #expect(
            step == .installUbuntu && instructions.contains("casa-system-ubuntu-22.04")
                && instructions.contains("lubuntu-22.04.1-desktop-amd64.iso"))

        let check = OperatorInstructions.check(for: .installGuestAdditions, in: state)
        #expect(check == .guestAdditions(machine: "casa-system-ubuntu-22.04"))
        #expect(OperatorInstructions.check(for: .installUbuntu, in: state) == nil)

        state = RunDecider.fold(
            try RunDecider.decide(
                .awaitOperator(.installUbuntu, instructions: instructions), state, by: Fixture.holder), from: state)
        let failed = try RunDecider.decide(
            .confirmStep(.installUbuntu, by: "ana@lab", note: "done", check: .failed("no guest additions")), state,
            by: Fixture.holder)
        #expect(
            failed == [
                .stepConfirmed(StepConfirmed(step: .installUbuntu, by: "ana@lab", note: "done")),
                .operatorCheckFailed(OperatorCheckFailed(step: .installUbuntu, reason: "no guest additions")),
            ])
        state = RunDecider.fold(failed, from: state)
        #expect(
            state.step(.installUbuntu)?.status == .awaitingOperator
                && state.step(.installUbuntu)?.detail == "the check failed: no guest additions")
        #expect(state.step(.installUbuntu)?.lastCheckFailure == "no guest additions")
        #expect(
            try RunPlanner.nextAction(state) == .waitForOperator(.installUbuntu, instructions: instructions),
            "the same instructions again")

        state = RunDecider.fold(
            try RunDecider.decide(
                .confirmStep(.installUbuntu, by: "ana@lab", note: nil, check: .passed("guest additions 7.0.14")), state,
                by: Fixture.holder), from: state)
        #expect(
            state.step(.installUbuntu)?.status == .succeeded
                && state.step(.installUbuntu)?.confirmation?.check == "guest additions 7.0.14")
        #expect(state.step(.installUbuntu)?.lastCheckFailure == nil)
        #expect(
            try RunPlanner.nextAction(state)
                == .awaitOperator(
                    .updateSystem, instructions: try OperatorInstructions.text(for: .updateSystem, in: state)))
    }

    @Test func theVMIsMadeWithTheChosenUUIDAndTheSeedsSettings() throws {
        var state = Fixture.state([.runStarted(Self.started), .leaseAcquired(LeaseAcquired(holder: Fixture.holder))])
        state.steps[0].status = .succeeded
        state.steps[1].status = .succeeded
        guard case .start(.createVM, .virtualBox(.createMachine(let create))) = try RunPlanner.nextAction(state) else {
            Issue.record("expected create-vm")
            return
        }
        #expect(
            create.uuid == "99999999-2222-4333-8444-555555555555" && create.osType == "Ubuntu_64"
                && create.controller == "casa-system-ubuntu-22.04_SATA")
        #expect(
            VirtualMachineHardware(memory: 8192, videoMemory: 50, cpus: 2).finalSettings.map(\.option) == [
                "--accelerate3d", "--cpus", "--memory", "--vram", "--rtcuseutc",
            ])
    }
}
