import Foundation

/// Read an existing image and its sidecar, hash the image and check both agree.
public struct InspectImageIntent: Codable, Equatable, Sendable {
    public var image: String
    public var sidecarPath: String

    public init(image: String, sidecarPath: String) {
        self.image = image
        self.sidecarPath = sidecarPath
    }
}

/// Look at the target: is this image already there, and what is the highest N?
public struct CheckTargetIntent: Codable, Equatable, Sendable {
    public var target: String
    public var names: PublishedNames
    public var imageID: String
    public var md5: String

    public init(target: String, names: PublishedNames, imageID: String, md5: String) {
        self.target = target
        self.names = names
        self.imageID = imageID
        self.md5 = md5
    }
}

/// Claim the first free N from `firstCandidate` by creating its sidecar name exclusively.
public struct ClaimBuildNumberIntent: Codable, Equatable, Sendable {
    public var target: String
    public var names: PublishedNames
    public var firstCandidate: Int
    /// The content of the claim file, which names the run so that reconcile can find its own claim.
    public var claimContent: String
    public var runID: String

    public init(target: String, names: PublishedNames, firstCandidate: Int, claimContent: String, runID: String) {
        self.target = target
        self.names = names
        self.firstCandidate = firstCandidate
        self.claimContent = claimContent
        self.runID = runID
    }
}

/// Upload the image under a hidden temporary name.
public struct UploadImageIntent: Codable, Equatable, Sendable {
    public var target: String
    public var source: String
    public var temporaryName: String
    public var size: Int64
    public var sha256: String

    public init(target: String, source: String, temporaryName: String, size: Int64, sha256: String) {
        self.target = target
        self.source = source
        self.temporaryName = temporaryName
        self.size = size
        self.sha256 = sha256
    }
}

/// Replace the claim with the final sidecar (still invisible to clients: the image is hidden).
public struct UploadSidecarIntent: Codable, Equatable, Sendable {
    public var target: String
    public var sidecarName: String
    public var content: String

    public init(target: String, sidecarName: String, content: String) {
        self.target = target
        self.sidecarName = sidecarName
        self.content = content
    }
}

/// Sign the image's provenance and put it beside the image, under its final name
/// (`<name>-<N>.<ext>.intoto.jsonl`), before the image becomes visible: a client that sees the
/// image can always fetch its signed provenance.
public struct AttestProvenanceIntent: Codable, Equatable, Sendable {
    public var target: String
    /// The attestation's name on the target.
    public var attestationName: String
    /// The in-toto statement to sign, byte for byte (the DSSE payload).
    public var statement: String
    /// The image's SHA-256 as inspected: the statement's subject must be these bytes.
    public var imageSHA256: String
    /// The private key's path (never the key), and the id the run started with: a key changed
    /// since is refused, not silently used.
    public var signingKey: String
    public var keyID: String

    public init(
        target: String, attestationName: String, statement: String, imageSHA256: String, signingKey: String,
        keyID: String
    ) {
        self.target = target
        self.attestationName = attestationName
        self.statement = statement
        self.imageSHA256 = imageSHA256
        self.signingKey = signingKey
        self.keyID = keyID
    }
}

/// Lists the published files in the target's TUF metadata (`tuf/` there), signed with the
/// release key, under the target's lock: targets, snapshot, then timestamp.
public struct UpdateMirrorIntent: Codable, Equatable, Sendable {
    public var target: String
    /// The image, with the size and SHA-256 it was published with.
    public var image: String
    public var imageSize: Int64
    public var imageSHA256: String
    /// The sidecar and the signed provenance: small, hashed as the target holds them.
    public var companions: [String]
    /// The custom fields of each entry: the build number, the image_id, the publishing run and
    /// the ledger event that published the image (the version, in the run's stream, of the
    /// event that recorded make-visible done; nil in intents recorded before it was listed).
    public var buildNumber: Int
    public var imageID: String?
    public var runID: String
    public var publishedEvent: Int?
    public var signingKey: String
    public var keyID: String

    public init(
        target: String, image: String, imageSize: Int64, imageSHA256: String, companions: [String], buildNumber: Int,
        imageID: String?, runID: String, publishedEvent: Int?, signingKey: String, keyID: String
    ) {
        self.target = target
        self.image = image
        self.imageSize = imageSize
        self.imageSHA256 = imageSHA256
        self.companions = companions
        self.buildNumber = buildNumber
        self.imageID = imageID
        self.runID = runID
        self.publishedEvent = publishedEvent
        self.signingKey = signingKey
        self.keyID = keyID
    }
}

/// Check what is on the server: the temporary image's size and the sidecar's bytes.
public struct VerifyUploadIntent: Codable, Equatable, Sendable {
    public var target: String
    public var temporaryName: String
    public var size: Int64
    public var sidecarName: String
    public var sidecarContent: String

    public init(target: String, temporaryName: String, size: Int64, sidecarName: String, sidecarContent: String) {
        self.target = target
        self.temporaryName = temporaryName
        self.size = size
        self.sidecarName = sidecarName
        self.sidecarContent = sidecarContent
    }
}

/// Rename the image into place: the moment the publication becomes visible.
public struct MakeVisibleIntent: Codable, Equatable, Sendable {
    public var target: String
    public var temporaryName: String
    public var finalName: String
    public var size: Int64

    public init(target: String, temporaryName: String, finalName: String, size: Int64) {
        self.target = target
        self.temporaryName = temporaryName
        self.finalName = finalName
        self.size = size
    }
}

/// Local effects of a publication: the sidecar's `build_number` and casa-distro's numbered links.
public struct RecordPublicationIntent: Codable, Equatable, Sendable {
    public var localSidecar: String
    public var localSidecarContent: String
    public var links: [LocalLink]

    public init(localSidecar: String, localSidecarContent: String, links: [LocalLink]) {
        self.localSidecar = localSidecar
        self.localSidecarContent = localSidecarContent
        self.links = links
    }
}

/// A symbolic link `path -> destination` beside the local image.
public struct LocalLink: Codable, Equatable, Sendable {
    public var path: String
    public var destination: String

    public init(path: String, destination: String) {
        self.path = path
        self.destination = destination
    }
}

/// The publication pipeline's steps, as `StepIntent.publication` (stored flat: each step's kind in `StepIntent.Kind`).
public enum PublicationIntent: Equatable, Sendable {
    case inspectImage(InspectImageIntent)
    case checkTarget(CheckTargetIntent)
    case claimBuildNumber(ClaimBuildNumberIntent)
    case uploadImage(UploadImageIntent)
    case uploadSidecar(UploadSidecarIntent)
    case verifyUpload(VerifyUploadIntent)
    case attestProvenance(AttestProvenanceIntent)
    case updateMirror(UpdateMirrorIntent)
    case makeVisible(MakeVisibleIntent)
    case recordPublication(RecordPublicationIntent)
}
