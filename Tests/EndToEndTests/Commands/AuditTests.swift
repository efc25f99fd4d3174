import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `casa-release audit`: every image from an environment, and everything built on an image,
/// with what became of their publications.
@Suite struct AuditTests {
    struct Report: Decodable {
        var images: [AuditEntry]
    }

    func audit(_ workspace: Workspace, _ argument: String) throws -> [AuditEntry] {
        let result = try workspace.run(["audit", argument, "--json"])
        guard result.status == 0 else { throw FixtureError("audit \(argument): \(result.status) \(result.stderr)") }
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)).images
    }

    @Test func anEnvironmentsImagesWithTheirPublicationsRetractedOrNot() async throws {
        try await onItsOwnThread {
            let (workspace, _) = try ProvenanceTests.publishedUserImage()
            let second = try workspace.run(
                workspace.userImageArguments.map { $0 == "version=5.4.0" ? "version=5.4.1" : $0 })
            #expect(second.status == 0, "\(second.stderr)")
            let retracted = try workspace.run(["rollback", "brainvisa-5.4.0-1.sif", "--yes"])
            #expect(retracted.status == 0, "\(retracted.stderr)")

            let entries = try audit(workspace, "environment=brainvisa-master-5.4")
            #expect(entries.map(\.image.name) == ["brainvisa-5.4.0.sif", "brainvisa-5.4.1.sif"])
            #expect(
                entries.allSatisfy {
                    $0.via == "environment"
                        && $0.environmentImageID == (try? workspace.sidecar(workspace.devImage + ".json"))?.imageID
                })
            let publication = try #require(entries.first?.publications.first)
            #expect(publication.file == "brainvisa-5.4.0-1.sif" && publication.status == "retracted")
            #expect(
                publication.publishedAt != nil && publication.retractedAt != nil
                    && publication.retractedBy?.contains("@") == true)
            #expect(entries.last?.publications.isEmpty == true)

            let text = try workspace.run(["audit", "environment=brainvisa-master-5.4"])
            #expect(
                text.status == 0 && text.stdout.hasPrefix("2 images made from environment brainvisa-master-5.4:"),
                "\(text.stderr)")
            #expect(text.stdout.contains("retracted") && text.stdout.contains("not published"))
            let provenance = try workspace.run(["provenance", workspace.userImage])
            #expect(
                provenance.stdout.split(separator: "\n").contains {
                    $0.contains("brainvisa-5.4.0-1.sif") && $0.contains("; retracted ")
                })
        }
    }

    @Test func whatWasBuiltOnAnImageFollowsTheReverseEdges() async throws {
        try await onItsOwnThread {
            let (workspace, _) = try ProvenanceTests.publishedUserImage()
            let onRun = try audit(workspace, "image=\(workspace.runImage)")
            #expect(onRun.map(\.image.path).sorted() == [workspace.userImage, workspace.devImage].sorted())
            #expect(onRun.allSatisfy { $0.depth == 1 && $0.builtOn == workspace.runImage })
            #expect(onRun.first { $0.image.path == workspace.devImage }?.via == "base")
            #expect(onRun.first { $0.image.path == workspace.userImage }?.via == "run-image")
            #expect(onRun.first { $0.image.path == workspace.userImage }?.publications.first?.status == "published")

            let onSystem = try audit(workspace, "image=casa-system-ubuntu-24.04.sif")
            #expect(
                onSystem.map { "\($0.depth) \($0.image.name)" } == [
                    "1 casa-run-5.4.sif", "2 casa-dev-5.4.sif", "2 brainvisa-5.4.0.sif",
                ])
            #expect(try audit(workspace, "image=\(workspace.userImage)").isEmpty)
            let nothing = try workspace.run(["audit", "image=\(workspace.userImage)"])
            #expect(nothing.status == 0 && nothing.stdout.hasPrefix("nothing recorded in this ledger was built on"))
        }
    }

    @Test(arguments: [
        (["audit"], Int32(64), "one of environment=NAME or image=TARGET"),
        (["audit", "environment=brainvisa-master-5.4", "image=x"], 64, "one of environment=NAME or image=TARGET"),
        (
            ["audit", "environment=nowhere"], 65,
            "no image in this ledger was made from environment nowhere (environments with images: brainvisa-master-5.4)"
        ),
        (["audit", "image=0000000000"], 64, "no image recorded in this ledger answers to sha256 0000000000"),
    ])
    func badAuditsAreOneLineErrors(_ arguments: [String], _ status: Int32, _ message: String) async throws {
        try await onItsOwnThread {
            let (workspace, _) = try ProvenanceTests.publishedUserImage()
            let before = try workspace.ledger().eventCount()
            let result = try workspace.run(arguments)
            #expect(result.status == status, "\(result.stderr)")
            #expect(
                result.stderr.contains(message) && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(try workspace.ledger().eventCount() == before)
        }
    }
}
