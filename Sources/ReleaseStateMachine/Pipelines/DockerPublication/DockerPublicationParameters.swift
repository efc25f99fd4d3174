import Foundation

/// `publish-docker`: the images chosen before the run started (built by create-docker, found in
/// the ledger and in the OCI layout), the registry they go to, and the numbered tags this ledger
/// already handed out there.
public struct DockerPublicationParameters: Codable, Equatable, Sendable {
    public var registry: DockerRegistry
    /// `visibility=`: only the images of this visibility are chosen.
    public var visibility: DockerVisibility
    /// `image_names=`, as given.
    public var patterns: [String]
    /// The OCI layout the blobs and manifests are read from.
    public var layout: String
    /// The images, in the order create-docker built them (dependencies first): one push step each.
    public var images: [DockerImageToPush]
    /// The highest `<tag>-<N>` this ledger recorded on this registry, by `cati/<name>:<tag>`:
    /// a number is never handed out twice, even after the registry lost a tag.
    public var ledgerNumbers: [String: Int]
    /// Where each push keeps, per blob, the upload location the registry gave, so that a killed
    /// push goes on from the bytes the registry already has.
    public var uploadsDirectory: String
    /// `signing_key=`: the release key that signs each pushed manifest (a path, never the key),
    /// and its id when the run started; nil for unsigned pushes.
    public var signingKey: String?
    public var signingKeyID: String?

    public init(
        registry: DockerRegistry, visibility: DockerVisibility, patterns: [String], layout: String,
        images: [DockerImageToPush], ledgerNumbers: [String: Int], uploadsDirectory: String,
        signingKey: String? = nil, signingKeyID: String? = nil
    ) {
        self.signingKey = signingKey
        self.signingKeyID = signingKeyID
        self.registry = registry
        self.visibility = visibility
        self.patterns = patterns
        self.layout = layout
        self.images = images
        self.ledgerNumbers = ledgerNumbers
        self.uploadsDirectory = uploadsDirectory
    }
}

/// A registry speaking the OCI distribution API.
public struct DockerRegistry: Codable, Equatable, Sendable {
    /// Where the API is: `https://registry-1.docker.io`, `http://127.0.0.1:5000` (no path).
    public var url: String
    /// How references name it: `docker.io`, `127.0.0.1:5000`.
    public var host: String

    public init(url: String, host: String) {
        self.url = url
        self.host = host
    }

    /// Docker Hub, casa-distro's registry.
    public static let dockerHub = DockerRegistry(url: "https://registry-1.docker.io", host: "docker.io")

    /// `registry=` as typed: `URL`, `host[:port]` (https), or `docker.io`; nil when it is none of them.
    public static func parse(_ text: String) -> DockerRegistry? {
        var text = text
        let hadScheme = text.contains("://")
        while text.hasSuffix("/") { text.removeLast() }
        if hadScheme, !text.contains("://") { return nil }
        if [
            "docker.io", "index.docker.io", "registry-1.docker.io", "https://registry-1.docker.io",
            "https://index.docker.io",
        ].contains(text) {
            return .dockerHub
        }
        if !text.contains("://") { text = "https://" + text }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.path.isEmpty, components.query == nil, components.user == nil
        else { return nil }
        if let port = components.port, !(1...65_535).contains(port) { return nil }
        let hostPort = host + (components.port.map { ":\($0)" } ?? "")
        return DockerRegistry(url: scheme + "://" + hostPort, host: hostPort)
    }

    /// `<host>/cati/<name>:<tag>`: how a client pulls it.
    public func reference(_ repository: String, _ tag: String) -> String { host + "/" + repository + ":" + tag }
}

/// One image to push: its latest build, as `Ledger.latestDockerBuilds()` gives it (its
/// `upToDateSince` names the run that built it).
public struct DockerImageToPush: Codable, Equatable, Sendable {
    public var image: BuiltDockerImage

    public init(image: BuiltDockerImage) {
        self.image = image
    }

    /// `cati/<name>`: the repository in the registry.
    public var repository: String { image.repository }

    /// `push-<name>:<tag>`.
    public var stepName: StepName { StepName("push-" + image.reference) }

    /// `sign-<name>:<tag>`, right after the push: a manifest is signed before any tag shows it.
    public var signStepName: StepName { StepName("sign-" + image.reference) }
}
