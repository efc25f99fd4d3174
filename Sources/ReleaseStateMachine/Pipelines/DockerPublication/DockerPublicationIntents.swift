import Foundation

/// What a step of `publish-docker` is about to do. One enum for the family.
public enum DockerPublicationIntent: Codable, Equatable, Sendable {
    /// Reach the registry (credentials included), and read, for every tag the run will move,
    /// the digest it points to now and the numbered tags `<tag>-<n>` already there: recorded
    /// before anything moves, so that the tags can be put back.
    case checkRegistry(CheckDockerRegistry)
    /// Every blob the registry lacks, then the manifest by digest, then a check of both: nothing
    /// is visible by a tag yet.
    case push(PushDockerImage)
    /// A signature of the pushed manifest, stored as cosign stores it: an OCI manifest tagged
    /// `sha256-<hex>.sig` in the image's repository; only with a signing key.
    case sign(SignDockerImage)
    /// The numbered tags, then the moving ones, each only while it still points where the check
    /// found it: the moment the images become visible.
    case moveTags(MoveDockerTags)
}

// The ledger's format of this enum, written out: see Formats/NestedCaseCoding.swift.
extension DockerPublicationIntent {
    /// The case names as the ledger stores them: never renamed.
    public enum Kind: String, CaseIterable, Sendable {
        case checkRegistry = "checkRegistry"
        case push = "push"
        case moveTags = "moveTags"
        case sign = "sign"
    }

    public var kind: Kind {
        switch self {
        case .checkRegistry: return .checkRegistry
        case .push: return .push
        case .moveTags: return .moveTags
        case .sign: return .sign
        }
    }

    public init(from decoder: Decoder) throws {
        let (name, values) = try NestedCase.open(decoder, "docker publication intent")
        switch Kind(rawValue: name) {
        case .checkRegistry: self = .checkRegistry(try values.decode(CheckDockerRegistry.self, forKey: .value))
        case .push: self = .push(try values.decode(PushDockerImage.self, forKey: .value))
        case .moveTags: self = .moveTags(try values.decode(MoveDockerTags.self, forKey: .value))
        case .sign: self = .sign(try values.decode(SignDockerImage.self, forKey: .value))
        case nil: throw NestedCase.unknown(name, "docker publication intent", decoder)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = NestedCase.values(encoder, kind.rawValue)
        switch self {
        case .checkRegistry(let value): try values.encode(value, forKey: .value)
        case .push(let value): try values.encode(value, forKey: .value)
        case .moveTags(let value): try values.encode(value, forKey: .value)
        case .sign(let value): try values.encode(value, forKey: .value)
        }
    }
}

public struct CheckDockerRegistry: Codable, Equatable, Sendable {
    public var registry: DockerRegistry
    /// `cati/<name>` and the tags of each image.
    public var repositories: [DockerRepositoryTags]

    public init(registry: DockerRegistry, repositories: [DockerRepositoryTags]) {
        self.registry = registry
        self.repositories = repositories
    }
}

public struct DockerRepositoryTags: Codable, Equatable, Sendable {
    public var repository: String
    public var tags: [String]

    public init(repository: String, tags: [String]) {
        self.repository = repository
        self.tags = tags
    }
}

public struct PushDockerImage: Codable, Equatable, Sendable {
    public var registry: DockerRegistry
    public var layout: String
    public var repository: String
    public var manifestDigest: String
    /// The config, then the layers.
    public var blobs: [String]
    /// This push's upload records: `<uploadsDirectory>/<run token>/`.
    public var uploadsDirectory: String

    public init(
        registry: DockerRegistry, layout: String, repository: String, manifestDigest: String, blobs: [String],
        uploadsDirectory: String
    ) {
        self.registry = registry
        self.layout = layout
        self.repository = repository
        self.manifestDigest = manifestDigest
        self.blobs = blobs
        self.uploadsDirectory = uploadsDirectory
    }
}

public struct SignDockerImage: Codable, Equatable, Sendable {
    public var registry: DockerRegistry
    public var repository: String
    public var manifestDigest: String
    /// The private key's path (never the key), and the id the run started with.
    public var signingKey: String
    public var keyID: String
    /// The image's provenance (an in-toto statement), attached signed as `sha256-<hex>.att`.
    public var statement: String?

    public init(
        registry: DockerRegistry, repository: String, manifestDigest: String, signingKey: String, keyID: String,
        statement: String? = nil
    ) {
        self.registry = registry
        self.repository = repository
        self.manifestDigest = manifestDigest
        self.signingKey = signingKey
        self.keyID = keyID
        self.statement = statement
    }

    /// What the signature says the image is: `<registry host>/<repository>`, as cosign writes it.
    public var identity: String { registry.host + "/" + repository }
}

public struct MoveDockerTags: Codable, Equatable, Sendable {
    public var registry: DockerRegistry
    public var layout: String
    /// In order: for each image, its numbered tags, then its moving tags.
    public var moves: [DockerTagMove]

    public init(registry: DockerRegistry, layout: String, moves: [DockerTagMove]) {
        self.registry = registry
        self.layout = layout
        self.moves = moves
    }
}

/// One tag to point at a pushed manifest, with what it pointed to when the run looked.
public struct DockerTagMove: Codable, Equatable, Sendable {
    public var repository: String
    public var tag: String
    /// The pushed manifest.
    public var digest: String
    /// Where the tag pointed when check-registry read it; nil when it did not exist.
    public var previous: String?
    /// `<tag>-<N>`: made once, never moved.
    public var numbered: Bool

    public init(repository: String, tag: String, digest: String, previous: String?, numbered: Bool) {
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.previous = previous
        self.numbered = numbered
    }

    public var reference: String { repository + ":" + tag }
}
