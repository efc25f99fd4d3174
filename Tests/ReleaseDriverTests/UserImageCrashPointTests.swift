import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
@testable import TestSupport

/// A user image made from a dev environment, in process, with the apptainer stand-in (and its
/// `make`): crashed just before or just after each step's effect then resumed by another process,
/// or failed at each step then resumed. The run completes with the image_id chosen at its start;
/// nothing is installed or built twice. The binary keeps a SIGKILL sample of these
/// (`BuildCrashResumeTests`, `BuildStepFailureTests`).
let userImageSteps: [StepName] = [
    .selectEnvironment, .checkRunImage, .install, .zip, .renderDefinition, .generate, .describe,
]

@Suite struct UserImageCrashPointTests {
    @Test(arguments: DriverCrashPoint.beforeAndAfter(userImageSteps))
    func crashedThenResumedByAnotherProcess(_ point: DriverCrashPoint) async throws {
        try await onItsOwnThread {
            let user = try UserImageWorkspace()
            let workspace = user.workspace
            let buildsBefore = try user.recipe.builds()
            let runID = try workspace.startRun(.userImage, user.parameters(virtualBox: false))
            try workspace.crashThenResume(
                runID, at: point, lasting: [.renderDefinition, .generate, .install, .zip, .describe],
                effects: user.recipe.effects)
            try user.expectMadeOnce(runID, buildsBefore: buildsBefore)
            #expect(
                try workspace.files(in: workspace.base).filter { $0.hasSuffix(".part") || $0.hasSuffix(".tmp") }
                    .isEmpty,
                "no temporary file left")
        }
    }

    @Test(arguments: userImageSteps)
    func aFailedStepIsRecordedAndResumeCompletes(_ step: StepName) async throws {
        try await onItsOwnThread {
            let user = try UserImageWorkspace()
            let workspace = user.workspace
            let buildsBefore = try user.recipe.builds()
            let runID = try workspace.startRun(.userImage, user.parameters(virtualBox: false))
            let hooks = Failpoints()
            hooks.failures[step] = ExecutorError(.stepFailed, "failpoint \(step):fail")
            let ending = try workspace.driver(runID, effects: user.recipe.effects(), hooks: hooks).drive()

            guard case .failed(let failed, let kind, _) = ending else {
                Issue.record("the run did not fail: \(ending)")
                return
            }
            #expect(failed == step && ExitStatus(kind).rawValue == 1, "a step failure is exit 1")
            #expect(try workspace.ledger().state(of: runID).step(step)?.status == .failed)
            #expect(!FileManager.default.fileExists(atPath: user.image + ".json"), "no sidecar for an unfinished image")
            if step != .describe {
                #expect(!FileManager.default.fileExists(atPath: user.image))
            }

            #expect(try workspace.driver(runID, effects: user.recipe.effects()).drive() == .completed)
            try user.expectMadeOnce(runID, buildsBefore: buildsBefore)
        }
    }
}

/// A base directory as a release engineer's: a system image, run and dev images built from the
/// recipes by runs of this workspace (in process), casa-distro's sources, and a dev environment
/// on the dev image, with a build directory and a git checkout.
final class UserImageWorkspace {
    let recipe: RecipeWorkspace
    var workspace: DriverWorkspace { recipe.workspace }
    var base: String { workspace.base }
    var casaDistro: String { workspace.root + "/casa-distro" }
    var runImage: String { base + "/casa-run-5.4.sif" }
    var devImage: String { base + "/casa-dev-5.4.sif" }
    var environment: String { base + "/brainvisa-master-5.4" }
    var image: String { base + "/brainvisa-5.4.0.sif" }
    var appliance: String { base + "/brainvisa-5.4.0.ova" }
    var zip: String { environment + "/brainvisa-5.4.0-ubuntu-24.04.zip" }

    init() throws {
        recipe = try RecipeWorkspace()
        try ReleaseAreaFixtures.write(recipe.recipes + "/casa-dev/5.4/recipe.yaml", ReleaseAreaFixtures.devRecipe)
        try ReleaseAreaFixtures.writeCasaDistro(at: casaDistro)
        try build(recipe.startRunImageRun())
        try build(
            recipe.startRecipeRun(type: "dev", base: runImage, output: devImage, casaDistroSource: casaDistro))
        try makeDevEnvironment()
    }

    private func build(_ runID: String) throws {
        let ending = try workspace.driver(runID, effects: recipe.effects()).drive()
        guard ending == .completed else { throw DriveError("run \(runID) did not complete: \(ending)") }
    }

    /// `<base>/brainvisa-master-5.4` on the dev image, as casa-distro's `setup_dev` leaves it.
    private func makeDevEnvironment() throws {
        let dev = try ImageSidecar.parse(try String(contentsOfFile: devImage + ".json", encoding: .utf8))
        try ReleaseAreaFixtures.writeDevEnvironment(
            at: environment, name: "brainvisa-master-5.4", devImageID: dev.imageID ?? "")
    }

    /// What `create-user-image version=5.4.0 casa_distro=DIR upload=no zip=yes` records (with
    /// `container_type=vbox` and no zip for a VirtualBox image).
    func parameters(virtualBox: Bool) -> RunParameters {
        let suffix = virtualBox ? ".ova" : ".sif"
        // One parameters type for both pipelines: container_type=vbox says which.
        return RunParameters(
            .userImage(
                UserImageParameters(
                    baseDirectory: base, environment: environment, environmentKind: .dev, distro: nil, version: "5.4.0",
                    name: "brainvisa-5.4.0", output: base + "/brainvisa-5.4.0" + suffix,
                    containerType: virtualBox ? "vbox" : "singularity",
                    runImagePatterns: [base + "/casa-run-5.4" + suffix, base + "/casa-run-5.4-*" + suffix],
                    install: true,
                    installDoc: true, installTest: true, generate: true, zip: !virtualBox, force: false, fakeroot: true,
                    cleanup: true, casaDistroSource: virtualBox ? nil : casaDistro, pixiInstallEnvironmentScript: nil,
                    virtualMachine: virtualBox
                        ? VirtualMachineSettings(name: "brainvisa-5.4.0", gui: false, timeout: 300) : nil)))
    }

    /// A run .ova made with the VBoxManage stand-in (guest additions, the brainvisa account), and
    /// its sidecar: what a VirtualBox user image imports.
    func makeBaseAppliance(_ machine: VirtualBoxWorkspace) throws {
        let ova = base + "/casa-run-5.4.ova"
        try machine.vbox(["createvm", "--name", "seed", "--ostype", "Ubuntu_64", "--register"])
        try machine.vbox(["guestproperty", "set", "seed", "/VirtualBox/GuestAdd/Version", "7.0.14"])
        let registry = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: machine.vboxHome + "/registry.json")))
        let seed = ((registry as! [String: Any])["vms"] as! [String: Any])["seed"] as! [String: Any]
        try FileManager.default.createDirectory(
            atPath: machine.vboxHome + "/guests/" + (seed["uuid"] as! String) + "/home/brainvisa",
            withIntermediateDirectories: true)
        try machine.vbox(["export", "seed", "-o", ova, "--ovf20"])
        try machine.vbox(["unregistervm", "seed", "--delete"])
        try ReleaseAreaFixtures.write(
            ova + ".json",
            """
            {"name": "casa-run-5.4", "type": "run", "system": "ubuntu-24.04", "container_type": "vbox", "image_version": "5.4", "image_id": "\(UUID().uuidString.lowercased())"}
            """)
    }

    /// `make install-runtime` calls the stand-in logged.
    func installs() throws -> Int {
        try StandInWrapper.calls(in: recipe.standInLog).filter {
            $0.tool == "make" && $0.argv.contains("install-runtime")
        }
        .count
    }

    /// The run completed; one install, one build (after the `buildsBefore` of the base images),
    /// the zip made, and the image and its sidecar carry the image_id chosen at the start.
    func expectMadeOnce(_ runID: String, buildsBefore: Int) throws {
        let ledger = try workspace.ledger()
        let state = try ledger.state(of: runID)
        #expect(state.status == .completed)
        #expect(try ledger.verifyChain().firstMismatch == nil)
        #expect(try ledger.checkProjections().isEmpty)
        #expect(try recipe.builds() == buildsBefore + 1, "apptainer build ran exactly once")
        #expect(try installs() == 1, "make install-runtime ran exactly once")
        #expect(FileManager.default.fileExists(atPath: zip))
        let imageID = try #require(state.started?.chosen.imageID)
        let sidecar = try ImageSidecar.parse(try String(contentsOfFile: image + ".json", encoding: .utf8))
        #expect(sidecar.imageID == imageID, "the image_id chosen at the start")
        let inside = try ProcessRunner.capture([recipe.apptainer, "exec", image, "cat", "/casa/image_id"])
        #expect(inside.status == 0 && inside.output.contains(imageID))
    }
}
