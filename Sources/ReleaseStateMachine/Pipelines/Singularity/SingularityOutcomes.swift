import Foundation

/// What a step of `create-singularity` did.
public enum SingularityEffect: Codable, Equatable, Sendable {
    case converted(SingularityImage)
    case described([SingularityImage])
}

// The ledger's format of this enum, written out: see Formats/NestedCaseCoding.swift.
extension SingularityEffect {
    /// The case names as the ledger stores them: never renamed.
    public enum Kind: String, CaseIterable, Sendable {
        case converted = "converted"
        case described = "described"
    }

    public var kind: Kind {
        switch self {
        case .converted: return .converted
        case .described: return .described
        }
    }

    public init(from decoder: Decoder) throws {
        let (name, values) = try NestedCase.open(decoder, "singularity outcome")
        switch Kind(rawValue: name) {
        case .converted: self = .converted(try values.decode(SingularityImage.self, forKey: .value))
        case .described: self = .described(try values.decode([SingularityImage].self, forKey: .value))
        case nil: throw NestedCase.unknown(name, "singularity outcome", decoder)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = NestedCase.values(encoder, kind.rawValue)
        switch self {
        case .converted(let value): try values.encode(value, forKey: .value)
        case .described(let value): try values.encode(value, forKey: .value)
        }
    }
}

/// A `.sif` made from a docker image (or found up to date), and, once described, its digests.
public struct SingularityImage: Codable, Equatable, Sendable {
    /// `cati/<name>:<tag>` and the manifest it was made from.
    public var dockerImage: String
    public var manifestDigest: String
    public var output: String
    public var imageID: String
    public var size: Int64
    /// Nanoseconds since 1970: with `size`, how a later run knows the file is still this one.
    public var modified: Int64
    /// The definition apptainer built, and its SHA-256.
    public var definition: String
    public var definitionSHA256: String
    /// The command line as run, tool path first (empty when found up to date or by reconcile).
    public var command: [String]
    /// What `apptainer --version` said.
    public var tool: String
    /// The docker image's `Env`, `Entrypoint` and `Cmd`, which apptainer keeps in the `.sif`.
    public var environment: [String]
    public var entrypoint: [String]?
    public var cmd: [String]?
    /// The run that made the `.sif`, when this run found it up to date (nothing was converted).
    public var upToDateSince: String?
    /// Set by describe.
    public var sidecar: String?
    public var md5: String?
    public var sha256: String?

    public init(
        dockerImage: String, manifestDigest: String, output: String, imageID: String, size: Int64, modified: Int64,
        definition: String, definitionSHA256: String, command: [String], tool: String, environment: [String],
        entrypoint: [String]?, cmd: [String]?, upToDateSince: String? = nil, sidecar: String? = nil, md5: String? = nil,
        sha256: String? = nil
    ) {
        self.dockerImage = dockerImage
        self.manifestDigest = manifestDigest
        self.output = output
        self.imageID = imageID
        self.size = size
        self.modified = modified
        self.definition = definition
        self.definitionSHA256 = definitionSHA256
        self.command = command
        self.tool = tool
        self.environment = environment
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.upToDateSince = upToDateSince
        self.sidecar = sidecar
        self.md5 = md5
        self.sha256 = sha256
    }
}

extension RunState {
    /// The `.sif` files a create-singularity run described.
    public var singularityImages: [SingularityImage]? {
        guard case .singularity(.described(let images))? = outcome(of: .describe) else { return nil }
        return images
    }
}

extension SingularityEffect {
    /// One line for people (`status`): what the step made or found.
    public var summary: String {
        switch self {
        case .converted(let image):
            return
                "\(FilePath.lastComponent(image.output)) from \(image.dockerImage)@\(image.manifestDigest.prefix(19))… (\(image.size) bytes"
                + (image.upToDateSince.map { ", up to date since run \($0.prefix(8))" }
                    ?? (image.command.isEmpty ? ", found after an interruption" : "")) + ")"
        case .described(let images):
            return images.map { "\(FilePath.lastComponent($0.output)) (image_id \($0.imageID), md5 \($0.md5 ?? "?"))" }
                .joined(separator: ", ")
        }
    }
}
