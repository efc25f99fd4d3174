import Foundation

/// What a step produced, recorded in `StepSucceeded` (or found by `reconcile` after a crash).
public enum StepOutcome: Equatable, Sendable {
    case resolvedBase(ResolvedBase)
    case copiedImage(CopiedImage)
    /// Both `describe` and `inspect-image` end with a described image.
    case describedImage(ImageDescription)
    case checkedTarget(TargetCheck)
    case claimedBuildNumber(ClaimedBuildNumber)
    case transferred(Transfer)
    case verifiedUpload(Transfer)
    case madeVisible(VisibleFile)
    case recordedPublication(RecordedLinks)
    case loadedRecipe(LoadedRecipe)
    case renderedDefinition(RenderedDefinition)
    case builtImage(BuiltImage)
    case selectedEnvironment(SelectedEnvironment)
    case checkedRunImage(RunImage)
    case installed(InstalledTree)
    case zipped(ZippedInstall)
    case locatedDownload(LocatedDownload)
    case fetchedImage(FetchedImage)
    case verifiedDownload(VerifiedDownload)
    case virtualBox(VirtualBoxEffect)
    case importedImages(ImportedImages)
    case docker(DockerEffect)
    case dockerPublication(DockerPublicationEffect)
    case singularity(SingularityEffect)
}

/// An image on the local disk with its complete sidecar and its digests.
public struct ImageDescription: Codable, Equatable, Sendable {
    public var image: String
    public var sidecarPath: String
    public var sidecar: ImageSidecar
    public var size: Int64
    public var md5: String
    public var sha256: String
    public var modified: Int64

    public init(image: String, sidecarPath: String, sidecar: ImageSidecar, size: Int64, md5: String, sha256: String, modified: Int64) {
        self.image = image
        self.sidecarPath = sidecarPath
        self.sidecar = sidecar
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
        self.modified = modified
    }

    public var imageID: String? { sidecar.imageID }
}

extension StepOutcome: Codable {
    private enum CodingKeys: String, CodingKey { case kind, outcome }

    public var kind: String {
        switch self {
        case .resolvedBase: return "resolved-base"
        case .copiedImage: return "copied-image"
        case .describedImage: return "described-image"
        case .checkedTarget: return "checked-target"
        case .claimedBuildNumber: return "claimed-build-number"
        case .transferred: return "transferred"
        case .verifiedUpload: return "verified-upload"
        case .madeVisible: return "made-visible"
        case .recordedPublication: return "recorded-publication"
        case .loadedRecipe: return "loaded-recipe"
        case .renderedDefinition: return "rendered-definition"
        case .builtImage: return "built-image"
        case .selectedEnvironment: return "selected-environment"
        case .checkedRunImage: return "checked-run-image"
        case .installed: return "installed"
        case .zipped: return "zipped"
        case .locatedDownload: return "located-download"
        case .fetchedImage: return "fetched-image"
        case .verifiedDownload: return "verified-download"
        case .virtualBox: return "virtualbox"
        case .importedImages: return "imported-images"
        case .docker: return "docker"
        case .dockerPublication: return "docker-publication"
        case .singularity: return "singularity"
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "resolved-base": self = .resolvedBase(try container.decode(ResolvedBase.self, forKey: .outcome))
        case "copied-image": self = .copiedImage(try container.decode(CopiedImage.self, forKey: .outcome))
        case "described-image": self = .describedImage(try container.decode(ImageDescription.self, forKey: .outcome))
        case "checked-target": self = .checkedTarget(try container.decode(TargetCheck.self, forKey: .outcome))
        case "claimed-build-number": self = .claimedBuildNumber(try container.decode(ClaimedBuildNumber.self, forKey: .outcome))
        case "transferred": self = .transferred(try container.decode(Transfer.self, forKey: .outcome))
        case "verified-upload": self = .verifiedUpload(try container.decode(Transfer.self, forKey: .outcome))
        case "made-visible": self = .madeVisible(try container.decode(VisibleFile.self, forKey: .outcome))
        case "recorded-publication": self = .recordedPublication(try container.decode(RecordedLinks.self, forKey: .outcome))
        case "loaded-recipe": self = .loadedRecipe(try container.decode(LoadedRecipe.self, forKey: .outcome))
        case "rendered-definition": self = .renderedDefinition(try container.decode(RenderedDefinition.self, forKey: .outcome))
        case "built-image": self = .builtImage(try container.decode(BuiltImage.self, forKey: .outcome))
        case "selected-environment": self = .selectedEnvironment(try container.decode(SelectedEnvironment.self, forKey: .outcome))
        case "checked-run-image": self = .checkedRunImage(try container.decode(RunImage.self, forKey: .outcome))
        case "installed": self = .installed(try container.decode(InstalledTree.self, forKey: .outcome))
        case "zipped": self = .zipped(try container.decode(ZippedInstall.self, forKey: .outcome))
        case "located-download": self = .locatedDownload(try container.decode(LocatedDownload.self, forKey: .outcome))
        case "fetched-image": self = .fetchedImage(try container.decode(FetchedImage.self, forKey: .outcome))
        case "verified-download": self = .verifiedDownload(try container.decode(VerifiedDownload.self, forKey: .outcome))
        case "virtualbox": self = .virtualBox(try container.decode(VirtualBoxEffect.self, forKey: .outcome))
        case "imported-images": self = .importedImages(try container.decode(ImportedImages.self, forKey: .outcome))
        case "docker": self = .docker(try container.decode(DockerEffect.self, forKey: .outcome))
        case "docker-publication": self = .dockerPublication(try container.decode(DockerPublicationEffect.self, forKey: .outcome))
        case "singularity": self = .singularity(try container.decode(SingularityEffect.self, forKey: .outcome))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown outcome kind \(kind)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .resolvedBase(let value): try container.encode(value, forKey: .outcome)
        case .copiedImage(let value): try container.encode(value, forKey: .outcome)
        case .describedImage(let value): try container.encode(value, forKey: .outcome)
        case .checkedTarget(let value): try container.encode(value, forKey: .outcome)
        case .claimedBuildNumber(let value): try container.encode(value, forKey: .outcome)
        case .transferred(let value): try container.encode(value, forKey: .outcome)
        case .verifiedUpload(let value): try container.encode(value, forKey: .outcome)
        case .madeVisible(let value): try container.encode(value, forKey: .outcome)
        case .recordedPublication(let value): try container.encode(value, forKey: .outcome)
        case .loadedRecipe(let value): try container.encode(value, forKey: .outcome)
        case .renderedDefinition(let value): try container.encode(value, forKey: .outcome)
        case .builtImage(let value): try container.encode(value, forKey: .outcome)
        case .selectedEnvironment(let value): try container.encode(value, forKey: .outcome)
        case .checkedRunImage(let value): try container.encode(value, forKey: .outcome)
        case .installed(let value): try container.encode(value, forKey: .outcome)
        case .zipped(let value): try container.encode(value, forKey: .outcome)
        case .locatedDownload(let value): try container.encode(value, forKey: .outcome)
        case .fetchedImage(let value): try container.encode(value, forKey: .outcome)
        case .verifiedDownload(let value): try container.encode(value, forKey: .outcome)
        case .virtualBox(let value): try container.encode(value, forKey: .outcome)
        case .importedImages(let value): try container.encode(value, forKey: .outcome)
        case .docker(let value): try container.encode(value, forKey: .outcome)
        case .dockerPublication(let value): try container.encode(value, forKey: .outcome)
        case .singularity(let value): try container.encode(value, forKey: .outcome)
        }
    }
}
