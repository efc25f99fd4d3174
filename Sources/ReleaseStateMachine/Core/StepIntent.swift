import Foundation

/// What a step is about to do, recorded in `StepStarted` before its effect: what it will produce,
/// where, and with which chosen values. Resume hands the same intent to the executor's `reconcile`.
public enum StepIntent: Equatable, Sendable {
    case resolveBase(ResolveBaseIntent)
    case copyImage(CopyImageIntent)
    case describeImage(DescribeImageIntent)
    case inspectImage(InspectImageIntent)
    case checkTarget(CheckTargetIntent)
    case claimBuildNumber(ClaimBuildNumberIntent)
    case uploadImage(UploadImageIntent)
    case uploadSidecar(UploadSidecarIntent)
    case verifyUpload(VerifyUploadIntent)
    case makeVisible(MakeVisibleIntent)
    case recordPublication(RecordPublicationIntent)
    case loadRecipe(LoadRecipeIntent)
    case renderDefinition(RenderDefinitionIntent)
    case buildImage(BuildImageIntent)
    case selectEnvironment(SelectEnvironmentIntent)
    case checkRunImage(CheckRunImageIntent)
    case install(InstallIntent)
    case zipInstall(ZipInstallIntent)
    case locateDownload(LocateDownloadIntent)
    case fetchImage(FetchImageIntent)
    case verifyDownload(VerifyDownloadIntent)
    case virtualBox(VirtualBoxIntent)
    case recordImports(RecordImportsIntent)
    case docker(DockerIntent)
    case dockerPublication(DockerPublicationIntent)
    case singularity(SingularityIntent)
}

extension StepIntent: Codable {
    private enum CodingKeys: String, CodingKey { case kind, intent }

    public var kind: String {
        switch self {
        case .resolveBase: return "resolve-base"
        case .copyImage: return "copy-image"
        case .describeImage: return "describe-image"
        case .inspectImage: return "inspect-image"
        case .checkTarget: return "check-target"
        case .claimBuildNumber: return "claim-build-number"
        case .uploadImage: return "upload-image"
        case .uploadSidecar: return "upload-sidecar"
        case .verifyUpload: return "verify-upload"
        case .makeVisible: return "make-visible"
        case .recordPublication: return "record-publication"
        case .loadRecipe: return "load-recipe"
        case .renderDefinition: return "render-definition"
        case .buildImage: return "build-image"
        case .selectEnvironment: return "select-environment"
        case .checkRunImage: return "check-run-image"
        case .install: return "install"
        case .zipInstall: return "zip-install"
        case .locateDownload: return "locate-download"
        case .fetchImage: return "fetch-image"
        case .verifyDownload: return "verify-download"
        case .virtualBox: return "virtualbox"
        case .recordImports: return "record-imports"
        case .docker: return "docker"
        case .dockerPublication: return "docker-publication"
        case .singularity: return "singularity"
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "resolve-base": self = .resolveBase(try container.decode(ResolveBaseIntent.self, forKey: .intent))
        case "copy-image": self = .copyImage(try container.decode(CopyImageIntent.self, forKey: .intent))
        case "describe-image": self = .describeImage(try container.decode(DescribeImageIntent.self, forKey: .intent))
        case "inspect-image": self = .inspectImage(try container.decode(InspectImageIntent.self, forKey: .intent))
        case "check-target": self = .checkTarget(try container.decode(CheckTargetIntent.self, forKey: .intent))
        case "claim-build-number": self = .claimBuildNumber(try container.decode(ClaimBuildNumberIntent.self, forKey: .intent))
        case "upload-image": self = .uploadImage(try container.decode(UploadImageIntent.self, forKey: .intent))
        case "upload-sidecar": self = .uploadSidecar(try container.decode(UploadSidecarIntent.self, forKey: .intent))
        case "verify-upload": self = .verifyUpload(try container.decode(VerifyUploadIntent.self, forKey: .intent))
        case "make-visible": self = .makeVisible(try container.decode(MakeVisibleIntent.self, forKey: .intent))
        case "record-publication": self = .recordPublication(try container.decode(RecordPublicationIntent.self, forKey: .intent))
        case "load-recipe": self = .loadRecipe(try container.decode(LoadRecipeIntent.self, forKey: .intent))
        case "render-definition": self = .renderDefinition(try container.decode(RenderDefinitionIntent.self, forKey: .intent))
        case "build-image": self = .buildImage(try container.decode(BuildImageIntent.self, forKey: .intent))
        case "select-environment": self = .selectEnvironment(try container.decode(SelectEnvironmentIntent.self, forKey: .intent))
        case "check-run-image": self = .checkRunImage(try container.decode(CheckRunImageIntent.self, forKey: .intent))
        case "install": self = .install(try container.decode(InstallIntent.self, forKey: .intent))
        case "zip-install": self = .zipInstall(try container.decode(ZipInstallIntent.self, forKey: .intent))
        case "locate-download": self = .locateDownload(try container.decode(LocateDownloadIntent.self, forKey: .intent))
        case "fetch-image": self = .fetchImage(try container.decode(FetchImageIntent.self, forKey: .intent))
        case "verify-download": self = .verifyDownload(try container.decode(VerifyDownloadIntent.self, forKey: .intent))
        case "virtualbox": self = .virtualBox(try container.decode(VirtualBoxIntent.self, forKey: .intent))
        case "record-imports": self = .recordImports(try container.decode(RecordImportsIntent.self, forKey: .intent))
        case "docker": self = .docker(try container.decode(DockerIntent.self, forKey: .intent))
        case "docker-publication": self = .dockerPublication(try container.decode(DockerPublicationIntent.self, forKey: .intent))
        case "singularity": self = .singularity(try container.decode(SingularityIntent.self, forKey: .intent))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown intent kind \(kind)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .resolveBase(let intent): try container.encode(intent, forKey: .intent)
        case .copyImage(let intent): try container.encode(intent, forKey: .intent)
        case .describeImage(let intent): try container.encode(intent, forKey: .intent)
        case .inspectImage(let intent): try container.encode(intent, forKey: .intent)
        case .checkTarget(let intent): try container.encode(intent, forKey: .intent)
        case .claimBuildNumber(let intent): try container.encode(intent, forKey: .intent)
        case .uploadImage(let intent): try container.encode(intent, forKey: .intent)
        case .uploadSidecar(let intent): try container.encode(intent, forKey: .intent)
        case .verifyUpload(let intent): try container.encode(intent, forKey: .intent)
        case .makeVisible(let intent): try container.encode(intent, forKey: .intent)
        case .recordPublication(let intent): try container.encode(intent, forKey: .intent)
        case .loadRecipe(let intent): try container.encode(intent, forKey: .intent)
        case .renderDefinition(let intent): try container.encode(intent, forKey: .intent)
        case .buildImage(let intent): try container.encode(intent, forKey: .intent)
        case .selectEnvironment(let intent): try container.encode(intent, forKey: .intent)
        case .checkRunImage(let intent): try container.encode(intent, forKey: .intent)
        case .install(let intent): try container.encode(intent, forKey: .intent)
        case .zipInstall(let intent): try container.encode(intent, forKey: .intent)
        case .locateDownload(let intent): try container.encode(intent, forKey: .intent)
        case .fetchImage(let intent): try container.encode(intent, forKey: .intent)
        case .verifyDownload(let intent): try container.encode(intent, forKey: .intent)
        case .virtualBox(let intent): try container.encode(intent, forKey: .intent)
        case .recordImports(let intent): try container.encode(intent, forKey: .intent)
        case .docker(let intent): try container.encode(intent, forKey: .intent)
        case .dockerPublication(let intent): try container.encode(intent, forKey: .intent)
        case .singularity(let intent): try container.encode(intent, forKey: .intent)
        }
    }
}

extension StepIntent {
    /// Whether the step runs external processes, and so gets a log file of its own.
    public var runsProcesses: Bool {
        switch self {
        case .buildImage, .install, .virtualBox, .docker(.build), .docker(.tag), .singularity(.convert): return true
        default: return false
        }
    }
}
