import Foundation

/// The name of a step in a pipeline, as shown to people and used in failpoints
/// (`CASA_RELEASE_FAILPOINT=copy:after`) and in `casa-release confirm RUN STEP`.
public struct StepName: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible, Comparable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: StepName, rhs: StepName) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // System base image.
    public static let resolveBase = StepName("resolve-base")
    public static let copy = StepName("copy")
    public static let describe = StepName("describe")
    // Run, dev and pixi base images (with resolve-base and describe).
    public static let loadRecipe = StepName("load-recipe")
    public static let renderDefinition = StepName("render-definition")
    public static let build = StepName("build")
    // User images (with render-definition and describe).
    public static let selectEnvironment = StepName("select-environment")
    public static let checkRunImage = StepName("check-run-image")
    public static let install = StepName("install")
    public static let zip = StepName("zip")
    public static let generate = StepName("generate")
    // Standalone publication.
    public static let inspectImage = StepName("inspect-image")
    // Publication (shared by every pipeline that publishes).
    public static let checkTarget = StepName("check-target")
    public static let claimBuildNumber = StepName("claim-build-number")
    public static let uploadImage = StepName("upload-image")
    public static let uploadSidecar = StepName("upload-sidecar")
    public static let verifyUpload = StepName("verify-upload")
    public static let makeVisible = StepName("make-visible")
    public static let record = StepName("record")
    // download-image.
    public static let locate = StepName("locate")
    public static let fetch = StepName("fetch")
    public static let verify = StepName("verify")
    // VirtualBox images: the seed's procedure (the operator steps are done by hand in the VM).
    public static let checkVirtualBox = StepName("check-virtualbox")
    public static let provideISO = StepName("provide-iso")
    public static let createVM = StepName("create-vm")
    public static let installUbuntu = StepName("install-ubuntu")
    public static let updateSystem = StepName("update-system")
    public static let setRootPassword = StepName("set-root-password")
    public static let rebootVM = StepName("reboot-vm")
    public static let installGuestAdditions = StepName("install-guest-additions")
    public static let shutDownVM = StepName("shut-down-vm")
    public static let configureVM = StepName("configure-vm")
    public static let export = StepName("export")
    // VirtualBox user images (with shut-down-vm and export).
    public static let importVM = StepName("import-vm")
    public static let startVM = StepName("start-vm")
    public static let copyInstall = StepName("copy-install")
    public static let writeImageID = StepName("write-image-id")
    public static let setUpDesktop = StepName("set-up-desktop")
    // create-docker (with describe; the build steps are `build-<name>:<tag>`, one per image).
    public static let resolveDefinitions = StepName("resolve-definitions")
    public static let tagImages = StepName("tag")
    // publish-docker (with tag; the push steps are `push-<name>:<tag>`, one per image).
    public static let checkRegistry = StepName("check-registry")
    // casa-release import.
    public static let recordImports = StepName("record-imports")
}
