import Foundation

/// Read the selected environment: its configuration, its image and the revisions of its sources.
public struct SelectEnvironmentIntent: Codable, Equatable, Sendable {
    public var environment: String
    public var kind: EnvironmentKind
    public var distro: String?

    public init(environment: String, kind: EnvironmentKind, distro: String?) {
        self.environment = environment
        self.kind = kind
        self.distro = distro
    }
}

/// Find the run image and check it can carry what the dev image built (docs/casa-distro.md §1.3, step 10).
public struct CheckRunImageIntent: Codable, Equatable, Sendable {
    public var patterns: [String]
    /// The run image the dev image was built on, when known.
    public var devOriginRun: String?
    /// Pixi images have no dev image to check against.
    public var checkCompatibility: Bool

    public init(patterns: [String], devOriginRun: String?, checkCompatibility: Bool) {
        self.patterns = patterns
        self.devOriginRun = devOriginRun
        self.checkCompatibility = checkCompatibility
    }
}

/// Empty `<env>/install`, then `make install-runtime ...` and `make post-install` in the dev container.
public struct InstallIntent: Codable, Equatable, Sendable {
    public var environmentDirectory: String
    public var installDirectory: String
    /// The arguments after `apptainer`, one command per entry.
    public var commands: [[String]]
    /// `APPTAINERENV_*` variables that reach the container through `--cleanenv`.
    public var environment: [EnvironmentVariable]
    /// Written when both commands succeeded, with the tree's summary: how reconcile knows.
    public var markerPath: String

    public init(
        environmentDirectory: String, installDirectory: String, commands: [[String]],
        environment: [EnvironmentVariable], markerPath: String
    ) {
        self.environmentDirectory = environmentDirectory
        self.installDirectory = installDirectory
        self.commands = commands
        self.environment = environment
        self.markerPath = markerPath
    }
}

/// Zip the install tree as `<env>/<distro>-<version>-<system>.zip` with its `.json` sidecar.
public struct ZipInstallIntent: Codable, Equatable, Sendable {
    public var installDirectory: String
    public var zipPath: String
    public var temporary: String
    public var sidecarPath: String
    /// The sidecar's keys after `md5` and `size`: distro, system, image_version, version, creation_time.
    public var fields: ImageSidecar

    public init(installDirectory: String, zipPath: String, temporary: String, sidecarPath: String, fields: ImageSidecar)
    {
        self.installDirectory = installDirectory
        self.zipPath = zipPath
        self.temporary = temporary
        self.sidecarPath = sidecarPath
        self.fields = fields
    }
}

/// The user image pipeline's own steps, as `StepIntent.userImage` (stored flat).
public enum UserImageIntent: Equatable, Sendable {
    case selectEnvironment(SelectEnvironmentIntent)
    case checkRunImage(CheckRunImageIntent)
    case install(InstallIntent)
    case zipInstall(ZipInstallIntent)
}
