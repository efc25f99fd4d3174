import Foundation
import Hashing
import Testing
@testable import Executors
import ReleaseStateMachine

/// The OCI archive apptainer is handed: one image of the layout, the same bytes every time, read
/// by skopeo (an independent reader) as that image, and refused when a blob no longer matches.
@Suite struct OCIArchiveTests {
    /// A layout written by hand: a one-file layer, a config with Env/Entrypoint/Cmd, a manifest,
    /// and an index with that manifest and another one, which the archive must leave out.
    private func layout(in directory: String) throws -> (layout: OCILayout, manifest: String, layer: String) {
        let blobs = directory + "/blobs/sha256"
        try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        func put(_ data: Data) throws -> String {
            let hex = Hex.encode(SHA256.hash(data: data))
            try data.write(to: URL(fileURLWithPath: blobs + "/" + hex))
            return "sha256:" + hex
        }
        let files = directory + "/files"
        try FileManager.default.createDirectory(atPath: files + "/casa", withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: files + "/casa/hello.txt"))
        let tarball = directory + "/layer.tar"
        #expect(
            try ProcessRunner.run(
                ["/usr/bin/tar", "--create", "--file", tarball, "--directory", files, "casa"], logPath: nil) == 0)
        let layerData = try Data(contentsOf: URL(fileURLWithPath: tarball))
        let layer = try put(layerData)
        let config = Data(
            #"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=1"],"Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"]},"rootfs":{"type":"layers","diff_ids":["\#(layer)"]}}"#
                .utf8)
        let configDigest = try put(config)
        let manifest = Data(
            #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(configDigest)","size":\#(config.count)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(layer)","size":\#(layerData.count)}]}"#
                .utf8)
        let manifestDigest = try put(manifest)
        let other = try put(Data(#"{"schemaVersion":2}"#.utf8))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: directory + "/oci-layout"))
        try Data(
            #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(manifestDigest)","size":\#(manifest.count),"annotations":{"org.opencontainers.image.ref.name":"cati/x:1"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(other)","size":18}]}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: directory + "/index.json"))
        return (OCILayout(directory: directory), manifestDigest, layer)
    }

    @Test func theArchiveHoldsOneImageAndIsTheSameEveryTime() throws {
        let root = NSTemporaryDirectory() + "oci-archive-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (layout, manifest, _) = try layout(in: root + "/oci")
        let first = root + "/first.tar"
        let second = root + "/second.tar"
        try OCIArchive.write(manifest, reference: "cati/x:1", from: layout, to: first, logPath: nil)
        // Another second on the clock, another modification time on the layout: the same archive.
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1)], ofItemAtPath: layout.directory + "/blobs")
        try OCIArchive.write(manifest, reference: "cati/x:1", from: layout, to: second, logPath: nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: first)) == Data(contentsOf: URL(fileURLWithPath: second)))
        #expect(!FileManager.default.fileExists(atPath: first + ".d"), "the staging directory is removed")

        let listing = try ProcessRunner.capture(["/usr/bin/tar", "--list", "--file", first]).output.split(
            separator: "\n")
        #expect(listing.count == 7, "oci-layout, index.json, blobs, blobs/sha256, manifest, config, layer: \(listing)")
        let skopeo = try ProcessRunner.capture([
            "/usr/bin/skopeo", "inspect", "--format", "{{.Digest}} {{.Env}}", "oci-archive:" + first,
        ])
        #expect(
            skopeo.status == 0
                && skopeo.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(manifest) [PATH=/bin A=1]",
            "\(skopeo.output)")
        #expect(
            try DockerImageConfig.read(layout, manifest: manifest)
                == DockerImageConfig(
                    environment: ["PATH=/bin", "A=1"], entrypoint: ["/bin/sh", "-c"], cmd: ["echo hi"]))
    }

    @Test func aBlobThatNoLongerMatchesIsNamed() throws {
        let root = NSTemporaryDirectory() + "oci-archive-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (layout, manifest, layer) = try layout(in: root + "/oci")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: layout.blobPath(layer)))
        try handle.seek(toOffset: 10)
        try handle.write(contentsOf: Data("Z".utf8))
        try handle.close()
        #expect(throws: ExecutorError(.badInput, "the blob \(layer) in \(layout.directory) does not match its digest"))
        {
            try OCIArchive.write(manifest, reference: "cati/x:1", from: layout, to: root + "/a.tar", logPath: nil)
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/a.tar"))
    }
}
