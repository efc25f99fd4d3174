import Foundation

/// `create-docker`: the plan made from the definitions before the run started (so that a wrong
/// definition builds nothing), and where the images go.
public struct DockerImagesParameters: Codable, Equatable, Sendable {
    public var baseDirectory: String
    /// `image_names=`, as given (casa-distro's default `*`).
    public var patterns: [String]
    public var casaVersion: String?
    /// The images, dependencies first: one build step each.
    public var images: [PlannedDockerImage]
    /// buildah's storage (vfs driver) and the OCI image layout every built image is copied to,
    /// both under the base directory.
    public var storage: DockerStorage
    /// `no_host_network=yes`: builds get their own network namespace instead of the host's.
    public var noHostNetwork: Bool
    /// `force=yes`: rebuild even an image whose inputs are unchanged.
    public var force: Bool
    /// For each reference, the last completed build of it in the ledger when the run started:
    /// an unchanged build is reported up to date instead of being made again.
    public var earlierBuilds: [String: BuiltDockerImage]

    public init(
        baseDirectory: String, patterns: [String], casaVersion: String?, images: [PlannedDockerImage],
        storage: DockerStorage,
        noHostNetwork: Bool, force: Bool, earlierBuilds: [String: BuiltDockerImage]
    ) {
        self.baseDirectory = baseDirectory
        self.patterns = patterns
        self.casaVersion = casaVersion
        self.images = images
        self.storage = storage
        self.noHostNetwork = noHostNetwork
        self.force = force
        self.earlierBuilds = earlierBuilds
    }
}

/// Where docker images live on this host, below the base directory.
public struct DockerStorage: Codable, Equatable, Sendable {
    /// buildah's `--root` (images and layers, vfs driver).
    public var root: String
    /// buildah's `--runroot` (locks, mounts).
    public var runRoot: String
    /// The OCI image layout (`index.json`, `blobs/sha256/`): what publish-docker pushes and
    /// create-singularity converts. Each tag is a `org.opencontainers.image.ref.name` in it.
    public var layout: String
    /// Where each run renders its build contexts: `<contexts>/<run token>/<name>_<tag>/`.
    public var contexts: String

    public init(baseDirectory: String) {
        let top = baseDirectory + "/casa-release-docker"
        root = top + "/storage"
        runRoot = top + "/run"
        layout = top + "/oci"
        contexts = top + "/contexts"
    }
}
