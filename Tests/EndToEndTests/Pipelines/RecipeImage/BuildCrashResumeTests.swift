import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// SIGKILL just before or just after effects of the recipe and user-image pipelines, then
/// `resume`: the run completes with the image_id chosen at its start, and no build and no install
/// runs twice. A sample with the real kill (and the real exit status of a failed step): every
/// step of both pipelines is crashed and failed in process, with the same stand-ins and
/// expectations (Tests/ReleaseDriverTests/RecipeImageCrashPointTests.swift and
/// UserImageCrashPointTests.swift).
private let recipePoints: [CrashPoint] = [
    CrashPoint(pipeline: .recipeBaseImage, step: .build, moment: "before"),
    CrashPoint(pipeline: .recipeBaseImage, step: .build, moment: "after"),
]

private let userPoints: [CrashPoint] = [
    CrashPoint(pipeline: .userImage, step: .install, moment: "after"),
    CrashPoint(pipeline: .userImage, step: .generate, moment: "before"),
]

@Suite struct BuildCrashResumeTests {
    @Test(arguments: recipePoints + userPoints)
    func killedThenResumed(_ point: CrashPoint) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            let (arguments, image) = try workspace.prepare(point.pipeline)
            let buildsBefore = try workspace.builds().count
            let killed = try workspace.run(
                arguments, environment: ["CASA_RELEASE_FAILPOINT": "\(point.step):\(point.moment)"])
            #expect(
                killed.killed && killed.status == SIGKILL,
                "expected SIGKILL at \(point.step):\(point.moment): \(killed.stderr)")

            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try workspace.run(["verify"]).status == 0)

            let state = try workspace.lastRun()
            #expect(state.status == .completed)
            let events = try workspace.ledger().events(of: state.runID!).map { try $0.decoded() }
            let reconciled = events.compactMap { event -> StepReconciled? in
                if case .stepReconciled(let value) = event { return value }
                return nil
            }
            #expect(reconciled.map(\.step) == [point.step], "the interrupted step, and only it, is reconciled")
            if point.moment == "after",
                [.renderDefinition, .build, .generate, .install, .zip, .describe].contains(point.step)
            {
                #expect(reconciled.first?.found != nil, "the effect was found, not redone")
            }

            // One build of this image, whatever the crash point; one install.
            #expect(try workspace.builds().count == buildsBefore + 1, "apptainer build ran exactly once")
            if point.pipeline == .userImage {
                #expect(
                    try workspace.standInCalls("make").filter { $0.argv.contains("install-runtime") }.count == 1,
                    "make install-runtime ran exactly once")
                #expect(
                    FileManager.default.fileExists(
                        atPath: workspace.base + "/brainvisa-master-5.4/brainvisa-5.4.0-ubuntu-24.04.zip"))
            }
            #expect(
                try workspace.sidecar(image + ".json").imageID == state.started?.chosen.imageID,
                "the image_id chosen at the start")
            let content = try workspace.shell("\(Workspace.standIns)/apptainer exec '\(image)' cat /casa/image_id")
            #expect(content.contains(state.started!.chosen.imageID!))
            #expect(
                try workspace.files(in: workspace.base).filter { $0.hasSuffix(".part") || $0.hasSuffix(".tmp") }
                    .isEmpty,
                "no temporary file left")
        }
    }
}

/// Every step of both pipelines failing (as its tool would): exit 1, nothing under the image's
/// name, the failure recorded, and `resume` completes the run with one build.
@Suite struct BuildStepFailureTests {
    @Test(arguments: (recipePoints + userPoints).filter { $0.moment == "before" })
    func aFailedStepIsExit1AndResumeCompletes(_ point: CrashPoint) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            let (arguments, image) = try workspace.prepare(point.pipeline)
            let buildsBefore = try workspace.builds().count
            let failed = try workspace.run(arguments, environment: ["CASA_RELEASE_FAILPOINT": "\(point.step):fail"])
            #expect(failed.status == 1 && failed.stderr.contains("step \(point.step) failed"), "\(failed.stderr)")
            #expect(try workspace.lastRun().step(point.step)?.status == .failed)
            #expect(
                !FileManager.default.fileExists(atPath: image + ".json"),
                "no sidecar for an image that was not finished")
            if point.step != .describe {
                #expect(!FileManager.default.fileExists(atPath: image))
            }

            #expect(try workspace.run(["resume"]).status == 0)
            #expect(try workspace.lastRun().status == .completed)
            #expect(try workspace.builds().count == buildsBefore + 1)
            #expect(try workspace.sidecar(image + ".json").imageID == workspace.lastRun().started?.chosen.imageID)
        }
    }

    @Test func aFailedUserImageBuildLeavesNoImageAndNoSidecar() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            try workspace.makeDevEnvironment()
            let failed = try workspace.run(
                workspace.userImageArguments, environment: ["STANDIN_APPTAINER_FAIL_BUILD": "1"])
            #expect(
                failed.status == 1 && failed.stderr.contains("step generate failed")
                    && failed.stderr.contains("generate-1.log"))
            #expect(
                !FileManager.default.fileExists(atPath: workspace.userImage)
                    && !FileManager.default.fileExists(atPath: workspace.userImage + ".json"))
            #expect(try workspace.files(in: workspace.base).filter { $0.hasSuffix(".part") }.isEmpty)
            #expect(try workspace.run(["resume"]).status == 0)
            #expect(
                try workspace.standInCalls("make").filter { $0.argv.contains("install-runtime") }.count == 1,
                "install is not redone")
        }
    }
}

extension Workspace {
    /// What a run of `pipeline` needs, made; its command line and the image it makes.
    func prepare(_ pipeline: PipelineKind) throws -> (arguments: [String], image: String) {
        if pipeline == .recipeBaseImage {
            try makeRecipes()
            guard try run(createArguments).status == 0 else { throw FixtureError("the system image could not be made") }
            return (["create-base-image", "type=run", "image_version=5.4", "recipes=\(recipes)"], runImage)
        }
        try makeBaseImages()
        try makeDevEnvironment()
        return (userImageArguments + ["zip=yes"], userImage)
    }
}

/// A casa-release killed during a build takes its tool with it: the build's child process dies
/// at once (PR_SET_PDEATHSIG), so nothing keeps writing into the run's files while a resumed run
/// builds again.
@Suite struct OrphanedToolTests {
    @Test func aKilledBuildLeavesNoToolRunning() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            let (arguments, image) = try workspace.prepare(.recipeBaseImage)
            let gate = workspace.root + "/build-gate"
            let casa = try workspace.start(arguments, environment: ["STANDIN_APPTAINER_BUILD_GATE": gate])
            // Wait until the stand-in is building (it logs its pid when it starts).
            var builder: Int32?
            let deadline = Date().addingTimeInterval(60)
            while builder == nil, Date() < deadline, casa.isRunning {
                builder = try Self.buildPIDs(workspace).first
                if builder == nil { usleep(10_000) }
            }
            guard let builder else {
                Issue.record("the build never started")
                kill(casa.processIdentifier, SIGKILL)
                return
            }
            kill(casa.processIdentifier, SIGKILL)
            casa.waitUntilExit()
            // The tool is gone with it (bounded wait: the kernel sends the signal at once).
            let gone = Date().addingTimeInterval(10)
            while Self.isRunning(builder), Date() < gone { usleep(10_000) }
            #expect(!Self.isRunning(builder), "the build's tool (pid \(builder)) outlived casa-release")
            #expect(FileManager.default.createFile(atPath: gate, contents: Data()))

            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try Self.buildPIDs(workspace).count == 2, "the killed build and one more")
            #expect(try workspace.sidecar(image + ".json").imageID == workspace.lastRun().started?.chosen.imageID)
            #expect(
                try workspace.files(in: workspace.base).filter { $0.hasPrefix(".") }.isEmpty, "no temporary file left")
        }
    }

    static func buildPIDs(_ workspace: Workspace) throws -> [Int32] {
        guard let text = try? String(contentsOfFile: workspace.standInLog, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let argv = object["argv"] as? [String], argv.first == "build"
            else { return nil }
            return (object["pid"] as? NSNumber)?.int32Value
        }
    }

    /// Running, and not a zombie waiting for its parent to read its status.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return false }
        return text[text.index(after: close)...].split(separator: " ").first != "Z"
    }
}
