import Foundation

/// What a run was asked to do, fully resolved (absolute paths, defaults applied) by the command
/// line before the run starts, and frozen in `RunStarted`: resume reads them back, never the
/// command line or the environment of the resuming process.
public struct RunParameters: Codable, Equatable, Sendable {
    public var systemBaseImage: SystemBaseImageParameters?
    public var recipeBaseImage: RecipeBaseImageParameters?
    public var userImage: UserImageParameters?
    public var download: DownloadParameters?
    public var virtualBoxBaseImage: VirtualBoxBaseImageParameters?
    public var importImages: ImportParameters?
    public var dockerImages: DockerImagesParameters?
    public var dockerPublication: DockerPublicationParameters?
    public var singularityImages: SingularityImagesParameters?
    /// Where and what to publish; nil when the run does not publish.
    public var publication: PublicationParameters?
    /// The arguments as the operator typed them (secrets removed), for the record.
    public var commandLine: [String]

    public init(
        systemBaseImage: SystemBaseImageParameters? = nil, recipeBaseImage: RecipeBaseImageParameters? = nil,
        userImage: UserImageParameters? = nil, download: DownloadParameters? = nil,
        virtualBoxBaseImage: VirtualBoxBaseImageParameters? = nil, importImages: ImportParameters? = nil,
        publication: PublicationParameters? = nil, dockerImages: DockerImagesParameters? = nil,
        dockerPublication: DockerPublicationParameters? = nil, singularityImages: SingularityImagesParameters? = nil,
        commandLine: [String] = []
    ) {
        self.singularityImages = singularityImages
        self.dockerImages = dockerImages
        self.dockerPublication = dockerPublication
        self.importImages = importImages
        self.virtualBoxBaseImage = virtualBoxBaseImage
        self.download = download
        self.systemBaseImage = systemBaseImage
        self.recipeBaseImage = recipeBaseImage
        self.userImage = userImage
        self.publication = publication
        self.commandLine = commandLine
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

    public init(
        imageID: String? = nil, creationTime: String? = nil, logDirectory: String? = nil, machineUUID: String? = nil
    ) {
        self.machineUUID = machineUUID
        self.imageID = imageID
        self.creationTime = creationTime
        self.logDirectory = logDirectory
    }
}
