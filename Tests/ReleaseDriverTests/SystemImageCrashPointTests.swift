import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
import TestSupport

/// `create_base_image type=system publish=yes` in process: crashed just before or just after each
/// step's effect (the system image's steps and the publication's), then resumed by another
/// process. The result is that of an uninterrupted run: the base's bytes under the image_id chosen
/// at the start, published once as N=1, no temporary left. The binary keeps a SIGKILL sample of
/// these (`CrashResumeTests`).
private let createAndPublishSteps = Pipeline.steps(of: .systemBaseImage, RunParameters())

/// Steps whose effect lasts (a file made, a name claimed): after a crash "after" the effect, the
/// resume must find it and not make it again.
private let stepsWithLastingEffects: Set<StepName> = [
    .copy, .describe, .claimBuildNumber, .uploadImage, .uploadSidecar, .makeVisible, .record,
]

@Suite struct SystemImageCrashPointTests {
    @Test(arguments: DriverCrashPoint.beforeAndAfter(createAndPublishSteps))
    func crashedThenResumedByAnotherProcess(_ point: DriverCrashPoint) async throws {
        try await onItsOwnThread {
            let area = try SystemImageArea()
            let workspace = area.workspace
            let runID = try area.startCreateAndPublishRun()
            let first = RecordingEffects()
            let second = RecordingEffects()
            var effects = [first, second].makeIterator()
            try workspace.crashThenResume(runID, at: point, lasting: stepsWithLastingEffects) { effects.next()! }

            let kind = try #require(try workspace.ledger().state(of: runID).step(point.step)?.intent?.kind)
            if point.moment == .after, stepsWithLastingEffects.contains(point.step) {
                #expect(first.count("perform \(kind)") + second.count("perform \(kind)") == 1, "made once")
            } else if point.moment == .before {
                #expect(first.count("perform \(kind)") == 0 && second.count("perform \(kind)") == 1)
            }
            try area.expectOnePublication(runID)
        }
    }
}

/// A release area for a system image made in process: a base directory holding an upstream
/// Ubuntu image, the image to make beside it, and the workspace's `file://` mirror.
final class SystemImageArea {
    let workspace: DriverWorkspace
    var directory: String { workspace.root + "/area" }
    var upstream: String { directory + "/ubuntu-24.04.sif" }
    var output: String { directory + "/casa-system-ubuntu-24.04.sif" }

    init() throws {
        workspace = try DriverWorkspace()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: upstream))
    }

    /// Records the run `create_base_image type=system image_version=ubuntu-24.04 publish=yes
    /// target=file://MIRROR/` records in this area.
    func startCreateAndPublishRun() throws -> String {
        try workspace.startRun(
            .systemBaseImage,
            RunParameters(
                .systemBaseImage(
                    SystemBaseImageParameters(
                        baseDirectory: directory, base: nil, basePattern: "*ubuntu-*.sif",
                        imageVersion: "ubuntu-24.04", containerType: "singularity", name: "casa-system-ubuntu-24.04",
                        output: output, force: false)),
                publication: PublicationParameters(target: "file://\(workspace.mirror)/", image: output)))
    }

    /// The image is the base's bytes under the run's image_id, published once as N=1 with its
    /// numbered link; the ledger verifies; no temporary is left in the area.
    func expectOnePublication(_ runID: String) throws {
        let state = try workspace.ledger().state(of: runID)
        #expect(state.status == .completed)
        let imageID = try #require(state.started?.chosen.imageID)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(contentsOf: URL(fileURLWithPath: upstream)))
        #expect(try sidecar(output + ".json")["image_id"] as? String == imageID)
        #expect(try sidecar(output + ".json")["build_number"] as? Int == 1)
        #expect(try workspace.files(in: directory).filter { $0.hasPrefix(".") } == [], "no temporary file is left")
        #expect(
            try workspace.files(in: workspace.mirror) == [
                "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
            ])
        let published = workspace.mirror + "/casa-system-ubuntu-24.04-1.sif"
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: published)) == Data(contentsOf: URL(fileURLWithPath: upstream)))
        #expect(try sidecar(published + ".json")["image_id"] as? String == imageID)
        #expect(try sidecar(published + ".json")["build_number"] as? Int == 1)
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/casa-system-ubuntu-24.04-1.sif")
                == output)
        #expect(try workspace.ledger().verifyChain().firstMismatch == nil)
    }

    private func sidecar(_ path: String) throws -> [String: Any] {
        try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }
}
