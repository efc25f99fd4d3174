import Foundation
import Testing
@testable import TestSupport

/// Long local work shows a live progress line on a terminal, ended with its final figures, and
/// nothing of the kind when standard error is not a terminal or with --json.
@Suite struct ProgressLineTests {
    /// Runs casa-release under `script`, which gives it a pseudo-terminal, and returns what the
    /// terminal showed.
    static func onATerminal(_ workspace: Workspace, _ arguments: [String]) throws -> Execution {
        try workspace.run(arguments, launcher: ["/bin/sh", "-c", "exec /usr/bin/script -q -e -c \"$0 $*\" /dev/null"])
    }

    @Test func copyHashAndPublishShowProgressOnATerminal() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 24 << 20)
            let shown = try Self.onATerminal(workspace, workspace.createAndPublishArguments)
            #expect(shown.status == 0, "\(shown.stdout)")
            // The last redraw of each line is its summary: bytes, time and rate, not a frozen "left".
            for label in ["copy ubuntu-24.04.sif", "copy casa-system-ubuntu-24.04.sif"] {
                #expect(shown.stdout.contains("\(label)  24.0 MiB in 0:"), "\(label): \(shown.stdout)")
            }
            // describe takes the digests the copy computed: the image is not read a second time.
            #expect(!shown.stdout.contains("hash casa-system-ubuntu-24.04.sif"), "\(shown.stdout)")
            let lines = shown.stdout.components(separatedBy: "\n")
            #expect(
                !lines.contains { $0.hasSuffix(" left") || $0.hasSuffix(" left\r") },
                "a line left frozen at its last redraw")

            try FileManager.default.removeItem(atPath: workspace.output)
            let piped = try workspace.run(workspace.createArguments + ["force=yes"])
            #expect(piped.status == 0)
            #expect(!piped.stderr.contains("MiB"), "no progress without a terminal: \(piped.stderr)")
            let json = try Self.onATerminal(workspace, workspace.createArguments + ["force=yes", "--json"])
            #expect(json.status == 0)
            #expect(!json.stdout.contains("MiB/s"), "no progress with --json: \(json.stdout)")
        }
    }

    /// A user image's install tree of 12 MiB: its digest, its zip and the zip's hash each show a
    /// line ended with the final figures; without a terminal, none.
    @Test func zipAndTreeDigestShowProgressOnATerminal() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            try workspace.makeDevEnvironment()
            let arguments = workspace.userImageArguments + ["zip=yes", "generate=no"]
            let shown = try workspace.run(
                arguments, environment: ["STANDIN_INSTALL_BYTES": "\(12 << 20)"],
                launcher: ["/bin/sh", "-c", "exec /usr/bin/script -q -e -c \"$0 $*\" /dev/null"])
            #expect(shown.status == 0, "\(shown.stdout)")
            for label in [
                "digest install", "zip brainvisa-5.4.0-ubuntu-24.04.zip", "hash brainvisa-5.4.0-ubuntu-24.04.zip",
            ] {
                #expect(shown.stdout.contains("\(label)  12.0 MiB in 0:"), "\(label): \(shown.stdout)")
            }
            #expect(!shown.stdout.contains(".part"), "lines name the file made, not its temporary: \(shown.stdout)")
            let piped = try workspace.run(
                arguments + ["force=yes"], environment: ["STANDIN_INSTALL_BYTES": "\(12 << 20)"])
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(!piped.stderr.contains("MiB"), "no progress without a terminal: \(piped.stderr)")
        }
    }

    /// A download is hashed as it arrives: its line, and no second reading of the file to check it.
    @Test func aDownloadIsHashedAsItArrives() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 24 << 20)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let www = workspace.root + "/www/download"
            try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: workspace.output, toPath: www + "/casa-system-ubuntu-24.04-1.sif")
            try FileManager.default.copyItem(
                atPath: workspace.output + ".json", toPath: www + "/casa-system-ubuntu-24.04-1.sif.json")
            let server = try WebDAVServer(directory: workspace.root + "/nginx", root: workspace.root + "/www")
            defer { server.stop() }
            let shown = try Self.onATerminal(
                workspace,
                [
                    "download-image", "filename=casa-system-ubuntu-24.04-1.sif", "url=\(server.url("download"))",
                    "output=\(workspace.root)/downloaded.sif",
                ])
            #expect(shown.status == 0, "\(shown.stdout)")
            #expect(shown.stdout.contains("download casa-system-ubuntu-24.04-1.sif  24.0 MiB in 0:"), "\(shown.stdout)")
            #expect(!shown.stdout.contains("check downloaded.sif"), "the file was not read again: \(shown.stdout)")
            #expect(
                try workspace.shell("md5sum '\(workspace.root)/downloaded.sif' | cut -d' ' -f1")
                    == (try workspace.shell("md5sum '\(workspace.output)' | cut -d' ' -f1")))
        }
    }
}
