import Foundation

/// What a step produced, recorded in `StepSucceeded` (or found by `reconcile` after a crash).
/// One case per pipeline, holding that pipeline's own enum of outcomes (in its folder).
public enum StepOutcome: Equatable, Sendable {
    case systemImage(SystemImageOutcome)
    case publication(PublicationOutcome)
    case recipeImage(RecipeImageOutcome)
    case userImage(UserImageOutcome)
    case download(DownloadOutcome)
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

    public init(
        image: String, sidecarPath: String, sidecar: ImageSidecar, size: Int64, md5: String, sha256: String,
        modified: Int64
    ) {
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

    /// The kinds of outcome, as stored in the ledger (`kind`): each written once, here. A kind is
    /// never renamed (the ledger fixtures of Tests/Fixtures hold every one); a change of format is
    /// a new kind.
    public enum Kind: String, CaseIterable, Sendable {
        case resolvedBase = "resolved-base"
        case copiedImage = "copied-image"
        case describedImage = "described-image"
        case checkedTarget = "checked-target"
        case claimedBuildNumber = "claimed-build-number"
        case transferred = "transferred"
        case verifiedUpload = "verified-upload"
        case madeVisible = "made-visible"
        case recordedPublication = "recorded-publication"
        case attestedProvenance = "attested-provenance"
        case updatedMirror = "updated-mirror"
        case loadedRecipe = "loaded-recipe"
        case renderedDefinition = "rendered-definition"
        case builtImage = "built-image"
        case selectedEnvironment = "selected-environment"
        case checkedRunImage = "checked-run-image"
        case installed = "installed"
        case zipped = "zipped"
        case locatedDownload = "located-download"
        case fetchedImage = "fetched-image"
        case verifiedDownload = "verified-download"
        case virtualBox = "virtualbox"
        case importedImages = "imported-images"
        case docker = "docker"
        case dockerPublication = "docker-publication"
        case singularity = "singularity"
    }

    /// The outcome's kind.
    public var kindCase: Kind {
        switch self {
        case .systemImage(.resolvedBase): return .resolvedBase
        case .systemImage(.copiedImage): return .copiedImage
        case .systemImage(.describedImage): return .describedImage
        case .publication(.checkedTarget): return .checkedTarget
        case .publication(.claimedBuildNumber): return .claimedBuildNumber
        case .publication(.transferred): return .transferred
        case .publication(.verifiedUpload): return .verifiedUpload
        case .publication(.madeVisible): return .madeVisible
        case .publication(.recordedPublication): return .recordedPublication
        case .publication(.attestedProvenance): return .attestedProvenance
        case .publication(.updatedMirror): return .updatedMirror
        case .recipeImage(.loadedRecipe): return .loadedRecipe
        case .recipeImage(.renderedDefinition): return .renderedDefinition
        case .recipeImage(.builtImage): return .builtImage
        case .userImage(.selectedEnvironment): return .selectedEnvironment
        case .userImage(.checkedRunImage): return .checkedRunImage
        case .userImage(.installed): return .installed
        case .userImage(.zipped): return .zipped
        case .download(.locatedDownload): return .locatedDownload
        case .download(.fetchedImage): return .fetchedImage
        case .download(.verifiedDownload): return .verifiedDownload
        case .virtualBox: return .virtualBox
        case .importedImages: return .importedImages
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
                forKey: .kind, in: container, debugDescription: "unknown outcome kind \(kind)")
        }
        switch known {
        case .resolvedBase:
            self = .systemImage(.resolvedBase(try container.decode(ResolvedBase.self, forKey: .outcome)))
        case .copiedImage: self = .systemImage(.copiedImage(try container.decode(CopiedImage.self, forKey: .outcome)))
        case .describedImage:
            self = .systemImage(.describedImage(try container.decode(ImageDescription.self, forKey: .outcome)))
        case .checkedTarget:
            self = .publication(.checkedTarget(try container.decode(TargetCheck.self, forKey: .outcome)))
        case .claimedBuildNumber:
            self = .publication(.claimedBuildNumber(try container.decode(ClaimedBuildNumber.self, forKey: .outcome)))
        case .transferred: self = .publication(.transferred(try container.decode(Transfer.self, forKey: .outcome)))
        case .verifiedUpload:
            self = .publication(.verifiedUpload(try container.decode(Transfer.self, forKey: .outcome)))
        case .madeVisible: self = .publication(.madeVisible(try container.decode(VisibleFile.self, forKey: .outcome)))
        case .recordedPublication:
            self = .publication(.recordedPublication(try container.decode(RecordedLinks.self, forKey: .outcome)))
        case .attestedProvenance:
            self = .publication(.attestedProvenance(try container.decode(SignedAttestation.self, forKey: .outcome)))
        case .updatedMirror:
            self = .publication(.updatedMirror(try container.decode(UpdatedMirror.self, forKey: .outcome)))
        case .loadedRecipe:
            self = .recipeImage(.loadedRecipe(try container.decode(LoadedRecipe.self, forKey: .outcome)))
        case .renderedDefinition:
            self = .recipeImage(.renderedDefinition(try container.decode(RenderedDefinition.self, forKey: .outcome)))
        case .builtImage: self = .recipeImage(.builtImage(try container.decode(BuiltImage.self, forKey: .outcome)))
        case .selectedEnvironment:
            self = .userImage(.selectedEnvironment(try container.decode(SelectedEnvironment.self, forKey: .outcome)))
        case .checkedRunImage:
            self = .userImage(.checkedRunImage(try container.decode(RunImage.self, forKey: .outcome)))
        case .installed: self = .userImage(.installed(try container.decode(InstalledTree.self, forKey: .outcome)))
        case .zipped: self = .userImage(.zipped(try container.decode(ZippedInstall.self, forKey: .outcome)))
        case .locatedDownload:
            self = .download(.locatedDownload(try container.decode(LocatedDownload.self, forKey: .outcome)))
        case .fetchedImage: self = .download(.fetchedImage(try container.decode(FetchedImage.self, forKey: .outcome)))
        case .verifiedDownload:
            self = .download(.verifiedDownload(try container.decode(VerifiedDownload.self, forKey: .outcome)))
        case .virtualBox: self = .virtualBox(try container.decode(VirtualBoxEffect.self, forKey: .outcome))
        case .importedImages: self = .importedImages(try container.decode(ImportedImages.self, forKey: .outcome))
        case .docker: self = .docker(try container.decode(DockerEffect.self, forKey: .outcome))
        case .dockerPublication:
            self = .dockerPublication(try container.decode(DockerPublicationEffect.self, forKey: .outcome))
        case .singularity: self = .singularity(try container.decode(SingularityEffect.self, forKey: .outcome))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .systemImage(.resolvedBase(let value)): try container.encode(value, forKey: .outcome)
        case .systemImage(.copiedImage(let value)): try container.encode(value, forKey: .outcome)
        case .systemImage(.describedImage(let value)): try container.encode(value, forKey: .outcome)
        case .publication(.checkedTarget(let value)): try container.encode(value, forKey: .outcome)
        case .publication(.claimedBuildNumber(let value)): try container.encode(value, forKey: .outcome)
        case .publication(.transferred(let value)): try container.encode(value, forKey: .outcome)
        case .publication(.verifiedUpload(let value)): try container.encode(value, forKey: .outcome)
        case .publication(.madeVisible(let value)): try container.encode(value, forKey: .outcome)
        case .publication(.recordedPublication(let value)): try container.encode(value, forKey: .outcome)
        case .publication(.attestedProvenance(let value)): try container.encode(value, forKey: .outcome)
        case .publication(.updatedMirror(let value)): try container.encode(value, forKey: .outcome)
        case .recipeImage(.loadedRecipe(let value)): try container.encode(value, forKey: .outcome)
        case .recipeImage(.renderedDefinition(let value)): try container.encode(value, forKey: .outcome)
        case .recipeImage(.builtImage(let value)): try container.encode(value, forKey: .outcome)
        case .userImage(.selectedEnvironment(let value)): try container.encode(value, forKey: .outcome)
        case .userImage(.checkedRunImage(let value)): try container.encode(value, forKey: .outcome)
        case .userImage(.installed(let value)): try container.encode(value, forKey: .outcome)
        case .userImage(.zipped(let value)): try container.encode(value, forKey: .outcome)
        case .download(.locatedDownload(let value)): try container.encode(value, forKey: .outcome)
        case .download(.fetchedImage(let value)): try container.encode(value, forKey: .outcome)
        case .download(.verifiedDownload(let value)): try container.encode(value, forKey: .outcome)
        case .virtualBox(let value): try container.encode(value, forKey: .outcome)
        case .importedImages(let value): try container.encode(value, forKey: .outcome)
        case .docker(let value): try container.encode(value, forKey: .outcome)
        case .dockerPublication(let value): try container.encode(value, forKey: .outcome)
        case .singularity(let value): try container.encode(value, forKey: .outcome)
        }
    }
}

extension StepOutcome {
    /// One line for people (`status`): what the step made or found.
    public var summary: String {
        switch self {
        case .systemImage(.resolvedBase(let base)): return "\(base.base) (system \(base.system))"
        case .systemImage(.copiedImage(let copy)): return "\(copy.size) bytes, sha256 \(copy.sha256.prefix(12))…"
        case .systemImage(.describedImage(let image)):
            return "\(FilePath.lastComponent(image.sidecarPath)), image_id \(image.imageID ?? "?"), md5 \(image.md5)"
        case .publication(.checkedTarget(let check)):
            if let number = check.upToDateBuildNumber { return "up to date as N=\(number)" }
            return "highest N: \(check.highestBuildNumber.map(String.init) ?? "none")"
        case .publication(.claimedBuildNumber(let claim)): return "N=\(claim.buildNumber)"
        case .publication(.transferred(let transfer)), .publication(.verifiedUpload(let transfer)):
            return "\(transfer.name) (\(transfer.bytes) bytes"
                + (transfer.resumedFrom.map { ", resumed from byte \($0)" } ?? "") + ")"
        case .publication(.madeVisible(let file)): return file.name
        case .publication(.attestedProvenance(let attestation)):
            return "\(attestation.name), signed by key \(attestation.keyID.prefix(12))…"
        case .publication(.updatedMirror(let mirror)): return mirror.summary
        case .publication(.recordedPublication(let links)):
            return links.links.isEmpty
                ? "sidecar updated" : links.links.map(FilePath.lastComponent).joined(separator: ", ")
        case .recipeImage(.loadedRecipe(let recipe)):
            return "\(recipe.file) (\(recipe.recipe.steps.count) steps, sha256 \(recipe.sha256.prefix(12))…)"
        case .recipeImage(.renderedDefinition(let definition)):
            return "\(definition.path) (sha256 \(definition.sha256.prefix(12))…)"
        case .recipeImage(.builtImage(let image)):
            return "\(FilePath.lastComponent(image.output)) (\(image.size) bytes)"
                + (image.command.isEmpty ? ", found after an interruption" : "")
        case .userImage(.selectedEnvironment(let environment)):
            return
                "\(environment.name) (\(environment.distro), \(environment.system), image_id \(environment.imageID ?? "none"), \(environment.sources.count) source checkouts)"
        case .userImage(.checkedRunImage(let image)):
            return
                "\(FilePath.lastComponent(image.path)) (image_id \(image.imageID ?? "none"), accepted by \(image.acceptedBy))"
        case .userImage(.installed(let installed)):
            return
                "\(installed.tree.fileCount) entries, \(installed.tree.totalSize) bytes, tree sha256 \(installed.tree.sha256.prefix(12))…"
        case .userImage(.zipped(let zip)):
            return "\(FilePath.lastComponent(zip.zip)) (\(zip.size) bytes, md5 \(zip.md5))"
        case .download(.locatedDownload(let located)):
            return
                "\(located.imageURL) (\(located.size) bytes, image_id \(located.imageID ?? "none"); \(located.choice))"
        case .download(.fetchedImage(let fetched)):
            return "\(fetched.bytes) bytes" + (fetched.resumedFrom.map { ", resumed from byte \($0)" } ?? "")
                + (fetched.restarted ? ", started over: the server's file had changed" : "")
        case .download(.verifiedDownload(let verified)):
            return "\(verified.output) (md5 \(verified.md5), sha256 \(verified.sha256.prefix(12))…)"
        case .virtualBox(let effect): return effect.summary
        case .importedImages(let imported):
            return "\(imported.images.count) image\(imported.images.count == 1 ? "" : "s") from \(imported.directory)"
        case .docker(let effect): return effect.summary
        case .dockerPublication(let effect): return effect.summary
        case .singularity(let effect): return effect.summary
        }
    }
}
