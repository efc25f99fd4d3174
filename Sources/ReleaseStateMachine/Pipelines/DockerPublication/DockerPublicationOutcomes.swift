import Foundation

/// What a step of `publish-docker` did.
public enum DockerPublicationEffect: Codable, Equatable, Sendable {
    case checkedRegistry([DockerRepositoryState])
    case pushed(PushedDockerImage)
    case movedTags([MovedDockerTag])
    case signed(SignedDockerImage)
}

// The ledger's format of this enum, written out: see Formats/NestedCaseCoding.swift.
extension DockerPublicationEffect {
    /// The case names as the ledger stores them: never renamed.
    public enum Kind: String, CaseIterable, Sendable {
        case checkedRegistry = "checkedRegistry"
        case pushed = "pushed"
        case movedTags = "movedTags"
        case signed = "signed"
    }

    public var kind: Kind {
        switch self {
        case .checkedRegistry: return .checkedRegistry
        case .pushed: return .pushed
        case .movedTags: return .movedTags
        case .signed: return .signed
        }
    }

    public init(from decoder: Decoder) throws {
        let (name, values) = try NestedCase.open(decoder, "docker publication outcome")
        switch Kind(rawValue: name) {
        case .checkedRegistry: self = .checkedRegistry(try values.decode([DockerRepositoryState].self, forKey: .value))
        case .pushed: self = .pushed(try values.decode(PushedDockerImage.self, forKey: .value))
        case .movedTags: self = .movedTags(try values.decode([MovedDockerTag].self, forKey: .value))
        case .signed: self = .signed(try values.decode(SignedDockerImage.self, forKey: .value))
        case nil: throw NestedCase.unknown(name, "docker publication outcome", decoder)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = NestedCase.values(encoder, kind.rawValue)
        switch self {
        case .checkedRegistry(let value): try values.encode(value, forKey: .value)
        case .pushed(let value): try values.encode(value, forKey: .value)
        case .movedTags(let value): try values.encode(value, forKey: .value)
        case .signed(let value): try values.encode(value, forKey: .value)
        }
    }
}

/// A pushed manifest's signature, where cosign keeps it.
public struct SignedDockerImage: Codable, Equatable, Sendable {
    public var repository: String
    public var manifestDigest: String
    /// `sha256-<hex>.sig`.
    public var signatureTag: String
    public var keyID: String
    /// The base64 of the DER ECDSA signature of the simple-signing payload.
    public var signature: String
    /// The registry already held a signature of this digest by this key (a run again, a resume).
    public var alreadyThere: Bool
    /// `sha256-<hex>.att`, where the signed provenance is, when the run attached one.
    public var attestationTag: String?

    public init(
        repository: String, manifestDigest: String, signatureTag: String, keyID: String, signature: String,
        alreadyThere: Bool, attestationTag: String? = nil
    ) {
        self.attestationTag = attestationTag
        self.repository = repository
        self.manifestDigest = manifestDigest
        self.signatureTag = signatureTag
        self.keyID = keyID
        self.signature = signature
        self.alreadyThere = alreadyThere
    }
}

/// A repository as check-registry found it.
public struct DockerRepositoryState: Codable, Equatable, Sendable {
    public var repository: String
    /// The digest each tag the run will move points to (absent: no such tag).
    public var tags: [String: String]
    /// For each of those tags, the highest `<tag>-<n>` in the registry's tag list.
    public var highestNumbers: [String: Int]

    public init(repository: String, tags: [String: String], highestNumbers: [String: Int]) {
        self.repository = repository
        self.tags = tags
        self.highestNumbers = highestNumbers
    }
}

/// One image in the registry, by digest: what was sent and what was already there.
public struct PushedDockerImage: Codable, Equatable, Sendable {
    public var repository: String
    public var manifestDigest: String
    public var blobsUploaded: [String]
    public var blobsPresent: [String]
    /// Bytes of blobs sent, and of them, bytes a resumed upload did not need to send again.
    public var bytesSent: Int64
    public var bytesResumed: Int64
    /// Blob uploads the registry no longer knew (restarted, expired) and that started over.
    public var uploadsRestarted: Int
    /// HTTP requests the step made, token requests included.
    public var requests: Int

    public init(
        repository: String, manifestDigest: String, blobsUploaded: [String], blobsPresent: [String], bytesSent: Int64,
        bytesResumed: Int64, uploadsRestarted: Int, requests: Int
    ) {
        self.repository = repository
        self.manifestDigest = manifestDigest
        self.blobsUploaded = blobsUploaded
        self.blobsPresent = blobsPresent
        self.bytesSent = bytesSent
        self.bytesResumed = bytesResumed
        self.uploadsRestarted = uploadsRestarted
        self.requests = requests
    }
}

/// A tag as the tag step left it.
public struct MovedDockerTag: Codable, Equatable, Sendable {
    public var repository: String
    public var tag: String
    public var digest: String
    public var previous: String?
    public var numbered: Bool
    /// It already pointed at the digest (an earlier attempt, or the same image published again).
    public var alreadyThere: Bool

    public init(repository: String, tag: String, digest: String, previous: String?, numbered: Bool, alreadyThere: Bool)
    {
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.previous = previous
        self.numbered = numbered
        self.alreadyThere = alreadyThere
    }
}

/// A docker publication taken back (`casa-release rollback`): tags put back where they pointed
/// before, tags that pointed nowhere removed with the manifest when nothing else is tagged with
/// it, and what had to stay, with why.
public struct DockerTagsRestored: Codable, Equatable, Sendable {
    public var registry: String
    /// `cati/<name>:<tag>` → the digest it points to again.
    public var restored: [String: String]
    /// `cati/<name>:<tag>` removed (with the manifest they pointed to).
    public var removed: [String]
    /// `cati/<name>:<tag>` → why it stays.
    public var left: [String: String]
    public var by: String
    public var reason: String?

    public init(
        registry: String, restored: [String: String], removed: [String], left: [String: String], by: String,
        reason: String?
    ) {
        self.registry = registry
        self.restored = restored
        self.removed = removed
        self.left = left
        self.by = by
        self.reason = reason
    }
}

extension DockerPublicationEffect {
    /// One line for people (`status`): what the step made or found.
    public var summary: String {
        switch self {
        case .checkedRegistry(let repositories):
            return repositories.map { repository in
                repository.repository + " ("
                    + (repository.tags.isEmpty
                        ? "no tag yet"
                        : repository.tags.sorted { $0.key < $1.key }
                            .map { "\($0.key) at \($0.value.prefix(19))…" }.joined(separator: ", ")) + ")"
            }.joined(separator: "; ")
        case .pushed(let image):
            return
                "\(image.repository)@\(image.manifestDigest.prefix(19))… (\(image.blobsUploaded.count) blob(s) sent, \(image.blobsPresent.count) already there, "
                + "\(image.bytesSent) bytes" + (image.bytesResumed > 0 ? ", resumed after \(image.bytesResumed)" : "")
                + ", \(image.requests) requests)"
        case .signed(let signed):
            return
                "\(signed.repository):\(signed.signatureTag) (key \(signed.keyID.prefix(12))…"
                + (signed.alreadyThere ? ", already there)" : ")")
        case .movedTags(let tags):
            return tags.map { $0.repository + ":" + $0.tag + ($0.alreadyThere ? " (already there)" : "") }.joined(
                separator: ", ")
        }
    }
}
