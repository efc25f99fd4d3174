import Foundation

/// Find the image on the server: its name (from the listing when not given), its sidecar, and
/// what the server says of it (size, ETag, Last-Modified).
public struct LocateDownloadIntent: Codable, Equatable, Sendable {
    public var url: String
    public var filename: String?
    public var type: String?
    public var imageVersion: String?
    public var fileExtension: String
    /// The TUF root to trust: a file the user gave (`root=`), else the SHA-256 of the first root
    /// this ledger trusted for the mirror (pinned), else none (trusted on first use).
    public var trustedRoot: String?
    public var pinnedRootSHA256: String?
    /// The highest versions an earlier download of this ledger verified there.
    public var versionsSeen: MirrorVersions?

    public init(
        url: String, filename: String?, type: String?, imageVersion: String?, fileExtension: String,
        trustedRoot: String? = nil, pinnedRootSHA256: String? = nil, versionsSeen: MirrorVersions? = nil
    ) {
        self.versionsSeen = versionsSeen
        self.trustedRoot = trustedRoot
        self.pinnedRootSHA256 = pinnedRootSHA256
        self.url = url
        self.filename = filename
        self.type = type
        self.imageVersion = imageVersion
        self.fileExtension = fileExtension
    }
}

/// Fetch the image into `<output>.part`, going on from what a previous attempt left there when
/// the server shows the file has not changed (`If-Range`), else starting over.
public struct FetchImageIntent: Codable, Equatable, Sendable {
    public var url: String
    public var partial: String
    public var output: String
    public var size: Int64
    /// The ETag or Last-Modified the server gave when the download was located.
    public var validator: String?
    public var replace: Bool

    public init(url: String, partial: String, output: String, size: Int64, validator: String?, replace: Bool) {
        self.url = url
        self.partial = partial
        self.output = output
        self.size = size
        self.validator = validator
        self.replace = replace
    }
}

/// Check the fetched bytes against the sidecar's md5 (and sha256 when it has one), then put the
/// sidecar and the image in place. A mismatch deletes the partial file.
public struct VerifyDownloadIntent: Codable, Equatable, Sendable {
    public var partial: String
    public var output: String
    public var size: Int64
    public var md5: String
    public var sha256: String?
    public var sidecarContent: String
    public var replace: Bool
    /// The fetch found the output already there: it is the file to check, and nothing is renamed.
    public var outputAlreadyThere: Bool?
    /// The partial file's digests as the fetch computed them, valid while it keeps that size and time.
    public var known: KnownDigests?

    public init(
        partial: String, output: String, size: Int64, md5: String, sha256: String?, sidecarContent: String,
        replace: Bool,
        outputAlreadyThere: Bool? = nil, known: KnownDigests? = nil
    ) {
        self.known = known
        self.partial = partial
        self.output = output
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
        self.sidecarContent = sidecarContent
        self.replace = replace
        self.outputAlreadyThere = outputAlreadyThere
    }
}

/// What the server holds for the image, as located.
public struct LocatedDownload: Codable, Equatable, Sendable {
    public var filename: String
    public var imageURL: String
    public var sidecarURL: String
    public var sidecarContent: String
    public var size: Int64
    public var md5: String
    public var sha256: String?
    public var imageID: String?
    public var validator: String?
    /// How the file was chosen ("given", or "highest build of casa-run-5.4 in the listing").
    public var choice: String
    /// The mirror's TUF metadata, verified, that lists the file (its sha256 is then `sha256`); nil
    /// for a mirror without metadata.
    public var mirror: VerifiedMirror?

    public init(
        filename: String, imageURL: String, sidecarURL: String, sidecarContent: String, size: Int64, md5: String,
        sha256: String?, imageID: String?, validator: String?, choice: String, mirror: VerifiedMirror? = nil
    ) {
        self.mirror = mirror
        self.filename = filename
        self.imageURL = imageURL
        self.sidecarURL = sidecarURL
        self.sidecarContent = sidecarContent
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
        self.imageID = imageID
        self.validator = validator
        self.choice = choice
    }
}

/// The versions of a mirror's roles a client has seen under one first root: none may go back.
public struct MirrorVersions: Codable, Equatable, Sendable {
    /// The SHA-256 of the first root they were seen under: another root starts another history.
    public var rootSHA256: String
    public var root: Int
    public var targets: Int
    public var timestamp: Int

    public init(rootSHA256: String, root: Int, targets: Int, timestamp: Int) {
        self.rootSHA256 = rootSHA256
        self.root = root
        self.targets = targets
        self.timestamp = timestamp
    }
}

/// A mirror's TUF metadata as a download verified it.
public struct VerifiedMirror: Codable, Equatable, Sendable {
    /// The SHA-256 of its `1.root.json`: what the ledger pins for the mirror.
    public var rootSHA256: String
    public var rootVersion: Int
    public var targetsVersion: Int
    public var timestampVersion: Int
    /// How the first root came to be trusted: `root=FILE`, pinned by this ledger, or on first use.
    public var trust: String

    public init(rootSHA256: String, rootVersion: Int, targetsVersion: Int, timestampVersion: Int, trust: String) {
        self.rootSHA256 = rootSHA256
        self.rootVersion = rootVersion
        self.targetsVersion = targetsVersion
        self.timestampVersion = timestampVersion
        self.trust = trust
    }
}

/// The bytes fetched into the partial file.
public struct FetchedImage: Codable, Equatable, Sendable {
    public var bytes: Int64
    /// Where this fetch started, when it went on from a partial file (nil: from 0).
    public var resumedFrom: Int64?
    /// The server showed a changed file, or ignored the range: the partial file was started over.
    public var restarted: Bool
    /// The output was already there with the server's size: nothing was fetched, and verify
    /// checks the output itself (casa-distro calls such a file up to date).
    public var alreadyThere: Bool?
    /// The partial file's digests, computed as its bytes arrived, with its size and time then.
    public var digests: KnownDigests?

    public init(
        bytes: Int64, resumedFrom: Int64?, restarted: Bool, alreadyThere: Bool? = nil, digests: KnownDigests? = nil
    ) {
        self.bytes = bytes
        self.resumedFrom = resumedFrom
        self.restarted = restarted
        self.alreadyThere = alreadyThere
        self.digests = digests
    }
}

/// The image in place, verified.
public struct VerifiedDownload: Codable, Equatable, Sendable {
    public var output: String
    public var size: Int64
    public var md5: String
    public var sha256: String
    /// The output was already the server's file: nothing was downloaded.
    public var upToDate: Bool?

    public init(output: String, size: Int64, md5: String, sha256: String, upToDate: Bool? = nil) {
        self.output = output
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
        self.upToDate = upToDate
    }
}

/// The download pipeline's steps, as `StepIntent.download` (stored flat).
public enum DownloadIntent: Equatable, Sendable {
    case locateDownload(LocateDownloadIntent)
    case fetchImage(FetchImageIntent)
    case verifyDownload(VerifyDownloadIntent)
}

/// What the download steps produce, as `StepOutcome.download` (stored flat).
public enum DownloadOutcome: Equatable, Sendable {
    case locatedDownload(LocatedDownload)
    case fetchedImage(FetchedImage)
    case verifiedDownload(VerifiedDownload)
}
