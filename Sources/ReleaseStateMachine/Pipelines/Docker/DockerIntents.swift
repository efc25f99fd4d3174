import Foundation

/// What a step of `create-docker` is about to do. One enum for the family.
public enum DockerIntent: Codable, Equatable, Sendable {
    /// Render each image's definition directory (the `*.template` files with its parameters)
    /// into its own build context, and record the digests of the contexts and Dockerfiles.
    case renderContexts(RenderDockerContexts)
    /// `buildah bud` of one rendered context, then a copy into the OCI layout under the built tag.
    case build(BuildDockerImage)
    /// Every tag of every image in the OCI layout (and buildah's storage), pointing at the built
    /// manifest.
    case tag(TagDockerImages)
    /// Check the layout holds every image under every tag with the recorded digests, and
    /// describe them for the record.
    case describe(TagDockerImages)
}

// The ledger's format of this enum, written out: see Formats/NestedCaseCoding.swift.
extension DockerIntent {
    /// The case names as the ledger stores them: never renamed.
    public enum Kind: String, CaseIterable, Sendable {
        case renderContexts = "renderContexts"
        case build = "build"
        case tag = "tag"
        case describe = "describe"
    }

    public var kind: Kind {
        switch self {
        case .renderContexts: return .renderContexts
        case .build: return .build
        case .tag: return .tag
        case .describe: return .describe
        }
    }

    public init(from decoder: Decoder) throws {
        let (name, values) = try NestedCase.open(decoder, "docker intent")
        switch Kind(rawValue: name) {
        case .renderContexts: self = .renderContexts(try values.decode(RenderDockerContexts.self, forKey: .value))
        case .build: self = .build(try values.decode(BuildDockerImage.self, forKey: .value))
        case .tag: self = .tag(try values.decode(TagDockerImages.self, forKey: .value))
        case .describe: self = .describe(try values.decode(TagDockerImages.self, forKey: .value))
        case nil: throw NestedCase.unknown(name, "docker intent", decoder)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = NestedCase.values(encoder, kind.rawValue)
        switch self {
        case .renderContexts(let value): try values.encode(value, forKey: .value)
        case .build(let value): try values.encode(value, forKey: .value)
        case .tag(let value): try values.encode(value, forKey: .value)
        case .describe(let value): try values.encode(value, forKey: .value)
        }
    }
}

public struct RenderDockerContexts: Codable, Equatable, Sendable {
    public var images: [PlannedDockerImage]
    /// This run's directory of contexts.
    public var directory: String

    public init(images: [PlannedDockerImage], directory: String) {
        self.images = images
        self.directory = directory
    }

    /// The context of one image: `<directory>/<name>_<tag>` (the name's `/` as `_`).
    public static func contextDirectory(_ directory: String, _ reference: String) -> String {
        directory + "/" + reference.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_")
    }
}

public struct BuildDockerImage: Codable, Equatable, Sendable {
    public var image: PlannedDockerImage
    public var context: RenderedDockerContext
    public var storage: DockerStorage
    public var noHostNetwork: Bool
    /// The last completed build of this reference, if any, and whether to ignore it.
    public var earlier: BuiltDockerImage?
    public var force: Bool

    public init(
        image: PlannedDockerImage, context: RenderedDockerContext, storage: DockerStorage, noHostNetwork: Bool,
        earlier: BuiltDockerImage?, force: Bool
    ) {
        self.image = image
        self.context = context
        self.storage = storage
        self.noHostNetwork = noHostNetwork
        self.earlier = earlier
        self.force = force
    }

    /// The reference in buildah's storage and the layout: `cati/<name>:<tag>`.
    public var fullReference: String { DockerReference.namespace + image.reference }
}

public struct TagDockerImages: Codable, Equatable, Sendable {
    public var storage: DockerStorage
    public var images: [BuiltDockerImage]

    public init(storage: DockerStorage, images: [BuiltDockerImage]) {
        self.storage = storage
        self.images = images
    }
}
