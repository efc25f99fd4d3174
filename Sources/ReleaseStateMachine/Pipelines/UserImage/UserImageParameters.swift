import Foundation

/// `create-user-image`: a user image made from a developer environment's install tree.
public struct UserImageParameters: Codable, Equatable, Sendable {
    public var baseDirectory: String
    /// The selected environment: its directory for a dev environment, the casa-pixi image's
    /// sidecar for a pixi one (that is what casa-distro calls a pixi environment).
    public var environment: String
    public var environmentKind: EnvironmentKind
    /// `distro=` given on the command line, used when the environment's configuration has none.
    public var distro: String?
    public var version: String
    public var name: String
    public var output: String
    /// `singularity`, `apptainer_pixi` or `singularity_pixi`, as written in the sidecar.
    public var containerType: String
    /// Where to look for the run image: `base_image=`, else `casa-run-<image_version>.sif`, then
    /// its numbered patches `casa-run-<image_version>-*.sif`.
    public var runImagePatterns: [String]
    public var install: Bool
    public var installDoc: Bool
    public var installTest: Bool
    public var generate: Bool
    public var zip: Bool
    public var force: Bool
    public var fakeroot: Bool
    public var cleanup: Bool
    public var casaDistroSource: String?
    /// casa-distro's `bv_install_environment`, copied into modular pixi images.
    public var pixiInstallEnvironmentScript: String?
    /// For `container_type=vbox`: the VM the image is made in.
    public var virtualMachine: VirtualMachineSettings?

    public init(
        baseDirectory: String, environment: String, environmentKind: EnvironmentKind, distro: String?, version: String,
        name: String, output: String, containerType: String, runImagePatterns: [String], install: Bool,
        installDoc: Bool, installTest: Bool, generate: Bool, zip: Bool, force: Bool, fakeroot: Bool,
        cleanup: Bool, casaDistroSource: String?, pixiInstallEnvironmentScript: String?,
        virtualMachine: VirtualMachineSettings? = nil
    ) {
        self.virtualMachine = virtualMachine
        self.baseDirectory = baseDirectory
        self.environment = environment
        self.environmentKind = environmentKind
        self.distro = distro
        self.version = version
        self.name = name
        self.output = output
        self.containerType = containerType
        self.runImagePatterns = runImagePatterns
        self.install = install
        self.installDoc = installDoc
        self.installTest = installTest
        self.generate = generate
        self.zip = zip
        self.force = force
        self.fakeroot = fakeroot
        self.cleanup = cleanup
        self.casaDistroSource = casaDistroSource
        self.pixiInstallEnvironmentScript = pixiInstallEnvironmentScript
    }

    public var isPixi: Bool { environmentKind == .pixi }
}

/// What casa-distro calls an environment for a user image.
public enum EnvironmentKind: String, Codable, Sendable {
    /// A developer environment: `<base dir>/<name>/conf/casa_distro.json`, with its install tree.
    case dev
    /// A casa-pixi base image and its sidecar.
    case pixi
}
