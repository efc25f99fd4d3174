import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
import TestSupport

/// The seed's VirtualBox procedure stops at each step done by hand: the driver records that the
/// step waits and says how to confirm it; `resume` on a terminal asks instead, and a check that
/// fails puts the step back to waiting.
@Suite struct OperatorStepTests {
    /// A VirtualBox base image run whose VM steps are scripted (VBoxManage cannot run here).
    func virtualBoxRun(_ workspace: DriverWorkspace) throws -> String {
        let runID = UUID().uuidString.lowercased()
        let parameters = RunParameters(
            .virtualBoxBaseImage(
                VirtualBoxBaseImageParameters(
                    baseDirectory: workspace.base, iso: workspace.base + "/ubuntu.iso", isoURL: nil, isoSHA256: nil,
                    imageVersion: "ubuntu-24.04", system: "ubuntu-24.04", name: "casa-system-ubuntu-24.04",
                    output: workspace.base + "/casa-system-ubuntu-24.04.ova", disk: workspace.base + "/disk.vdi",
                    diskSize: 1024,
                    machine: VirtualMachineSettings(name: "casa-system-ubuntu-24.04", gui: false, timeout: 1),
                    hardware: VirtualMachineHardware(memory: 1024, videoMemory: 16, cpus: 1), force: false)))
        let started = RunStarted(
            runID: runID, pipeline: .virtualBoxBaseImage, steps: Pipeline.steps(of: .virtualBoxBaseImage, parameters),
            parameters: parameters,
            chosen: ChosenValues(
                imageID: "11111111-2222-4333-8444-555555555555", creationTime: "2026-12-05T00:00:00.000000+00:00",
                logDirectory: workspace.root + "/logs", machineUUID: "22222222-3333-4444-8555-666666666666"),
            host: FakeProcesses.host, user: "release", tools: [:])
        try workspace.ledger().execute(.start(started), run: runID, by: nil, actor: "release@h", at: Date())
        return runID
    }

    func scriptedVirtualBox() -> RecordingEffects {
        let effects = RecordingEffects()
        effects.scripted = { intent in
            if case .virtualBox = intent { return .virtualBox(VirtualBoxEffect(machine: "casa-system-ubuntu-24.04")) }
            return nil
        }
        return effects
    }

    @Test func anOperatorStepIsRecordedAsWaitingAndItsConfirmCommandSaid() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try virtualBoxRun(workspace)
            let effects = scriptedVirtualBox()
            let reporter = LinesReporter()

            let ending = try workspace.driver(runID, effects: effects, reporter: reporter).drive()

            #expect(ending == .awaitingOperator(.installUbuntu))
            #expect(effects.stepCalls == ["perform virtualbox", "perform virtualbox", "perform virtualbox"])
            #expect(try workspace.ledger().state(of: runID).step(.installUbuntu)?.status == .awaitingOperator)
            #expect(
                reporter.notes.last?.hasSuffix("when it is done: casa-release confirm \(runID) install-ubuntu") == true)
            #expect(reporter.questions == [], "nobody is asked by the command that starts the run")
        }
    }

    @Test func resumeAtATerminalAsksAndGoesOnUntilTheAnswerIsNo() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try virtualBoxRun(workspace)
            _ = try workspace.driver(runID, effects: scriptedVirtualBox()).drive()

            let reporter = LinesReporter()
            reporter.answers = [true, false]
            var driver = try workspace.driver(runID, effects: scriptedVirtualBox(), reporter: reporter)
            driver.asksOperator = true
            #expect(try driver.drive() == .awaitingOperator(.updateSystem))

            #expect(
                reporter.questions == ["Is step install-ubuntu done? [y/N] ", "Is step update-system done? [y/N] "])
            let state = try workspace.ledger().state(of: runID)
            #expect(state.step(.installUbuntu)?.status == .succeeded)
            #expect(state.step(.installUbuntu)?.confirmation?.by == "release@\(FakeProcesses.host)")
            #expect(state.step(.updateSystem)?.status == .awaitingOperator)
        }
    }

    @Test func aFailedCheckPutsTheStepBackToWaitingWithTheReason() async throws {
        try await onItsOwnThread {
            let workspace = try DriverWorkspace()
            let runID = try virtualBoxRun(workspace)
            let reporter = LinesReporter()
            // Every operator step is confirmed at the terminal; the guest additions' check fails.
            reporter.answers = [true, true, true, true]
            let effects = scriptedVirtualBox()
            effects.verdicts = [.failed("no guest additions in the VM")]
            var driver = try workspace.driver(runID, effects: effects, reporter: reporter)
            driver.asksOperator = true

            #expect(try driver.drive() == .awaitingOperator(.installGuestAdditions))

            #expect(effects.count("check") == 1)
            #expect(
                reporter.notes.contains(
                    "the check of step install-guest-additions failed: no guest additions in the VM"))
            let state = try workspace.ledger().state(of: runID)
            #expect(state.step(.installGuestAdditions)?.status == .awaitingOperator)
            #expect(state.step(.installGuestAdditions)?.lastCheckFailure == "no guest additions in the VM")
            #expect(try workspace.eventKinds(runID).contains("OperatorCheckFailed"))
        }
    }
}
