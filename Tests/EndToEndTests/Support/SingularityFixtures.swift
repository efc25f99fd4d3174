import Foundation
@testable import TestSupport

/// create-singularity's world in a workspace: the `.sif` files beside the base directory's
/// other images, and what the apptainer stand-in recorded of them.
extension Workspace {
    /// `<base>/cati_<name>_<tag>.sif`.
    func sif(_ reference: String) -> String {
        base + "/cati_" + reference.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_")
            + ".sif"
    }

    /// casa-run (with its own Env, Entrypoint and Cmd) and casa-dev on the busybox base.
    func defineRunAndDevWithConfig() throws {
        try defineRunAndDev()
        try write(
            base + "/share/docker/casa-run/busybox/Dockerfile",
            """
            FROM cati/busybox-base:1
            RUN mkdir -p /casa && echo run > /casa/run
            ENV CASA_RUN=yes CASA_PATH=/casa/bin
            ENTRYPOINT ["/bin/sh", "-c"]
            CMD ["cat /casa/run"]

            """)
    }

    /// The `apptainer build` calls, each as (output, source).
    func sifBuilds() throws -> [(output: String, source: String)] {
        try standInCalls("apptainer").filter { $0.argv.first == "build" }.map {
            ($0.argv[$0.argv.count - 2], $0.argv[$0.argv.count - 1])
        }
    }

    /// What the apptainer stand-in wrote in an image: its JSON line (files, labels, docker config).
    func sifContents(_ path: String) throws -> [String: Any] {
        let lines = String(decoding: try bytes(path), as: UTF8.self).split(separator: "\n", maxSplits: 2)
        guard lines.count >= 2, lines[0] == "STANDIN-SIF v1" else { throw CocoaError(.fileReadCorruptFile) }
        return try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
    }

    /// `apptainer exec IMAGE cat FILE`, as a user of the image would read it.
    func catInImage(_ image: String, _ file: String) throws -> String {
        try shell("PATH='\(Self.standIns)':$PATH apptainer exec '\(image)' cat '\(file)'")
    }

    /// The config of `reference` in the layout, as skopeo (an independent reader) sees it.
    func skopeoConfig(_ reference: String) throws -> [String: Any] {
        let text = try shell("skopeo inspect --config 'oci:\(ociLayout):\(reference)'")
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any])["config"] as! [String: Any]
    }

    /// Hidden temporary files (`.<name>.<token>.part`) and OCI archives a run may have left.
    func conversionLeftovers() throws -> [String] {
        let hidden = try files(in: base).filter { $0.hasPrefix(".") && $0.hasSuffix(".part") }
        let archives = dockerTop + "/archives"
        let left =
            FileManager.default.fileExists(atPath: archives)
            ? try FileManager.default.subpathsOfDirectory(atPath: archives) : []
        return hidden + left.map { "archives/" + $0 }
    }
}
