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

    /// The kinds of intent, as stored in the ledger (`kind`): each written once, here. A kind is
    /// never renamed (the ledger fixtures of Tests/Fixtures hold every one); a change of format is
    /// a new kind.
    public enum Kind: String, CaseIterable, Sendable {
        case resolveBase = "resolve-base"
        case copyImage = "copy-image"
        case describeImage = "describe-image"
        case inspectImage = "inspect-image"
        case checkTarget = "check-target"
        case claimBuildNumber = "claim-build-number"
        case uploadImage = "upload-image"
        case uploadSidecar = "upload-sidecar"
        case verifyUpload = "verify-upload"
        case makeVisible = "make-visible"
        case recordPublication = "record-publication"
        case loadRecipe = "load-recipe"
        case renderDefinition = "render-definition"
        case buildImage = "build-image"
        case selectEnvironment = "select-environment"
        case checkRunImage = "check-run-image"
        case install = "install"
        case zipInstall = "zip-install"
        case locateDownload = "locate-download"
        case fetchImage = "fetch-image"
        case verifyDownload = "verify-download"
        case virtualBox = "virtualbox"
        case recordImports = "record-imports"
        case docker = "docker"
        case dockerPublication = "docker-publication"
        case singularity = "singularity"
    }

    /// The intent's kind.
    public var kindCase: Kind {
        switch self {
        case .resolveBase: return .resolveBase
        case .copyImage: return .copyImage
        case .describeImage: return .describeImage
        case .inspectImage: return .inspectImage
        case .checkTarget: return .checkTarget
        case .claimBuildNumber: return .claimBuildNumber
        case .uploadImage: return .uploadImage
        case .uploadSidecar: return .uploadSidecar
        case .verifyUpload: return .verifyUpload
        case .makeVisible: return .makeVisible
        case .recordPublication: return .recordPublication
        case .loadRecipe: return .loadRecipe
        case .renderDefinition: return .renderDefinition
        case .buildImage: return .buildImage
        case .selectEnvironment: return .selectEnvironment
        case .checkRunImage: return .checkRunImage
        case .install: return .install
        case .zipInstall: return .zipInstall
        case .locateDownload: return .locateDownload
        case .fetchImage: return .fetchImage
        case .verifyDownload: return .verifyDownload
        case .virtualBox: return .virtualBox
        case .recordImports: return .recordImports
        case .docker: return .docker
        case .dockerPublication: return .dockerPublication
        case .singularity: return .singularity
        }
    }

    /// The stored kind string.
    public var kind: String { kindCase.rawValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        guard let known = Kind(rawValue: kind) else {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown intent kind \(kind)")
        }
        switch known {
        case .resolveBase: self = .resolveBase(try container.decode(ResolveBaseIntent.self, forKey: .intent))
        case .copyImage: self = .copyImage(try container.decode(CopyImageIntent.self, forKey: .intent))
        case .describeImage: self = .describeImage(try container.decode(DescribeImageIntent.self, forKey: .intent))
        case .inspectImage: self = .inspectImage(try container.decode(InspectImageIntent.self, forKey: .intent))
        case .checkTarget: self = .checkTarget(try container.decode(CheckTargetIntent.self, forKey: .intent))
        case .claimBuildNumber:
            self = .claimBuildNumber(try container.decode(ClaimBuildNumberIntent.self, forKey: .intent))
        case .uploadImage: self = .uploadImage(try container.decode(UploadImageIntent.self, forKey: .intent))
        case .uploadSidecar: self = .uploadSidecar(try container.decode(UploadSidecarIntent.self, forKey: .intent))
        case .verifyUpload: self = .verifyUpload(try container.decode(VerifyUploadIntent.self, forKey: .intent))
        case .makeVisible: self = .makeVisible(try container.decode(MakeVisibleIntent.self, forKey: .intent))
        case .recordPublication:
            self = .recordPublication(try container.decode(RecordPublicationIntent.self, forKey: .intent))
        case .loadRecipe: self = .loadRecipe(try container.decode(LoadRecipeIntent.self, forKey: .intent))
        case .renderDefinition:
            self = .renderDefinition(try container.decode(RenderDefinitionIntent.self, forKey: .intent))
        case .buildImage: self = .buildImage(try container.decode(BuildImageIntent.self, forKey: .intent))
        case .selectEnvironment:
            self = .selectEnvironment(try container.decode(SelectEnvironmentIntent.self, forKey: .intent))
        case .checkRunImage: self = .checkRunImage(try container.decode(CheckRunImageIntent.self, forKey: .intent))
        case .install: self = .install(try container.decode(InstallIntent.self, forKey: .intent))
        case .zipInstall: self = .zipInstall(try container.decode(ZipInstallIntent.self, forKey: .intent))
        case .locateDownload: self = .locateDownload(try container.decode(LocateDownloadIntent.self, forKey: .intent))
        case .fetchImage: self = .fetchImage(try container.decode(FetchImageIntent.self, forKey: .intent))
        case .verifyDownload: self = .verifyDownload(try container.decode(VerifyDownloadIntent.self, forKey: .intent))
        case .virtualBox: self = .virtualBox(try container.decode(VirtualBoxIntent.self, forKey: .intent))
        case .recordImports: self = .recordImports(try container.decode(RecordImportsIntent.self, forKey: .intent))
        case .docker: self = .docker(try container.decode(DockerIntent.self, forKey: .intent))
        case .dockerPublication:
            self = .dockerPublication(try container.decode(DockerPublicationIntent.self, forKey: .intent))
        case .singularity: self = .singularity(try container.decode(SingularityIntent.self, forKey: .intent))
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
