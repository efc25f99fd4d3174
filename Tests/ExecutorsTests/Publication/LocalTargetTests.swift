import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

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
        let intent = ClaimBuildNumberIntent(
            target: "file://\(scratch.path)/", names: names, firstCandidate: 1,
            claimContent: "{\"claimed_by_run\": \"r\"}", runID: "r")
        #expect(try PublicationSteps.claim(intent, on: scratch.target).buildNumber == 3)
        #expect(try PublicationSteps.reconcileClaim(intent, on: scratch.target)?.buildNumber == 3)
    }

    @Test func checkIgnoresJunkAndRequiresTheImage() throws {
        let scratch = Scratch()
        let sidecar = ImageSidecar(members: [
            JSONMember("image_id", .string("id")), JSONMember("md5", .string("m")), JSONMember("size", .integer(4)),
        ])
        try scratch.write("casa-run-5.4-foo.sif.json", "{}")
        try scratch.write(names.sidecar(1), "not json")
        try scratch.write(names.sidecar(2), sidecar.rendered)
        let intent = CheckTargetIntent(target: "file://\(scratch.path)/", names: names, imageID: "id", md5: "m")
        #expect(
            try PublicationSteps.check(intent, on: scratch.target)
                == TargetCheck(upToDateBuildNumber: nil, highestBuildNumber: 2))
        try scratch.write(names.image(2), "abcd")
        #expect(
            try PublicationSteps.check(intent, on: scratch.target)
                == TargetCheck(upToDateBuildNumber: 2, highestBuildNumber: 2))
    }

    @Test func rollbackRemovesOnlyWhatThisRunCreated() throws {
        let scratch = Scratch()
        let claim = ClaimBuildNumberIntent(
            target: "file://\(scratch.path)/", names: names, firstCandidate: 1,
            claimContent: "{\"claimed_by_run\": \"mine\"}", runID: "mine")
        try scratch.write(names.sidecar(1), "{\"claimed_by_run\": \"someone else\"}")
        #expect(try PublicationSteps.claim(claim, on: scratch.target).buildNumber == 2)
        try scratch.write(".tmp-image.part", "partial")
        let upload = UploadImageIntent(
            target: claim.target, source: "/x", temporaryName: ".tmp-image.part", size: 10, sha256: "s")
        try scratch.write(".tmp-image.part.Xy12ab", "a server's partial copy of it")
        let rollback = try PublicationSteps.rollBack(
            [.publication(.claimBuildNumber(claim)), .publication(.uploadImage(upload))], runID: "mine",
            on: scratch.target)
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
        let sidecar = UploadSidecarIntent(
            target: "file://\(scratch.path)/", sidecarName: names.sidecar(1), content: content)
        let rollback = try PublicationSteps.rollBack(
            [.publication(.uploadSidecar(sidecar))], runID: "mine", on: scratch.target)
        #expect(rollback.removed == [])
        #expect(rollback.left.map(\.name) == [names.sidecar(1)])
        #expect(rollback.left.first?.reason.contains("visible") == true)
        #expect(Set(try scratch.target.list()) == [names.image(1), names.sidecar(1)])
    }
}
