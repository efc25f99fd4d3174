import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `create-user-image container_type=vbox`: the install tree copied into a VM imported from the
/// run image's .ova, /casa/image_id written, the operator's step, shut down, export, describe.
@Suite struct VirtualBoxUserImageTests {
    @Test func theInstallTreeGoesIntoTheImportedVMAndOutInTheAppliance() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            let (environment, runImageID) = try workspace.prepareVirtualBoxUserImage()
            let created = try workspace.run(workspace.vboxUserImageArguments)
            #expect(created.status == 2, "the run stops at the operator's step: \(created.stderr)")
            let runID = try #require(try workspace.runIDs().first)
            #expect(try workspace.waitingStep(runID) == .setUpDesktop)
            #expect(
                created.stderr.contains("Allow Launching")
                    && created.stderr.contains("casa-release confirm \(runID) set-up-desktop"))

            // Imported once under the image's name, started headless, the guest waited for.
            #expect(
                try workspace.vboxCalls("import") == [
                    ["import", workspace.base + "/casa-run-5.4.ova", "--vsys", "0", "--vmname", "brainvisa-5.4.0"]
                ])
            #expect(try workspace.vboxCalls("startvm") == [["startvm", "brainvisa-5.4.0", "--type", "headless"]])
            #expect(
                try workspace.standInCalls("make").filter { $0.argv.contains("install-runtime") }.count == 1,
                "installed in the dev container first")

            #expect(try workspace.run(["confirm", runID, "set-up-desktop", "--note", "icons allowed"]).status == 0)
            let finished = try workspace.run(["resume", runID])
            #expect(finished.status == 0, "\(finished.stderr)")

            // The appliance holds the install tree, the image_id and the environment line.
            let state = try workspace.lastRun()
            let imageID = try #require(state.started?.chosen.imageID)
            #expect(try workspace.applianceFile(workspace.userAppliance, "casa/image_id").contains(imageID))
            #expect(
                try workspace.applianceFile(workspace.userAppliance, "casa/install/bin/bv_env")
                    == (try String(contentsOfFile: environment + "/install/bin/bv_env", encoding: .utf8)))
            #expect(
                try workspace.applianceFile(workspace.userAppliance, "home/brainvisa/.bashrc").contains("bv_env.sh"))
            let sidecar = try workspace.sidecar(workspace.userAppliance + ".json")
            #expect(sidecar["type"] == .string("user") && sidecar["container_type"] == .string("vbox"))
            #expect(sidecar["origin_run"] == .string(runImageID) && sidecar.imageID == imageID)
            guard case .virtualBox(let copied)? = state.outcome(of: .copyInstall) else {
                Issue.record("no copy recorded"); return
            }
            #expect(copied.tree?.digest == state.installedTree?.tree.sha256, "the tree install left is the tree copied")
            #expect(try workspace.vboxCalls("export").count == 1 && (try workspace.vboxCalls("import")).count == 1)
            #expect(try workspace.virtualMachines()["brainvisa-5.4.0"]?["state"] as? String == "poweroff")

            // Its chain: the environment (with the tree copied into the VM) and the run image's .ova.
            let provenance = try workspace.run(["provenance", workspace.userAppliance, "--json"])
            #expect(provenance.status == 0, "\(provenance.stderr)")
            let graph = try JSONDecoder().decode(ProvenanceGraph.self, from: Data(provenance.stdout.utf8))
            let inputs = Dictionary(
                uniqueKeysWithValues: graph.inputs(of: graph.subject).map { ($0.role, graph.node($0.to)) })
            #expect(graph.node(graph.subject)?.run?.pipeline == .virtualBoxUserImage)
            #expect(inputs["environment"]??.environment?.installTree?.sha256 == state.installedTree?.tree.sha256)
            let runSHA256 = try workspace.shell("sha256sum '\(workspace.base)/casa-run-5.4.ova' | cut -d' ' -f1")
            #expect(inputs["run-image"]??.sha256 == runSHA256 && inputs["run-image"]??.imageID == runImageID)
        }
    }

    @Test func aVMOfTheSameNameIsRefusedBeforeAnythingIsRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.prepareVirtualBoxUserImage()
            try workspace.vbox("createvm --name brainvisa-5.4.0 --register")
            let runsBefore = try workspace.runCount()
            let refused = try workspace.run(workspace.vboxUserImageArguments)
            #expect(
                refused.status == 73 && refused.stderr.contains("already has a VM named brainvisa-5.4.0"),
                "\(refused.stderr)")
            #expect(try workspace.runCount() == runsBefore && (try workspace.vboxCalls("import")).isEmpty)
        }
    }

    @Test func vboxOptionsAreRefusedForApptainerUserImages() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            let refused = try workspace.run(workspace.userImageArguments + ["gui=yes"])
            #expect(refused.status == 64 && refused.stderr.contains("gui= applies to container_type=vbox only"))
        }
    }
}

extension Workspace {
    var userAppliance: String { base + "/brainvisa-5.4.0.ova" }
    var vboxUserImageArguments: [String] { ["create-user-image", "version=5.4.0", "container_type=vbox", "upload=no"] }

    /// Base images, a master dev environment and a run .ova; the environment and the .ova's image_id.
    @discardableResult
    func prepareVirtualBoxUserImage() throws -> (environment: String, runImageID: String) {
        try makeBaseImages()
        let environment = try makeDevEnvironment()
        let imageID = try makeBaseAppliance(base + "/casa-run-5.4.ova")
        return (environment, imageID)
    }
}
