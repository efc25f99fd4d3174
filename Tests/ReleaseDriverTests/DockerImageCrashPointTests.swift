import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
@testable import TestSupport

/// create-docker in process, with the real buildah (through the logging stand-in): crashed just
/// before or just after each step, then resumed by another process. The resumed run makes the
/// digest of an uninterrupted build, and `buildah bud` runs once. The binary keeps a SIGKILL sample
/// (`CreateDockerCrashResumeTests`).
private let dockerSteps = ["resolve-definitions", "build-casa-test:5.4-scratch", "tag", "describe"]

@Suite struct DockerImageCrashPointTests {
    /// The digest of one uninterrupted build in process, made once for all the cases: buildah's
    /// output for the same definition and context is the same in any workspace.
    static let uninterrupted = Result { () throws -> String in
        let docker = try DockerWorkspace()
        let runID = try docker.startRun()
        let ending = try docker.workspace.driver(runID, effects: docker.effects()).drive()
        guard ending == .completed else { throw DriveError("the reference build did not complete: \(ending)") }
        return try docker.digest("cati/casa-test:5.4-scratch")
    }

    @Test(arguments: DriverCrashPoint.beforeAndAfter(dockerSteps.map { StepName($0) }))
    func crashedThenResumedByAnotherProcess(_ point: DriverCrashPoint) async throws {
        try await onItsOwnThread {
            let expected = try Self.uninterrupted.get()
            let docker = try DockerWorkspace()
            let workspace = docker.workspace
            let runID = try docker.startRun()
            try workspace.crashThenResume(runID, at: point, lasting: [], effects: docker.effects)
            #expect(try docker.digest("cati/casa-test:5.4-scratch") == expected)
            let buds = try StandInWrapper.calls(in: docker.standInLog).filter { $0.argv.contains("bud") }
            #expect(buds.count == 1, "buildah bud ran once: \(buds.map(\.argv))")
            let ledger = try workspace.ledger()
            #expect(try ledger.verifyChain().firstMismatch == nil)
            #expect(try ledger.checkProjections().isEmpty)
        }
    }
}

/// A driver workspace whose steps run buildah through the logging stand-in, with create-docker's
/// storage and OCI layout under its base directory, and the definitions casa-release ships.
final class DockerWorkspace {
    let workspace: DriverWorkspace
    var standInLog: String { workspace.root + "/standin.log" }
    var buildah: String { workspace.root + "/bin/buildah" }
    var storage: DockerStorage { DockerStorage(baseDirectory: workspace.base) }

    init() throws {
        workspace = try DriverWorkspace()
        try StandInWrapper.write(buildah, standIn: "buildah", variables: ["STANDIN_LOG": standInLog])
    }

    func effects() -> RecordingEffects {
        RecordingEffects(tools: .inProcess(["CASA_RELEASE_BUILDAH": buildah]))
    }

    /// Records a run of what `create-docker casa_version=5.4` records: the plan of every shipped
    /// definition (`image_names=*`), made before the run starts.
    func startRun() throws -> String {
        let roots = DockerDefinitionSearch.roots(
            baseDirectory: workspace.base, home: nil, builtin: PackagePaths.root + "/share/docker")
        let images = try DockerImagePlanner.plan(
            try DockerDefinitionSearch.load(roots: roots), patterns: ["*"], casaVersion: "5.4")
        let parameters = RunParameters(
            .dockerImages(
                DockerImagesParameters(
                    baseDirectory: workspace.base, patterns: ["*"], casaVersion: "5.4", images: images,
                    storage: storage, noHostNetwork: false, force: false, earlierBuilds: [:])))
        return try workspace.startRun(.dockerImages, parameters, choosesImageID: false)
    }

    /// What skopeo, an independent reader of OCI layouts, says `reference` is in the layout.
    func digest(_ reference: String) throws -> String {
        try Shell.script("skopeo inspect --format '{{.Digest}}' 'oci:\(storage.layout):\(reference)'")
    }
}
