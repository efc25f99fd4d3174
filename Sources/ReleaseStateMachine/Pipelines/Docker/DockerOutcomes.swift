import Foundation

/// What a step of `create-docker` did.
public enum DockerEffect: Codable, Equatable, Sendable {
    case renderedContexts([RenderedDockerContext])
    case built(BuiltDockerImage)
    case tagged([BuiltDockerImage])
    case described([BuiltDockerImage])
}

// The ledger's format of this enum, written out: see Formats/NestedCaseCoding.swift.
extension DockerEffect {
    /// The case names as the ledger stores them: never renamed.
    public enum Kind: String, CaseIterable, Sendable {
        case renderedContexts = "renderedContexts"
        case built = "built"
        case tagged = "tagged"
        case described = "described"
    }

    public var kind: Kind {
        switch self {
        case .renderedContexts: return .renderedContexts
        case .built: return .built
        case .tagged: return .tagged
        case .described: return .described
        }
    }

    public init(from decoder: Decoder) throws {
        let (name, values) = try NestedCase.open(decoder, "docker outcome")
        switch Kind(rawValue: name) {
        case .renderedContexts:
            self = .renderedContexts(try values.decode([RenderedDockerContext].self, forKey: .value))
        case .built: self = .built(try values.decode(BuiltDockerImage.self, forKey: .value))
        case .tagged: self = .tagged(try values.decode([BuiltDockerImage].self, forKey: .value))
        case .described: self = .described(try values.decode([BuiltDockerImage].self, forKey: .value))
        case nil: throw NestedCase.unknown(name, "docker outcome", decoder)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = NestedCase.values(encoder, kind.rawValue)
        switch self {
        case .renderedContexts(let value): try values.encode(value, forKey: .value)
        case .built(let value): try values.encode(value, forKey: .value)
        case .tagged(let value): try values.encode(value, forKey: .value)
        case .described(let value): try values.encode(value, forKey: .value)
        }
    }
}

/// One image's build context, rendered.
public struct RenderedDockerContext: Codable, Equatable, Sendable {
    public var reference: String
    public var directory: String
    /// SHA-256 over every file of the context (path, mode, content), the Dockerfile included.
    public var contextSHA256: String
    public var dockerfileSHA256: String
    /// The images the Dockerfile's `FROM` lines name (`scratch` left out), in order.
    public var baseImages: [String]

    public init(
        reference: String, directory: String, contextSHA256: String, dockerfileSHA256: String, baseImages: [String]
    ) {
        self.reference = reference
        self.directory = directory
        self.contextSHA256 = contextSHA256
        self.dockerfileSHA256 = dockerfileSHA256
        self.baseImages = baseImages
    }
}

/// A base image a build started from, by digest.
public struct DockerBaseImage: Codable, Equatable, Sendable {
    public var reference: String
    /// `sha256:...` of its manifest.
    public var digest: String

    public init(reference: String, digest: String) {
        self.reference = reference
        self.digest = digest
    }
}

/// An image as built (or found up to date): what identifies it, and what went into it.
public struct BuiltDockerImage: Codable, Equatable, Sendable {
    /// `<name>:<tag>` of the built tag; the registry path is `cati/<name>`.
    public var reference: String
    public var tags: [String]
    public var visibility: DockerVisibility
    /// `sha256:...` of the OCI manifest, of the config, and of each layer, as in the OCI layout.
    public var manifestDigest: String
    public var configDigest: String
    public var layers: [String]
    /// The manifest's, the config's and the layers' sizes together.
    public var size: Int64
    public var definition: String
    public var definitionDirectory: String
    public var contextSHA256: String
    public var dockerfileSHA256: String
    public var parameters: [String: String]
    public var baseImages: [DockerBaseImage]
    /// What `buildah --version` said.
    public var builder: String
    /// The run that built it, when this run found it up to date (nothing was built).
    public var upToDateSince: String?

    public init(
        reference: String, tags: [String], visibility: DockerVisibility, manifestDigest: String, configDigest: String,
        layers: [String], size: Int64, definition: String, definitionDirectory: String, contextSHA256: String,
        dockerfileSHA256: String, parameters: [String: String], baseImages: [DockerBaseImage], builder: String,
        upToDateSince: String? = nil
    ) {
        self.reference = reference
        self.tags = tags
        self.visibility = visibility
        self.manifestDigest = manifestDigest
        self.configDigest = configDigest
        self.layers = layers
        self.size = size
        self.definition = definition
        self.definitionDirectory = definitionDirectory
        self.contextSHA256 = contextSHA256
        self.dockerfileSHA256 = dockerfileSHA256
        self.parameters = parameters
        self.baseImages = baseImages
        self.builder = builder
        self.upToDateSince = upToDateSince
    }

    /// `cati/<name>:<tag>` of the built tag.
    public var fullReference: String { DockerReference.namespace + reference }

    /// `<name>`, without the tag.
    public var name: String { String(reference.prefix(upTo: reference.lastIndex(of: ":") ?? reference.endIndex)) }

    /// The built tag.
    public var tag: String {
        reference.lastIndex(of: ":").map { String(reference[reference.index(after: $0)...]) } ?? ""
    }

    /// `cati/<name>`: the repository, in the layout and in a registry.
    public var repository: String { DockerReference.namespace + name }

    /// `cati/<name>@sha256:…`: the one reference that cannot move.
    public var pinnedReference: String { repository + "@" + manifestDigest }

    /// `cati/<name>:<tag>` of every tag, the built one last.
    public var taggedReferences: [String] { tags.map { repository + ":" + $0 } }
}

extension DockerEffect {
    /// One line for people (`status`): what the step made or found.
    public var summary: String {
        switch self {
        case .renderedContexts(let contexts):
            return contexts.map { "\($0.reference) (context sha256 \($0.contextSHA256.prefix(12))…)" }.joined(
                separator: ", ")
        case .built(let image):
            return
                "\(image.fullReference) \(image.manifestDigest.prefix(19))… (\(image.layers.count) layer\(image.layers.count == 1 ? "" : "s"), \(image.size) bytes)"
                + (image.upToDateSince.map { ", up to date since run \($0.prefix(8))" } ?? "")
        case .tagged(let images), .described(let images):
            return images.map { $0.taggedReferences.joined(separator: ", ") }.joined(separator: "; ")
        }
    }
}
