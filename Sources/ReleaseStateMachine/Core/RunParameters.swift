import Foundation

/// What a run was asked to do, fully resolved (absolute paths, defaults applied) by the command
/// line before the run starts, and frozen in `RunStarted`: resume reads them back, never the
/// command line or the environment of the resuming process.
///
/// A run holds its pipeline's own parameters (one type per pipeline, `PipelineParameters`), where
/// to publish when it publishes, and the command line as typed. Stored as
/// `{"<pipeline key>": {…}, "publication": {…}, "commandLine": […]}`, the format of the first
/// ledgers, written out below.
public struct RunParameters: Equatable, Sendable {
    /// The pipeline's own parameters; nil for a publication run (all it needs is `publication`).
    public var own: PipelineParameters?
    /// Where and what to publish; nil when the run does not publish.
    public var publication: PublicationParameters?
    /// The arguments as the operator typed them (secrets removed), for the record.
    public var commandLine: [String]

    public init(_ own: PipelineParameters? = nil, publication: PublicationParameters? = nil, commandLine: [String] = [])
    {
        self.own = own
        self.publication = publication
        self.commandLine = commandLine
    }

    // Each pipeline's parameters, read where the pipeline needs them: nil in another pipeline's run.
    public var systemBaseImage: SystemBaseImageParameters? {
        if case .systemBaseImage(let value)? = own { return value } else { return nil }
    }
    public var recipeBaseImage: RecipeBaseImageParameters? {
        if case .recipeBaseImage(let value)? = own { return value } else { return nil }
    }
    public var userImage: UserImageParameters? {
        if case .userImage(let value)? = own { return value } else { return nil }
    }
    public var download: DownloadParameters? {
        if case .download(let value)? = own { return value } else { return nil }
    }
    public var virtualBoxBaseImage: VirtualBoxBaseImageParameters? {
        if case .virtualBoxBaseImage(let value)? = own { return value } else { return nil }
    }
    public var importImages: ImportParameters? {
        if case .importImages(let value)? = own { return value } else { return nil }
    }
    public var dockerImages: DockerImagesParameters? {
        if case .dockerImages(let value)? = own { return value } else { return nil }
    }
    public var dockerPublication: DockerPublicationParameters? {
        if case .dockerPublication(let value)? = own { return value } else { return nil }
    }
    public var singularityImages: SingularityImagesParameters? {
        if case .singularityImages(let value)? = own { return value } else { return nil }
    }
}

/// A pipeline's own parameters: exactly one pipeline's, never a mix. The user image parameters
/// serve both user image pipelines (Apptainer and VirtualBox).
public enum PipelineParameters: Equatable, Sendable {
    case systemBaseImage(SystemBaseImageParameters)
    case recipeBaseImage(RecipeBaseImageParameters)
    case userImage(UserImageParameters)
    case download(DownloadParameters)
    case virtualBoxBaseImage(VirtualBoxBaseImageParameters)
    case importImages(ImportParameters)
    case dockerImages(DockerImagesParameters)
    case dockerPublication(DockerPublicationParameters)
    case singularityImages(SingularityImagesParameters)
}

extension RunParameters: Codable {
    /// The keys as stored: the ledger's format, never renamed.
    private enum Key: String, CodingKey, CaseIterable {
        case systemBaseImage, recipeBaseImage, userImage, download, virtualBoxBaseImage, importImages
        case dockerImages, dockerPublication, singularityImages
        case publication, commandLine
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        publication = try container.decodeIfPresent(PublicationParameters.self, forKey: .publication)
        commandLine = try container.decode([String].self, forKey: .commandLine)
        let owns = container.allKeys.filter { $0 != .publication && $0 != .commandLine }
        guard owns.count <= 1 else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: "a run's parameters are one pipeline's, not "
                        + owns.map(\.stringValue).sorted().joined(separator: " and ")))
        }
        switch owns.first {
        case nil: own = nil
        case .systemBaseImage?:
            own = .systemBaseImage(try container.decode(SystemBaseImageParameters.self, forKey: .systemBaseImage))
        case .recipeBaseImage?:
            own = .recipeBaseImage(try container.decode(RecipeBaseImageParameters.self, forKey: .recipeBaseImage))
        case .userImage?: own = .userImage(try container.decode(UserImageParameters.self, forKey: .userImage))
        case .download?: own = .download(try container.decode(DownloadParameters.self, forKey: .download))
        case .virtualBoxBaseImage?:
            own = .virtualBoxBaseImage(
                try container.decode(VirtualBoxBaseImageParameters.self, forKey: .virtualBoxBaseImage))
        case .importImages?: own = .importImages(try container.decode(ImportParameters.self, forKey: .importImages))
        case .dockerImages?:
            own = .dockerImages(try container.decode(DockerImagesParameters.self, forKey: .dockerImages))
        case .dockerPublication?:
            own = .dockerPublication(try container.decode(DockerPublicationParameters.self, forKey: .dockerPublication))
        case .singularityImages?:
            own = .singularityImages(try container.decode(SingularityImagesParameters.self, forKey: .singularityImages))
        case .publication?, .commandLine?: own = nil  // filtered out above
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch own {
        case nil: break
        case .systemBaseImage(let value)?: try container.encode(value, forKey: .systemBaseImage)
        case .recipeBaseImage(let value)?: try container.encode(value, forKey: .recipeBaseImage)
        case .userImage(let value)?: try container.encode(value, forKey: .userImage)
        case .download(let value)?: try container.encode(value, forKey: .download)
        case .virtualBoxBaseImage(let value)?: try container.encode(value, forKey: .virtualBoxBaseImage)
        case .importImages(let value)?: try container.encode(value, forKey: .importImages)
        case .dockerImages(let value)?: try container.encode(value, forKey: .dockerImages)
        case .dockerPublication(let value)?: try container.encode(value, forKey: .dockerPublication)
        case .singularityImages(let value)?: try container.encode(value, forKey: .singularityImages)
        }
        try container.encodeIfPresent(publication, forKey: .publication)
        try container.encode(commandLine, forKey: .commandLine)
    }
}

/// Values that are not deterministic (a new image_id, a timestamp), chosen once by the shell when
/// the run starts and read back from the ledger on resume, so a resumed run makes the same image.
public struct ChosenValues: Codable, Equatable, Sendable {
    public var imageID: String?
    public var creationTime: String?
    /// Where the run keeps its step logs and rendered definitions: `<base dir>/casa-release-logs/<run id>`.
    public var logDirectory: String?
    /// The UUID a new VirtualBox VM is created with (`createvm --uuid`), so that a resumed run
    /// recognises its own VM and never makes a second one.
    public var machineUUID: String?
    /// The in-toto statement (SLSA provenance) a signed publication signs, as the ledger gave it
    /// when the run started, byte for byte.
    public var provenanceStatement: String?
    /// publish-docker's: the in-toto statement of each image it signs, by manifest digest.
    public var provenanceStatements: [String: String]?
    /// download-image's: the SHA-256 of the mirror's first TUF root, as an earlier download of this
    /// ledger trusted it (nil: none did, the root is trusted on first use).
    public var mirrorRootSHA256: String?
    /// download-image's: the highest TUF versions earlier downloads of this ledger verified on the
    /// mirror; older ones are a rollback or a freeze, refused.
    public var mirrorVersionsSeen: MirrorVersions?

    public init(
        imageID: String? = nil, creationTime: String? = nil, logDirectory: String? = nil, machineUUID: String? = nil,
        provenanceStatement: String? = nil
    ) {
        self.provenanceStatement = provenanceStatement
        self.machineUUID = machineUUID
        self.imageID = imageID
        self.creationTime = creationTime
        self.logDirectory = logDirectory
    }
}
