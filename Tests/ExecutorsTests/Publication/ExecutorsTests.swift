import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

final class Scratch {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "casa-release-executors-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }
    var target: LocalDirectoryTarget { LocalDirectoryTarget(url: URL(fileURLWithPath: path)) }
}

@Suite struct FileDigestsTests {
    @Test func md5AndSHA256InOneRead() throws {
        let scratch = Scratch()
        try scratch.write("abc", "abc")
        let digests = try FileDigests.compute(path: scratch.path + "/abc")
        #expect(digests.size == 3)
        #expect(digests.md5 == "900150983cd24fb0d6963f7d28e17f72")
        #expect(digests.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func aMissingFileIsBadInput() {
        #expect(throws: ExecutorError.self) { try FileDigests.compute(path: "/nonexistent/file") }
    }
}

@Suite struct LocalTargetTests {
    let names = PublishedNames(stem: "casa-run-5.4", fileExtension: "sif")

    @Test func exclusiveCreationRefusesAnExistingName() throws {
        let scratch = Scratch()
        #expect(try scratch.target.createExclusively("a.json", data: Data("1".utf8)))
        #expect(try !scratch.target.createExclusively("a.json", data: Data("2".utf8)))
        #expect(try scratch.target.read("a.json") == Data("1".utf8))
        #expect(try scratch.target.list() == ["a.json"], "no temporary file is left behind")
    }

    @Test func aClaimSkipsTakenNumbers() throws {
        let scratch = Scratch()
        try scratch.write(names.sidecar(1), "{}")
        try scratch.write(names.image(2), "orphan image without sidecar")
        let intent = ClaimBuildNumberIntent(target: "file://\(scratch.path)/", names: names, firstCandidate: 1, claimContent: "{\"claimed_by_run\": \"r\"}", runID: "r")
        #expect(try PublicationSteps.claim(intent, on: scratch.target).buildNumber == 3)
        #expect(try PublicationSteps.reconcileClaim(intent, on: scratch.target)?.buildNumber == 3)
    }

    @Test func checkIgnoresJunkAndRequiresTheImage() throws {
        let scratch = Scratch()
        let sidecar = ImageSidecar(members: [JSONMember("image_id", .string("id")), JSONMember("md5", .string("m")), JSONMember("size", .integer(4))])
        try scratch.write("casa-run-5.4-foo.sif.json", "{}")
        try scratch.write(names.sidecar(1), "not json")
        try scratch.write(names.sidecar(2), sidecar.rendered)
        let intent = CheckTargetIntent(target: "file://\(scratch.path)/", names: names, imageID: "id", md5: "m")
        #expect(try PublicationSteps.check(intent, on: scratch.target) == TargetCheck(upToDateBuildNumber: nil, highestBuildNumber: 2))
        try scratch.write(names.image(2), "abcd")
        #expect(try PublicationSteps.check(intent, on: scratch.target) == TargetCheck(upToDateBuildNumber: 2, highestBuildNumber: 2))
    }

    @Test func rollbackRemovesOnlyWhatThisRunCreated() throws {
        let scratch = Scratch()
        let claim = ClaimBuildNumberIntent(target: "file://\(scratch.path)/", names: names, firstCandidate: 1, claimContent: "{\"claimed_by_run\": \"mine\"}", runID: "mine")
        try scratch.write(names.sidecar(1), "{\"claimed_by_run\": \"someone else\"}")
        #expect(try PublicationSteps.claim(claim, on: scratch.target).buildNumber == 2)
        try scratch.write(".tmp-image.part", "partial")
        let upload = UploadImageIntent(target: claim.target, source: "/x", temporaryName: ".tmp-image.part", size: 10, sha256: "s")
        try scratch.write(".tmp-image.part.Xy12ab", "a server's partial copy of it")
        let rollback = try PublicationSteps.rollBack([.claimBuildNumber(claim), .uploadImage(upload)], runID: "mine", on: scratch.target)
        #expect(Set(rollback.removed) == [".tmp-image.part", ".tmp-image.part.Xy12ab", names.sidecar(2)])
        #expect(try scratch.target.list() == [names.sidecar(1)], "the other run's claim stays")
    }

    /// A run whose ledger lost its last events believes its publication unfinished; its
    /// sidecar's content is its own, but the image beside it is visible: a rollback leaves both.
    @Test func rollbackNeverRemovesTheSidecarOfAVisibleImage() throws {
        let scratch = Scratch()
        let content = "{\"image_id\": \"mine\", \"build_number\": 1}"
        try scratch.write(names.image(1), "the published image")
        try scratch.write(names.sidecar(1), content)
        let sidecar = UploadSidecarIntent(target: "file://\(scratch.path)/", sidecarName: names.sidecar(1), content: content)
        let rollback = try PublicationSteps.rollBack([.uploadSidecar(sidecar)], runID: "mine", on: scratch.target)
        #expect(rollback.removed == [])
        #expect(rollback.left.map(\.name) == [names.sidecar(1)])
        #expect(rollback.left.first?.reason.contains("visible") == true)
        #expect(Set(try scratch.target.list()) == [names.image(1), names.sidecar(1)])
    }
}

@Suite struct BaseResolverTests {
    @Test func casaDistrosOwnImagesAreNotBases() throws {
        let scratch = Scratch()
        try scratch.write("ubuntu-24.04.sif", "base")
        try scratch.write("casa-system-ubuntu-24.04.sif", "made from it")
        try scratch.write(".ubuntu-22.04.sif.part", "temporary")
        #expect(try BaseResolver.locate(baseDirectory: scratch.path, explicitBase: nil, pattern: "*ubuntu-*.sif") == scratch.path + "/ubuntu-24.04.sif")
    }

    @Test func theBaseSidecarSaysTheSystemAndOrigin() throws {
        let scratch = Scratch()
        try scratch.write("noble.sif", "base")
        try scratch.write("noble.sif.json", "{\"system\": \"ubuntu-24.04\", \"origin\": \"ubuntu-24.04.sif\", \"image_id\": \"b\"}")
        let resolved = try BaseResolver.resolve(ResolveBaseIntent(baseDirectory: scratch.path, explicitBase: scratch.path + "/noble.sif", pattern: "*"))
        #expect(resolved.system == "ubuntu-24.04")
        #expect(resolved.origin == "ubuntu-24.04.sif")
        #expect(resolved.baseImageID == "b")
    }

    @Test func aBaseWithoutSystemIsRefused() throws {
        let scratch = Scratch()
        try scratch.write("noble.sif", "base")
        #expect(throws: ExecutorError.self) {
            try BaseResolver.resolve(ResolveBaseIntent(baseDirectory: scratch.path, explicitBase: scratch.path + "/noble.sif", pattern: "*"))
        }
    }

    @Test func libcurlIsLinked() {
        #expect(CurlLibrary.version.hasPrefix("libcurl/"))
    }
}
