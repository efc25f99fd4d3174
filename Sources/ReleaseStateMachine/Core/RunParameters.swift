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
    /// Where and what to publish; nil when the run does not publish.
    public var publication: PublicationParameters?
    /// The arguments as the operator typed them (secrets removed), for the record.
    public var commandLine: [String]

    public init(systemBaseImage: SystemBaseImageParameters? = nil, recipeBaseImage: RecipeBaseImageParameters? = nil,
                userImage: UserImageParameters? = nil, download: DownloadParameters? = nil,
                virtualBoxBaseImage: VirtualBoxBaseImageParameters? = nil, importImages: ImportParameters? = nil,
                publication: PublicationParameters? = nil, commandLine: [String] = []) {
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

/// `create-base-image type=system`.
public struct SystemBaseImageParameters: Codable, Equatable, Sendable {
    public var baseDirectory: String
    /// The base named with `base=`, made absolute; nil to search the base directory.
    public var base: String?
    /// The glob used when no base is named.
    public var basePattern: String
    public var imageVersion: String
    /// `singularity`: apptainer and singularity are two names for one container type, and
    /// casa-distro clients select environments by `container_type: singularity`.
    public var containerType: String
    /// The image's logical name, `casa-system-<image_version>` unless `name=` says otherwise.
    public var name: String
    public var output: String
    public var force: Bool

    public init(baseDirectory: String, base: String?, basePattern: String, imageVersion: String,
                containerType: String, name: String, output: String, force: Bool) {
        self.baseDirectory = baseDirectory
        self.base = base
        self.basePattern = basePattern
        self.imageVersion = imageVersion
        self.containerType = containerType
        self.name = name
        self.output = output
        self.force = force
    }
}

/// A publication: which image, to which target.
public struct PublicationParameters: Codable, Equatable, Sendable {
    /// The target URL, without any password (`file:///srv/mirror/`).
    public var target: String
    /// The local image to publish; its sidecar is `<image>.json`.
    public var image: String
    /// `ssh_key=`: the private key for an sftp:// target (a path, never the key itself), so
    /// that `resume` logs in the same way.
    public var sshKey: String?

    public init(target: String, image: String, sshKey: String? = nil) {
        self.target = target
        self.image = image
        self.sshKey = sshKey
    }

    public var sidecar: String { image + ".json" }
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

    public init(imageID: String? = nil, creationTime: String? = nil, logDirectory: String? = nil, machineUUID: String? = nil) {
        self.machineUUID = machineUUID
        self.imageID = imageID
        self.creationTime = creationTime
        self.logDirectory = logDirectory
    }
}
