import Foundation
import ReleaseStateMachine

/// An OCI archive of one image of the layout: a tar of `oci-layout`, an `index.json` naming
/// only that manifest, and its blobs. What `apptainer build` reads as `oci-archive:`.
///
/// GNU tar writes it (Debian's, always there) with fixed owners, modes and times, so the
/// same image gives the same archive. Every blob is checked against its digest first: a layout
/// blob that no longer matches is named here, not deep in apptainer's output.
enum OCIArchive {
    /// Writes the archive of `manifestDigest` (tagged `reference` in it) to `path`; returns its size.
    @discardableResult
    static func write(
        _ manifestDigest: String, reference: String, from layout: OCILayout, to path: String, logPath: String?
    ) throws -> Int64 {
        let manifest = try layout.blob(manifestDigest)
        let contents = try layout.contents(of: manifestDigest)
        var blobs: [String] = []
        for digest in [manifestDigest, contents.config] + contents.layers where !blobs.contains(digest) {
            try layout.checkBlob(digest)
            blobs.append(digest)
        }
        let staging = path + ".d"
        try LocalFiles.removeTree(staging)
        try LocalFiles.createDirectories(staging)
        defer { try? LocalFiles.removeTree(staging) }
        let index = JSONValue.object([
            JSONMember("schemaVersion", .integer(2)),
            JSONMember(
                "manifests",
                .array([
                    .object([
                        JSONMember("mediaType", .string(try OCILayout.mediaType(of: manifest))),
                        JSONMember("digest", .string(manifestDigest)),
                        JSONMember("size", .integer(Int64(manifest.count))),
                        JSONMember("annotations", .object([JSONMember(OCILayout.refName, .string(reference))])),
                    ])
                ])),
        ])
        try LocalFiles.writeAtomically(Data(SidecarRendering.render(index).utf8), to: staging + "/index.json")
        try LocalFiles.writeAtomically(Data("{\"imageLayoutVersion\": \"1.0.0\"}".utf8), to: staging + "/oci-layout")
        guard let tar = ProcessRunner.which("tar") else {
            throw ExecutorError(.unavailable, "tar is not on the PATH: it writes the OCI archive apptainer reads")
        }
        let command =
            [
                tar, "--create", "--file", path, "--format=gnu", "--numeric-owner", "--owner=0", "--group=0",
                "--mtime=@0", "--mode=u+rw,go+r,go-w", "--no-recursion",
                "--directory", staging, "oci-layout", "index.json",
                "--directory", layout.directory, "blobs", "blobs/sha256",
            ] + blobs.map { "blobs/sha256/" + DockerDigest.hex($0) }
        let status = try ProcessRunner.run(command, workingDirectory: "/", logPath: logPath)
        guard status == 0, let written = LocalFiles.status(path) else {
            try? LocalFiles.remove(path)
            throw ExecutorError(
                .stepFailed,
                "tar exited with status \(status) writing the OCI archive \(path)"
                    + (logPath.map { "; its output is in \($0)" } ?? ""))
        }
        return written.size
    }
}
