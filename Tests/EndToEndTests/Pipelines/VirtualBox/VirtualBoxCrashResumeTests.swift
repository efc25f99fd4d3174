import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// SIGKILL just before or just after automated effects of the VirtualBox pipelines (steps, and
/// VBoxManage calls that change something inside a step), then `resume` to the end: the image is
/// made once, with the image_id chosen at the start, and no VM and no disk is ever created twice.
/// A sample with the real kill (a step's effect found after it, a call inside a step, the one
/// effect that must be made again): every point of both pipelines is crashed in process
/// (Tests/ReleaseDriverTests/VirtualBoxCrashPointTests.swift), with the same stand-in and the same
/// expectations.
private let basePoints = ["create-vm:after", "vbox-createmedium:after", "vbox-export:after"]
private let userPoints = ["copy-install:after", "vbox-guestcontrol:after", "vbox-export:after"]

@Suite struct VirtualBoxCrashResumeTests {
    @Test(arguments: basePoints)
    func baseImageKilledThenResumed(_ failpoint: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeISO()
            let environment = ["CASA_RELEASE_FAILPOINT": failpoint]
            let created = try workspace.run(workspace.vboxBaseArguments, environment: environment)
            #expect(created.killed || created.status == 2, "\(created.stderr)")
            let runID = try #require(try workspace.runIDs().first)
            try workspace.driveToCompletion(
                runID, machine: workspace.vmName, environment: created.killed ? [:] : environment)
            try expectKilledOnce(workspace, failpoint)

            #expect(try workspace.vboxCalls("createvm").count == 1, "one VM")
            #expect(try workspace.vboxCalls("createmedium").count == 1, "one disk")
            #expect(try workspace.virtualMachines().keys.sorted() == [workspace.vmName])
            let state = try workspace.ledger().state(of: runID)
            try expectMadeOnce(workspace, state, appliance: workspace.ova, failpoint, lastCalls: ["vbox-startvm:after"])
        }
    }

    @Test(arguments: userPoints)
    func userImageKilledThenResumed(_ failpoint: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.prepareVirtualBoxUserImage()
            let environment = ["CASA_RELEASE_FAILPOINT": failpoint]
            let created = try workspace.run(workspace.vboxUserImageArguments, environment: environment)
            #expect(created.killed || created.status == 2, "\(created.stderr)")
            let runID = try #require(try workspace.lastRun().runID)
            try workspace.driveToCompletion(
                runID, machine: "brainvisa-5.4.0", environment: created.killed ? [:] : environment)
            try expectKilledOnce(workspace, failpoint)

            #expect(try workspace.vboxCalls("import").count == 1, "one VM")
            #expect(try workspace.virtualMachines().keys.sorted() == ["brainvisa-5.4.0"])
            #expect(try workspace.standInCalls("make").filter { $0.argv.contains("install-runtime") }.count == 1)
            let state = try workspace.ledger().state(of: runID)
            try expectMadeOnce(
                workspace, state, appliance: workspace.userAppliance, failpoint, lastCalls: ["vbox-import:after"])
            #expect(
                try workspace.applianceFile(workspace.userAppliance, "casa/image_id").contains(
                    state.started!.chosen.imageID!))
            #expect(try workspace.applianceFile(workspace.userAppliance, "casa/install/bin/bv_env").isEmpty == false)
        }
    }

    /// The failpoint fired: the ledger shows a takeover from a dead process.
    private func expectKilledOnce(_ workspace: Workspace, _ failpoint: String) throws {
        let runID = try #require(try workspace.lastRun().runID)
        let takeovers = try workspace.events(runID).filter { event in
            if case .leaseAcquired(let acquired) = event { return acquired.takenOverFrom != nil }
            return false
        }
        #expect(takeovers.count == 1, "killed once at \(failpoint), then taken over")
    }

    /// `lastCalls`: the failpoints just after the last call of their step, whose effect is then whole.
    private func expectMadeOnce(
        _ workspace: Workspace, _ state: RunState, appliance: String, _ failpoint: String, lastCalls: Set<String>
    ) throws {
        #expect(state.status == .completed)
        #expect(try workspace.run(["verify"]).status == 0)
        // Killed between VBoxManage export and the record of what it wrote, the export cannot tell
        // a finished file from a cut one, so it exports again; at any other point, once.
        #expect(try workspace.vboxCalls("export").count == (failpoint == "vbox-export:after" ? 2 : 1))
        #expect(
            try workspace.sidecar(appliance + ".json").imageID == state.started?.chosen.imageID,
            "the image_id chosen at the start")
        #expect(
            try workspace.files(in: workspace.base).filter { $0.hasSuffix(".part") || $0.contains(".part.") }.isEmpty,
            "no temporary file left")
        let reconciled = try workspace.events(state.runID!).compactMap { event -> StepReconciled? in
            if case .stepReconciled(let value) = event { return value }
            return nil
        }
        let parts = failpoint.split(separator: ":")
        if !parts[0].hasPrefix("vbox-") {
            #expect(
                reconciled.map(\.step) == [StepName(String(parts[0]))],
                "the interrupted step, and only it, is reconciled")
            if parts[1] == "after", parts[0] != StepName.checkVirtualBox.rawValue {
                #expect(reconciled.first?.found != nil, "the effect was found, not redone")
            }
        } else {
            // The step's last call done, its effect is whole and found; otherwise it runs again
            // and goes on where it stopped.
            let lastCallOfItsStep = lastCalls.contains(failpoint)
            #expect(reconciled.count == 1 && (reconciled[0].found == nil) != lastCallOfItsStep, "\(reconciled)")
        }
    }
}
