import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// create-singularity killed at every step boundary, and in the middle of apptainer's build, then
/// resumed: the same image_ids, one build per image once its step is recorded, nothing
/// half-written under an output's name, no archive left.
@Suite struct CreateSingularityResumeTests {
    @Test func aKillAtEveryStepBoundaryThenResumeBuildsEachImageOnce() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try workspace.defineRunAndDev()
            #expect(try workspace.run(["create-docker", "image_names=casa-dev:*", "casa_version=5.4"]).status == 0)
            let points = [
                "convert-casa-dev:5.4:before", "convert-casa-dev:5.4:after", "convert-casa-run:5.4:after",
                "describe:before", "describe:after",
            ]
            for point in points {
                let builds = try workspace.sifBuilds().count
                let killed = try workspace.run(
                    ["create-singularity", "force=yes"], environment: ["CASA_RELEASE_FAILPOINT": point])
                #expect(killed.killed, "\(point): \(killed.stderr)")
                let run = try workspace.lastRun()
                let imageIDs = try #require(run.parameters?.singularityImages?.images.map(\.imageID))
                let resumed = try workspace.run(["resume"])
                #expect(resumed.status == 0, "\(point): \(resumed.stderr)")
                #expect(try workspace.sifBuilds().count == builds + 2, "\(point): one build per image, none twice")
                for (reference, imageID) in zip(["casa-dev:5.4", "casa-run:5.4"], imageIDs) {
                    let sif = workspace.sif(reference)
                    #expect(
                        try workspace.sidecar(sif + ".json").imageID == imageID,
                        "\(point): the image_id chosen when the run started")
                    #expect(try workspace.catInImage(sif, "/casa/image_id").contains(imageID))
                }
                #expect(try workspace.conversionLeftovers().isEmpty, "\(point)")
            }
            #expect(try workspace.run(["verify", "--artifacts"]).status == 0)
        }
    }

    /// SIGKILL while apptainer writes: the tool dies with casa-release, the half-written image
    /// stays hidden, and resume builds it again from the start.
    @Test func aKillInTheMiddleOfTheBuildLeavesNothingHalfVisible() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(["create-docker", "casa_version=5.4"]).status == 0)
            let sif = workspace.sif("casa-test:5.4-scratch")
            let gate = workspace.root + "/gate"
            let process = try workspace.start(
                ["create-singularity"], environment: ["STANDIN_APPTAINER_BUILD_GATE": gate])
            // The build has started writing once its hidden output exists and holds bytes.
            var partial: String?
            while partial == nil, process.isRunning {
                partial = try workspace.files(in: workspace.base).first {
                    $0.hasPrefix(".cati_casa-test") && $0.hasSuffix(".part")
                }
                .flatMap { name in
                    (try? workspace.bytes(workspace.base + "/" + name)).map { $0.isEmpty ? nil : name } ?? nil
                }
                if partial == nil { usleep(5_000) }  // polling for a condition, not waiting out a race
            }
            #expect(partial != nil, "the build never started")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(!FileManager.default.fileExists(atPath: sif), "nothing under the output's name")
            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let imageID = try #require(try workspace.sidecar(sif + ".json").imageID)
            #expect(try workspace.catInImage(sif, "/casa/image_id").contains(imageID))
            #expect(try workspace.sifBuilds().count == 2)
            #expect(try workspace.conversionLeftovers().isEmpty)
            #expect(try workspace.run(["verify", "--artifacts"]).status == 0)
        }
    }
}
