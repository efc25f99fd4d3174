import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
@testable import TestSupport

/// A run image built from the repository's example recipe, in process, with the apptainer
/// stand-in: crashed just before or just after each step's effect then resumed by another
/// process, or failed at each step then resumed. The run completes with the image_id chosen at
/// its start, and the image is built once. The binary keeps the user image's points and a SIGKILL
/// sample of these (`BuildCrashResumeTests`, `BuildStepFailureTests`).
let recipeImageSteps: [StepName] = [.resolveBase, .loadRecipe, .renderDefinition, .build, .describe]

@Suite struct RecipeImageCrashPointTests {
    @Test(arguments: DriverCrashPoint.beforeAndAfter(recipeImageSteps))
    func crashedThenResumedByAnotherProcess(_ point: DriverCrashPoint) async throws {
        try await onItsOwnThread {
            let recipe = try RecipeWorkspace()
            let workspace = recipe.workspace
            let runID = try recipe.startRunImageRun()
            try workspace.crashThenResume(
                runID, at: point, lasting: [.renderDefinition, .build, .describe], effects: recipe.effects)
            try recipe.expectBuiltOnce(runID)
            #expect(
                try workspace.files(in: workspace.base).filter { $0.hasSuffix(".part") || $0.hasSuffix(".tmp") }
                    .isEmpty,
                "no temporary file left")
        }
    }

    @Test(arguments: recipeImageSteps)
    func aFailedStepIsRecordedAndResumeCompletes(_ step: StepName) async throws {
        try await onItsOwnThread {
            let recipe = try RecipeWorkspace()
            let workspace = recipe.workspace
            let runID = try recipe.startRunImageRun()
            let hooks = Failpoints()
            hooks.failures[step] = ExecutorError(.stepFailed, "failpoint \(step):fail")
            let ending = try workspace.driver(runID, effects: recipe.effects(), hooks: hooks).drive()

            guard case .failed(let failed, let kind, _) = ending else {
                Issue.record("the run did not fail: \(ending)")
                return
            }
            #expect(failed == step && ExitStatus(kind).rawValue == 1, "a step failure is exit 1")
            #expect(try workspace.ledger().state(of: runID).step(step)?.status == .failed)
            #expect(
                !FileManager.default.fileExists(atPath: recipe.image + ".json"), "no sidecar for an unfinished image")
            if step != .describe {
                #expect(!FileManager.default.fileExists(atPath: recipe.image))
            }

            #expect(try workspace.driver(runID, effects: recipe.effects()).drive() == .completed)
            try recipe.expectBuiltOnce(runID)
        }
    }
}

/// A driver workspace with the example run recipe, a system image to build on, and the apptainer
/// stand-in as this workspace's tool.
final class RecipeWorkspace {
    let workspace: DriverWorkspace
    var recipes: String { workspace.root + "/recipes" }
    var standInLog: String { workspace.root + "/standin.log" }
    var apptainer: String { workspace.root + "/bin/apptainer" }
    var image: String { workspace.base + "/casa-run-5.4.sif" }

    init() throws {
        workspace = try DriverWorkspace()
        try FileManager.default.createDirectory(atPath: recipes, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: PackagePaths.root + "/Examples/image-recipes/casa-run", toPath: recipes + "/casa-run")
        try StandInWrapper.write(apptainer, standIn: "apptainer", variables: ["STANDIN_LOG": standInLog])
    }

    /// Where the steps find this workspace's apptainer.
    var toolVariables: [String: String] { ["CASA_RELEASE_APPTAINER": apptainer] }

    /// Effects whose steps run this workspace's apptainer.
    func effects() -> RecordingEffects {
        RecordingEffects(tools: .inProcess(toolVariables))
    }

    /// The apptainer builds the stand-in logged.
    func builds() throws -> Int {
        try StandInWrapper.calls(in: standInLog).filter { $0.tool == "apptainer" && $0.argv.first == "build" }.count
    }

    /// Records a new run, with what `create-base-image type=run image_version=5.4 recipes=DIR`
    /// records by default (the DriverWorkspace's system image is the recipe's base).
    func startRunImageRun() throws -> String {
        try startRecipeRun(type: "run", base: workspace.image, output: image, casaDistroSource: nil)
    }

    /// Records a new recipe run of `casa-<type>/5.4`, as `create-base-image type=<type>` would.
    func startRecipeRun(type: String, base: String, output: String, casaDistroSource: String?) throws -> String {
        let parameters = RunParameters(
            .recipeBaseImage(
                RecipeBaseImageParameters(
                    baseDirectory: workspace.base, imageType: type, imageVersion: "5.4",
                    recipeDirectory: recipes + "/casa-\(type)/5.4", base: base, name: "casa-\(type)-5.4",
                    output: output, containerType: "singularity", force: false, fakeroot: true, cleanup: true,
                    casaDistroSource: casaDistroSource)))
        return try workspace.startRun(.recipeBaseImage, parameters)
    }

    /// The run completed; the image was built once, and it and its sidecar carry the image_id
    /// chosen at the start; the ledger checks out.
    func expectBuiltOnce(_ runID: String) throws {
        let ledger = try workspace.ledger()
        let state = try ledger.state(of: runID)
        #expect(state.status == .completed)
        #expect(try ledger.verifyChain().firstMismatch == nil)
        #expect(try ledger.checkProjections().isEmpty)
        #expect(try builds() == 1, "apptainer build ran exactly once")
        let imageID = try #require(state.started?.chosen.imageID)
        let sidecar = try ImageSidecar.parse(try String(contentsOfFile: image + ".json", encoding: .utf8))
        #expect(sidecar.imageID == imageID, "the image_id chosen at the start")
        let inside = try ProcessRunner.capture([apptainer, "exec", image, "cat", "/casa/image_id"])
        #expect(inside.status == 0 && inside.output.contains(imageID))
    }
}
