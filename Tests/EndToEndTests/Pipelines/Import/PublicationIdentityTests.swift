import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `import` keeps casa-distro's publication identity: the `-N` links its publish_base_image makes
/// after an upload, a published directory copied (mirror_of=), or a server's listing read over
/// http. An imported image can then be named by its published name or URL, and shows where it
/// was published.
@Suite(.serialized) struct PublicationIdentityTests {
    let runID = "c7d6042e-f4f2-4a56-86ea-258a10c087c3"
    let userID = "53b70856-6cac-423b-91eb-e0e841091bae"
    let casaDistroServer = "sftp://brainvisa@brainvisa.info/var/www/html/brainvisa.info_download/"

    /// An image and its sidecar, with `build_number` when given.
    func image(
        _ workspace: Workspace, _ path: String, bytes: String, name: String, imageID: String, buildNumber: Int? = nil
    ) throws {
        try workspace.write(path, bytes)
        let md5 = try workspace.shell("md5sum '\(path)' | cut -d' ' -f1")
        try workspace.write(
            path + ".json",
            """
            {"name": "\(name)", "type": "run", "size": \(bytes.utf8.count), "md5": "\(md5)", "image_id": "\(imageID)"\(buildNumber.map { ", \"build_number\": \($0)" } ?? "")}
            """)
    }

    /// casa-distro's base directory after publishing casa-run-5.4 twice (build 1, then build 2 of
    /// the same file: the sidecar keeps the last N), and a user image whose upload failed after
    /// casa-distro wrote its build_number.
    func casaDistroBaseDirectory(_ workspace: Workspace) throws -> String {
        let directory = workspace.root + "/casa_distro"
        try image(
            workspace, directory + "/casa-run-5.4.sif", bytes: "run image bytes", name: "casa-run-5.4", imageID: runID,
            buildNumber: 2)
        for number in [1, 2] {
            try workspace.shell("ln -s '\(directory)/casa-run-5.4.sif' '\(directory)/casa-run-5.4-\(number).sif'")
            try workspace.shell(
                "ln -s '\(directory)/casa-run-5.4.sif.json' '\(directory)/casa-run-5.4-\(number).sif.json'")
        }
        try image(
            workspace, directory + "/brainvisa-5.4.0.sif", bytes: "user image bytes", name: "brainvisa-5.4.0",
            imageID: userID, buildNumber: 3)
        return directory
    }

    @Test func casaDistroLinksAreRecordedAsPublicationsNotAsImages() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let directory = try casaDistroBaseDirectory(workspace)
            let imported = try workspace.run(["import", directory])
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(
                imported.stdout.contains("recorded 2 images from \(directory)"),
                "the links are no images of their own: \(imported.stdout)")
            #expect(imported.stdout.contains("published as \(casaDistroServer)casa-run-5.4-2.sif (build 2)"))
            // Every link points at the current file: only the sidecar's build_number is evidence.
            #expect(!imported.stdout.contains("casa-run-5.4-1.sif (build 1)"), "\(imported.stdout)")
            #expect(
                imported.stderr.contains(
                    "skipped \(directory)/casa-run-5.4-1.sif.json: casa-distro points every -N link at the current image, whose sidecar says build_number 2: this link does not tell which image was published as N=1"
                ),
                "\(imported.stderr)")
            #expect(
                imported.stderr.contains(
                    "note: \(directory)/brainvisa-5.4.0.sif: its sidecar says build_number 3 but there is no brainvisa-5.4.0-3.sif link"
                ),
                "\(imported.stderr)")

            for name in ["casa-run-5.4-2.sif", casaDistroServer + "casa-run-5.4-2.sif"] {
                let provenance = try workspace.run(["provenance", name])
                #expect(provenance.status == 0, "\(name): \(provenance.stderr)")
                #expect(
                    provenance.stdout.contains(
                        "\(casaDistroServer)casa-run-5.4-2.sif  N=2  published before casa-release (casa-distro's link \(directory)/casa-run-5.4-2.sif.json)"
                    ),
                    "\(provenance.stdout)")
                #expect(!provenance.stdout.contains("N=1"), "\(provenance.stdout)")
                #expect(
                    provenance.stdout.contains("(\(directory)/casa-run-5.4.sif)"),
                    "the image is the file the links point at")
            }
            #expect(
                try workspace.run(["provenance", "casa-run-5.4-1.sif"]).status == 64, "no image is credited with N=1")
            let user = try workspace.run(["provenance", "brainvisa-5.4.0.sif"])
            #expect(
                user.status == 0 && user.stdout.hasPrefix("not published"),
                "a build_number alone is no publication: \(user.stdout)")
            #expect(try workspace.run(["provenance", "brainvisa-5.4.0-3.sif"]).status == 64)

            // Imported again: nothing new. A publication casa-release did not make is never rolled back.
            let events = try workspace.ledger().eventCount()
            let again = try workspace.run(["import", directory])
            #expect(again.status == 0 && again.stdout.contains("nothing new to record"), "\(again.stdout)")
            #expect(try workspace.ledger().eventCount() == events)
            let rollback = try workspace.run(["rollback", "casa-run-5.4-2.sif", "--yes"])
            #expect(
                rollback.status == 64
                    && rollback.stderr.contains("casa-run-5.4-2.sif was published before casa-release (import run "),
                "\(rollback.stderr)")
            let verify = try workspace.run(["verify", "--artifacts"])
            #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        }
    }

    /// casa-distro's base directory after a rebuild (every link at the newest image) and a copy
    /// of its published directory: each N names exactly one image, the one published under it.
    @Test func aDirectoryAndItsMirrorNameOneImageForEveryNumber() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let directory = try casaDistroBaseDirectory(workspace)
            let mirror = workspace.root + "/mirror-copy"
            let older = "0a1b2c3d-0000-4000-8000-000000000001"
            try image(
                workspace, mirror + "/casa-run-5.4-1.sif", bytes: "the first build", name: "casa-run-5.4",
                imageID: older,
                buildNumber: 1)
            try image(
                workspace, mirror + "/casa-run-5.4-2.sif", bytes: "run image bytes", name: "casa-run-5.4",
                imageID: runID,
                buildNumber: 2)
            #expect(try workspace.run(["import", directory]).status == 0)
            let copied = try workspace.run(["import", mirror, "mirror_of=\(casaDistroServer)"])
            #expect(copied.status == 0, "\(copied.stderr)")
            for (number, imageID) in [(1, older), (2, runID)] {
                let provenance = try workspace.run(["provenance", "casa-run-5.4-\(number).sif", "--json"])
                #expect(provenance.status == 0, "N=\(number): \(provenance.stderr)")
                #expect(provenance.stdout.contains(imageID), "N=\(number) is \(imageID): \(provenance.stdout)")
                #expect(
                    !provenance.stdout.contains(number == 1 ? runID : older),
                    "N=\(number) names one image: \(provenance.stdout)")
            }
        }
    }

    @Test func targetNamesWhereTheLinksSayTheImagesWent() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let directory = try casaDistroBaseDirectory(workspace)
            let fromEnvironment = try workspace.run(
                ["import", directory], environment: ["BRAINVISA_PUBLISH_SERVER": "mirror.example.org"])
            #expect(
                fromEnvironment.stdout.contains(
                    "published as sftp://brainvisa@mirror.example.org/var/www/html/brainvisa.info_download/casa-run-5.4-2.sif"
                ),
                "\(fromEnvironment.stdout)")
            // Another target is another publication: recorded, and the image is not recorded twice as two.
            let given = try workspace.run(["import", directory, "target=sftp://casa@other.example.org/srv/images"])
            #expect(
                given.status == 0
                    && given.stdout.contains(
                        "published as sftp://casa@other.example.org/srv/images/casa-run-5.4-2.sif (build 2)"),
                "\(given.stdout)")
            let provenance = try workspace.run(["provenance", "casa-run-5.4-2.sif"])
            #expect(provenance.status == 0, "one image, published in two places: \(provenance.stderr)")
            #expect(
                provenance.stdout.components(separatedBy: "casa-run-5.4-2.sif  N=2").count == 3, "\(provenance.stdout)")

            for (argument, message) in [
                ("mirror_of=ftp://host/dir/", "ftp: URLs are not supported"),
                ("target=data:x", "data: URLs are not supported"),
            ] {
                let refused = try workspace.run(["import", directory, argument])
                #expect(refused.status == 64 && refused.stderr.contains(message), "\(argument): \(refused.stderr)")
            }
            let mixed = try workspace.run(["import", "http://127.0.0.1:1/download/", "target=sftp://x@y/z"])
            #expect(
                mixed.status == 64 && mixed.stderr.contains("target= and mirror_of= are for a local directory"),
                "\(mixed.stderr)")
        }
    }

    @Test func aMirrorCopyRecordsEachImageUnderItsOwnName() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let mirror = workspace.root + "/mirror"
            try image(
                workspace, mirror + "/casa-run-5.4-2.sif", bytes: "run image bytes", name: "casa-run-5.4",
                imageID: runID,
                buildNumber: 2)
            try image(
                workspace, mirror + "/brainvisa-5.4.0.sif", bytes: "user image bytes", name: "brainvisa-5.4.0",
                imageID: userID)
            let without = try workspace.run(["import", mirror])
            #expect(
                without.stderr.contains(
                    "note: \(mirror)/casa-run-5.4-2.sif: a published file (build 2); add mirror_of=URL"),
                "\(without.stderr)")
            let imported = try workspace.run(["import", mirror, "mirror_of=https://brainvisa.info/download"])
            #expect(imported.status == 0, "\(imported.stderr)")
            let run = try workspace.run(["provenance", "https://brainvisa.info/download/casa-run-5.4-2.sif", "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let graph = try JSONDecoder().decode(ProvenanceGraph.self, from: Data(run.stdout.utf8))
            let subject = try #require(graph.node(graph.subject))
            #expect(subject.path == mirror + "/casa-run-5.4-2.sif" && subject.sha256?.count == 64)
            let publications = graph.dependents(of: graph.subject).compactMap { graph.node($0.from)?.publication }
            let publication = try #require(publications.first)
            #expect(
                publication.buildNumber == 2 && publication.status == "imported"
                    && publication.evidence == "a copy of https://brainvisa.info/download/casa-run-5.4-2.sif")
            let user = try workspace.run(["provenance", "https://brainvisa.info/download/brainvisa-5.4.0.sif"])
            #expect(
                user.status == 0
                    && user.stdout.contains(
                        "https://brainvisa.info/download/brainvisa-5.4.0.sif  published before casa-release"),
                "\(user.stdout)")
        }
    }

    @Test func aServerListingRecordsWhereEachImageWasPublished() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let directory = try casaDistroBaseDirectory(workspace)
            let www = workspace.root + "/www/download"
            try image(
                workspace, www + "/casa-run-5.4-2.sif", bytes: "run image bytes", name: "casa-run-5.4", imageID: runID,
                buildNumber: 2)
            try image(
                workspace, www + "/brainvisa-5.4.0.sif", bytes: "user image bytes", name: "brainvisa-5.4.0",
                imageID: userID
            )
            try image(
                workspace, www + "/casa-run-5.4-3.sif", bytes: "other bytes", name: "casa-run-5.4", imageID: "run-3",
                buildNumber: 4)
            try workspace.write(www + "/casa-dev-5.4-1.sif", "dev")
            try workspace.write(www + "/casa-dev-5.4-1.sif.json", "{\"name\": ")
            let server = try WebDAVServer(directory: workspace.root + "/nginx", root: workspace.root + "/www")
            defer { server.stop() }
            #expect(try workspace.run(["import", directory]).status == 0)

            let url = server.url("download")
            let listed = try workspace.run(["import", url], environment: ["CASA_RELEASE_RETRY_DELAY": "0.05"])
            #expect(listed.status == 65, "two listed sidecars are wrong: \(listed.stdout) \(listed.stderr)")
            #expect(
                listed.stderr.contains("not imported: \(url)casa-dev-5.4-1.sif.json: not a readable sidecar"),
                "\(listed.stderr)")
            #expect(
                listed.stderr.contains(
                    "not imported: \(url)casa-run-5.4-3.sif.json: its build_number is 4 but the file is build 3"))
            #expect(listed.stdout.contains("recorded 2 images from \(url)"), "\(listed.stdout)")
            #expect(
                try !server.accessLog().contains { $0.contains("GET /download/casa-run-5.4-2.sif ") },
                "images are not downloaded")

            // The URL names the image the base directory holds: one image, published twice.
            let provenance = try workspace.run(["provenance", url + "casa-run-5.4-2.sif"])
            #expect(provenance.status == 0, "\(provenance.stderr)")
            #expect(
                provenance.stdout.contains(
                    "\(url)casa-run-5.4-2.sif  N=2  published before casa-release (listed at \(url))"),
                "\(provenance.stdout)")
            #expect(provenance.stdout.contains("\(casaDistroServer)casa-run-5.4-2.sif  N=2"))
            #expect(
                provenance.stdout.contains("(\(directory)/casa-run-5.4.sif)"),
                "the local file, with its sha256, tells the image")
            let user = try workspace.run(["provenance", "brainvisa-5.4.0.sif"])
            #expect(
                user.status == 0 && user.stdout.contains("\(url)brainvisa-5.4.0.sif  published before casa-release"),
                "\(user.stdout)")

            let again = try workspace.run(["import", url])
            #expect(again.status == 65 && again.stdout.contains("nothing new to record"), "\(again.stdout)")
            #expect(
                try workspace.run(["verify", "--artifacts"]).status == 0, "a server's sidecar is no local artifact")
        }
    }

    /// A server that is not there, or a directory it does not have: one line, the right exit
    /// code, and no ledger made for nothing.
    @Test func aListingThatCannotBeReadRecordsNothing() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let unreachable = try workspace.run(
                ["import", "http://127.0.0.1:1/download/"], environment: ["CASA_RELEASE_RETRY_DELAY": "0.01"])
            #expect(unreachable.status == 75, "\(unreachable.stderr)")
            #expect(
                unreachable.stderr.split(separator: "\n").last?.hasPrefix(
                    "casa-release: listing http://127.0.0.1:1/download/ failed 5 times") == true,
                "\(unreachable.stderr)")
            try FileManager.default.createDirectory(atPath: workspace.root + "/www", withIntermediateDirectories: true)
            let server = try WebDAVServer(directory: workspace.root + "/nginx", root: workspace.root + "/www")
            defer { server.stop() }
            let missing = try workspace.run(["import", server.url("nosuch")])
            #expect(
                missing.status == 65
                    && missing.stderr == "casa-release: \(server.url("nosuch")) has no listing (404)\n",
                "\(missing.stderr)")
            #expect(!workspace.hasLedger, "no ledger made for nothing")
        }
    }
}
