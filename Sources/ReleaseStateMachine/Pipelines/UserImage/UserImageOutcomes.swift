import Foundation

/// The environment a user image is made from, as it was when the run read it.
public struct SelectedEnvironment: Codable, Equatable, Sendable {
    public var name: String
    public var kind: EnvironmentKind
    public var directory: String
    public var configPath: String
    /// `conf/casa_distro.json` (for pixi, the casa-pixi image's sidecar), as read.
    public var config: ImageSidecar
    public var image: String
    public var imageID: String?
    public var imageSHA256: String
    public var imageSize: Int64
    /// The run image the dev image was built on: the config's `origin_run`, else the dev image sidecar's.
    public var originRun: String?
    public var distro: String
    public var system: String
    public var imageVersion: String
    public var sources: [SourceRevision]
    /// `<env>/overlay.img`, mounted with `--overlay` when the environment has one.
    public var overlay: String?

    public init(
        name: String, kind: EnvironmentKind, directory: String, configPath: String, config: ImageSidecar,
        image: String, imageID: String?, imageSHA256: String, imageSize: Int64, originRun: String?,
        distro: String, system: String, imageVersion: String, sources: [SourceRevision], overlay: String?
    ) {
        self.overlay = overlay
        self.name = name
        self.kind = kind
        self.directory = directory
        self.configPath = configPath
        self.config = config
        self.image = image
        self.imageID = imageID
        self.imageSHA256 = imageSHA256
        self.imageSize = imageSize
        self.originRun = originRun
        self.distro = distro
        self.system = system
        self.imageVersion = imageVersion
        self.sources = sources
    }
}

/// The revision of one source checkout under `<env>/src`.
public struct SourceRevision: Codable, Equatable, Sendable {
    public var path: String
    /// `git` or `svn`.
    public var system: String
    public var revision: String?
    /// Why the revision is unknown, when it is.
    public var note: String?

    public init(path: String, system: String, revision: String?, note: String? = nil) {
        self.path = path
        self.system = system
        self.revision = revision
        self.note = note
    }
}

/// The run image a user image is built on.
public struct RunImage: Codable, Equatable, Sendable {
    public var path: String
    public var imageID: String?
    public var sha256: String
    public var size: Int64
    public var modified: Int64
    /// Why it was accepted: `origin_run`, `compatibility`, or `unchecked` (pixi; dev image without origin_run).
    public var acceptedBy: String

    public init(path: String, imageID: String?, sha256: String, size: Int64, modified: Int64, acceptedBy: String) {
        self.path = path
        self.imageID = imageID
        self.sha256 = sha256
        self.size = size
        self.modified = modified
        self.acceptedBy = acceptedBy
    }
}

/// The install tree after `make install-runtime` and `make post-install`.
public struct InstalledTree: Codable, Equatable, Sendable {
    /// The command lines as run, tool path first; empty when reconcile found the install done.
    public var commands: [[String]]
    public var tree: TreeSummary

    public init(commands: [[String]], tree: TreeSummary) {
        self.commands = commands
        self.tree = tree
    }
}

/// The install tree's zip.
public struct ZippedInstall: Codable, Equatable, Sendable {
    public var zip: String
    public var size: Int64
    public var md5: String
    public var sha256: String

    public init(zip: String, size: Int64, md5: String, sha256: String) {
        self.zip = zip
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
    }
}

/// What the user image's own steps produce, as `StepOutcome.userImage` (stored flat).
public enum UserImageOutcome: Equatable, Sendable {
    case selectedEnvironment(SelectedEnvironment)
    case checkedRunImage(RunImage)
    case installed(InstalledTree)
    case zipped(ZippedInstall)
}
