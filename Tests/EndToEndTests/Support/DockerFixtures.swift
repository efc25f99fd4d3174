import Foundation
@testable import TestSupport

/// create-docker's world in a workspace: buildah's storage and the OCI layout under the base
/// directory, a base image made from busybox-static (nothing is pulled), definitions in
/// `<base>/share/docker`.
extension Workspace {
    var dockerTop: String { base + "/casa-release-docker" }
    var ociLayout: String { dockerTop + "/oci" }

    /// buildah with the storage create-docker uses.
    func buildah(_ arguments: String) throws -> String {
        try shell(
            "/usr/bin/buildah --root '\(dockerTop)/storage' --runroot '\(dockerTop)/run' --storage-driver vfs \(arguments)"
        )
    }

    /// `cati/busybox-base:1`: a root file system of busybox-static's applets, committed with
    /// buildah into create-docker's storage.
    func makeBusyboxBase() throws {
        let rootfs = root + "/busybox-rootfs"
        try shell(
            "mkdir -p '\(rootfs)/bin' && cp /bin/busybox '\(rootfs)/bin/' && for c in sh echo mkdir cat test; do ln -sf busybox '\(rootfs)/bin/'$c; done"
        )
        let container = try buildah("from scratch")
        _ = try buildah("copy \(container) '\(rootfs)' /")
        _ = try buildah("config --cmd /bin/sh \(container)")
        _ = try buildah("commit --timestamp 0 \(container) cati/busybox-base:1")
        _ = try buildah("rm \(container)")
    }

    /// A definition `<base>/share/docker/<key>`: its yaml, and its Dockerfile (named
    /// Dockerfile.template when it uses template parameters).
    func define(_ key: String, yaml: String, dockerfile: String) throws {
        let directory = base + "/share/docker/" + key
        try write(directory + "/casa_distro_docker.yaml", yaml)
        try write(directory + (dockerfile.contains("%(") ? "/Dockerfile.template" : "/Dockerfile"), dockerfile)
    }

    /// casa-run on the busybox base, `marker` in its /casa/run (another marker, another build).
    func defineRun(marker: String = "run") throws {
        try define(
            "casa-run/busybox",
            yaml: """
                image_sources:
                  - name: casa-run
                    tags: ["%(casa_version)s"]
                """, dockerfile: "FROM cati/busybox-base:1\nRUN mkdir -p /casa && echo \(marker) > /casa/run\n")
    }

    /// casa-run and casa-dev on the busybox base, casa-dev depending on casa-run.
    func defineRunAndDev() throws {
        try makeBusyboxBase()
        try defineRun()
        try define(
            "casa-dev/busybox",
            yaml: """
                dependencies: [../../casa-run]
                image_sources:
                  - name: casa-dev
                    tags: [latest, "%(casa_version)s"]
                """, dockerfile: "FROM cati/casa-run:%(casa_version)s\nRUN echo dev > /casa/dev\n")
    }

    /// The references buildah bud was asked to build, in order.
    func buds() throws -> [String] {
        try standInCalls("buildah").filter { $0.argv.contains("bud") }.compactMap { call in
            call.argv.firstIndex(of: "--tag").map { call.argv[$0 + 1] }
        }
    }

    /// What skopeo (an independent reader of OCI layouts) says `reference` is in the layout.
    func skopeoDigest(_ reference: String) throws -> String {
        try shell("skopeo inspect --format '{{.Digest}}' 'oci:\(ociLayout):\(reference)'")
    }

    /// `casa-big:1`: the busybox base and one layer of `bytes` random bytes (uncompressed in the
    /// layout, so the layer's blob has about that size).
    func defineBig(bytes: Int) throws {
        try define(
            "casa-big/busybox",
            yaml: """
                image_sources:
                  - name: casa-big
                    tags: ["1"]
                """, dockerfile: "FROM cati/busybox-base:1\nCOPY big.bin /big.bin\n")
        try shell("head -c \(bytes) /dev/urandom > '\(base)/share/docker/casa-big/busybox/big.bin'")
    }
}
