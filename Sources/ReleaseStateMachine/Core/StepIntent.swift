import Foundation

/// What a step is about to do, recorded in `StepStarted` before its effect: what it will produce,
/// where, and with which chosen values. Resume hands the same intent to the executor's `reconcile`.
/// One case per pipeline, holding that pipeline's own enum of steps (in its folder); a step that
/// several pipelines run is its owner's (ARCHITECTURE.md, "Adding a pipeline").
public enum StepIntent: Equatable, Sendable {
    case systemImage(SystemImageIntent)
    case publication(PublicationIntent)
    case recipeImage(RecipeImageIntent)
    case userImage(UserImageIntent)
    case download(DownloadIntent)
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
        case attestProvenance = "attest-provenance"
        case updateMirror = "update-mirror"
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
        case .systemImage(.resolveBase): return .resolveBase
        case .systemImage(.copyImage): return .copyImage
        case .systemImage(.describeImage): return .describeImage
        case .publication(.inspectImage): return .inspectImage
        case .publication(.checkTarget): return .checkTarget
        case .publication(.claimBuildNumber): return .claimBuildNumber
        case .publication(.uploadImage): return .uploadImage
        case .publication(.uploadSidecar): return .uploadSidecar
        case .publication(.verifyUpload): return .verifyUpload
        case .publication(.attestProvenance): return .attestProvenance
        case .publication(.updateMirror): return .updateMirror
        case .publication(.makeVisible): return .makeVisible
        case .publication(.recordPublication): return .recordPublication
        case .recipeImage(.loadRecipe): return .loadRecipe
        case .recipeImage(.renderDefinition): return .renderDefinition
        case .recipeImage(.buildImage): return .buildImage
        case .userImage(.selectEnvironment): return .selectEnvironment
        case .userImage(.checkRunImage): return .checkRunImage
        case .userImage(.install): return .install
        case .userImage(.zipInstall): return .zipInstall
        case .download(.locateDownload): return .locateDownload
        case .download(.fetchImage): return .fetchImage
        case .download(.verifyDownload): return .verifyDownload
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
        case .resolveBase:
            self = .systemImage(.resolveBase(try container.decode(ResolveBaseIntent.self, forKey: .intent)))
        case .copyImage: self = .systemImage(.copyImage(try container.decode(CopyImageIntent.self, forKey: .intent)))
        case .describeImage:
            self = .systemImage(.describeImage(try container.decode(DescribeImageIntent.self, forKey: .intent)))
        case .inspectImage:
            self = .publication(.inspectImage(try container.decode(InspectImageIntent.self, forKey: .intent)))
        case .checkTarget:
            self = .publication(.checkTarget(try container.decode(CheckTargetIntent.self, forKey: .intent)))
        case .claimBuildNumber:
            self = .publication(.claimBuildNumber(try container.decode(ClaimBuildNumberIntent.self, forKey: .intent)))
        case .uploadImage:
            self = .publication(.uploadImage(try container.decode(UploadImageIntent.self, forKey: .intent)))
        case .uploadSidecar:
            self = .publication(.uploadSidecar(try container.decode(UploadSidecarIntent.self, forKey: .intent)))
        case .verifyUpload:
            self = .publication(.verifyUpload(try container.decode(VerifyUploadIntent.self, forKey: .intent)))
        case .makeVisible:
            self = .publication(.makeVisible(try container.decode(MakeVisibleIntent.self, forKey: .intent)))
        case .recordPublication:
            self = .publication(.recordPublication(try container.decode(RecordPublicationIntent.self, forKey: .intent)))
        case .attestProvenance:
            self = .publication(.attestProvenance(try container.decode(AttestProvenanceIntent.self, forKey: .intent)))
        case .updateMirror:
            self = .publication(.updateMirror(try container.decode(UpdateMirrorIntent.self, forKey: .intent)))
        case .loadRecipe: self = .recipeImage(.loadRecipe(try container.decode(LoadRecipeIntent.self, forKey: .intent)))
        case .renderDefinition:
            self = .recipeImage(.renderDefinition(try container.decode(RenderDefinitionIntent.self, forKey: .intent)))
        case .buildImage: self = .recipeImage(.buildImage(try container.decode(BuildImageIntent.self, forKey: .intent)))
        case .selectEnvironment:
            self = .userImage(.selectEnvironment(try container.decode(SelectEnvironmentIntent.self, forKey: .intent)))
        case .checkRunImage:
            self = .userImage(.checkRunImage(try container.decode(CheckRunImageIntent.self, forKey: .intent)))
        case .install: self = .userImage(.install(try container.decode(InstallIntent.self, forKey: .intent)))
        case .zipInstall: self = .userImage(.zipInstall(try container.decode(ZipInstallIntent.self, forKey: .intent)))
        case .locateDownload:
            self = .download(.locateDownload(try container.decode(LocateDownloadIntent.self, forKey: .intent)))
        case .fetchImage: self = .download(.fetchImage(try container.decode(FetchImageIntent.self, forKey: .intent)))
        case .verifyDownload:
            self = .download(.verifyDownload(try container.decode(VerifyDownloadIntent.self, forKey: .intent)))
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
        case .systemImage(.resolveBase(let value)): try container.encode(value, forKey: .intent)
        case .systemImage(.copyImage(let value)): try container.encode(value, forKey: .intent)
        case .systemImage(.describeImage(let value)): try container.encode(value, forKey: .intent)
        case .publication(.inspectImage(let value)): try container.encode(value, forKey: .intent)
        case .publication(.checkTarget(let value)): try container.encode(value, forKey: .intent)
        case .publication(.claimBuildNumber(let value)): try container.encode(value, forKey: .intent)
        case .publication(.uploadImage(let value)): try container.encode(value, forKey: .intent)
        case .publication(.uploadSidecar(let value)): try container.encode(value, forKey: .intent)
        case .publication(.verifyUpload(let value)): try container.encode(value, forKey: .intent)
        case .publication(.makeVisible(let value)): try container.encode(value, forKey: .intent)
        case .publication(.recordPublication(let value)): try container.encode(value, forKey: .intent)
        case .publication(.attestProvenance(let value)): try container.encode(value, forKey: .intent)
        case .publication(.updateMirror(let value)): try container.encode(value, forKey: .intent)
        case .recipeImage(.loadRecipe(let value)): try container.encode(value, forKey: .intent)
        case .recipeImage(.renderDefinition(let value)): try container.encode(value, forKey: .intent)
        case .recipeImage(.buildImage(let value)): try container.encode(value, forKey: .intent)
        case .userImage(.selectEnvironment(let value)): try container.encode(value, forKey: .intent)
        case .userImage(.checkRunImage(let value)): try container.encode(value, forKey: .intent)
        case .userImage(.install(let value)): try container.encode(value, forKey: .intent)
        case .userImage(.zipInstall(let value)): try container.encode(value, forKey: .intent)
        case .download(.locateDownload(let value)): try container.encode(value, forKey: .intent)
        case .download(.fetchImage(let value)): try container.encode(value, forKey: .intent)
        case .download(.verifyDownload(let value)): try container.encode(value, forKey: .intent)
        case .virtualBox(let value): try container.encode(value, forKey: .intent)
        case .recordImports(let value): try container.encode(value, forKey: .intent)
        case .docker(let value): try container.encode(value, forKey: .intent)
        case .dockerPublication(let value): try container.encode(value, forKey: .intent)
        case .singularity(let value): try container.encode(value, forKey: .intent)
        }
    }
}

extension StepIntent {
    /// Whether the step runs external processes, and so gets a log file of its own.
    public var runsProcesses: Bool {
        switch self {
        case .recipeImage(.buildImage), .userImage(.install), .virtualBox, .docker(.build), .docker(.tag),
            .singularity(.convert):
            return true
        default: return false
        }
    }
}
