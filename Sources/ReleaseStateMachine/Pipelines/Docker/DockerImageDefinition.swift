import Foundation

/// Who may pull an image: casa-distro's `visibility`, which it documented and never read. Public
/// images go to the public registry, private ones to `private_registry=`.
public enum DockerVisibility: String, Codable, Equatable, Sendable {
    case `public`
    case `private`
}

/// One entry of a definition's `image_sources`: an image built from the definition's Dockerfile
/// under a name and one or more tags, before the template parameters are applied.
public struct DockerImageSource: Codable, Equatable, Sendable {
    /// The image's name, e.g. `casa-test` (the registry path is `cati/<name>`, as casa-distro's).
    public var name: String
    /// Its tags, e.g. `["%(casa_version)s-ubuntu-24.04"]`. The last one is the one built, the
    /// others are aliases of it (casa-distro's rule).
    public var tags: [String]
    public var visibility: DockerVisibility
    /// `template_files_parameters`: what `%(key)s` means in the `*.template` files, the name
    /// and the tags, on top of `casa_version`.
    public var templateParameters: [String: String]

    public init(
        name: String, tags: [String], visibility: DockerVisibility = .public, templateParameters: [String: String] = [:]
    ) {
        self.name = name
        self.tags = tags
        self.visibility = visibility
        self.templateParameters = templateParameters
    }
}

/// A `<name>/<system>/` directory holding `casa_distro_docker.yaml` and a `Dockerfile`, as read
/// from the first search-path root that has it.
public struct DockerImageDefinition: Codable, Equatable, Sendable {
    /// Its path below the search-path root, `casa-test/ubuntu-24.04`: what dependencies name, and
    /// what a definition of the same path in an earlier root hides.
    public var key: String
    /// The directory itself: the build context.
    public var directory: String
    /// Its `casa_distro_docker.yaml`, named in every error about it.
    public var file: String
    /// `dependencies`, each turned into a path below the root (`../../casa-run` from
    /// `casa-test/ubuntu-24.04` is `casa-run`): every definition at or below it comes first.
    public var dependencies: [String]
    public var sources: [DockerImageSource]

    public init(key: String, directory: String, file: String, dependencies: [String], sources: [DockerImageSource]) {
        self.key = key
        self.directory = directory
        self.file = file
        self.dependencies = dependencies
        self.sources = sources
    }
}

/// A mistake in the image definitions: the file it is in and what is wrong. Nothing is built
/// when there is one (exit 65).
public struct DockerDefinitionError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public init(_ file: String, _ problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
